// Exports of recorded footage as one MP4 (a job with progress, then a
// download), each on the audit log; and the incidents' clips.
// Who may export: dispatcher, engineer, admin (not operator: an operator
// watches and plays back, but footage leaving the system is a dispatcher's
// or an engineer's decision and is audited).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { coded, ErrorBody, GwError, Id, notFound, READ_ROLES, type RegistryService, type RegistryStore, type Role } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import type { IncidentClips } from '../clips/incident-clips.ts';
import type { ExportJob, Exporter } from '../export/exporter.ts';
import { planExport } from '../export/plan.ts';
import type { RecordingPaths } from '../paths.ts';
import { requireRange } from '../playback/time-range.ts';
import type { RecordingIndex } from '../store/recording-index.ts';

export const EXPORT_ROLES: readonly Role[] = ['admin', 'engineer', 'dispatcher'];

export interface ExportRouteDeps {
  registry: RegistryService;
  audit: Pick<RegistryStore, 'apply'>;
  index: RecordingIndex;
  paths: RecordingPaths;
  exporter: Exporter;
  clips: IncidentClips;
  ffprobePath: string;
  maxSeconds: number;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const Time = Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })], { description: 'ISO-8601 time (UTC) or epoch ms' });
const JobParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

export const jobView = (j: ExportJob) => ({
  id: j.id, channelId: j.channelId, state: j.state, progress: Math.round(j.progress * 1000) / 1000, bytes: j.bytes,
  from: iso(j.from), to: iso(j.to), actualFrom: iso(j.plan.actualFrom), actualTo: iso(j.plan.actualTo), seconds: Math.round(j.plan.seconds * 10) / 10, gaps: j.plan.gaps,
  createdAt: iso(j.createdAt), finishedAt: iso(j.finishedAt), ...(j.reason ? { reason: j.reason } : {}),
  ...(j.state === 'done' ? { download: `/api/exports/${j.id}/download` } : {}),
});

/** A file name that says channel and range, safe in a header (ASCII fallback and RFC 5987 UTF-8). */
function disposition(name: string, from: number, to: number): string {
  const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '');
  const file = `${name}_${stamp(from)}_${stamp(to)}.mp4`;
  const ascii = file.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file)}`;
}

async function sendMp4(reply: FastifyReply, file: string, what: string) {
  const size = await stat(file).then((s) => s.size, () => undefined);
  if (size === undefined) throw new GwError('GW_ERR_NOT_FOUND', `${what} is no longer available`, 'id');
  return reply.type('video/mp4').header('content-length', size).send(createReadStream(file));
}

export function exportRoutes(app: FastifyInstance, deps: ExportRouteDeps): void {
  const tags = ['recording'];

  app.post('/api/channels/:id/exports', {
    config: { roles: EXPORT_ROLES },
    schema: {
      tags, summary: 'Export [from, to] of a channel\'s footage as one MP4 (no re-encode: it starts at the keyframe at or before `from`, said as actualFrom); a job, then GET /api/exports/{id}',
      params: Type.Object({ id: Id }), body: Type.Object({ from: Time, to: Time }, { additionalProperties: false }), response: { 202: Type.Object({}, { additionalProperties: true }), ...errors },
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { from, to } = requireRange(req.body as { from: string | number; to: string | number }, deps.maxSeconds);
    const row = await deps.registry.getStored('channels', id);
    if (!row) throw notFound('channel', id);
    const { segments } = await deps.index.segments(id, from, to);
    const plan = await planExport(segments, from, to, { paths: deps.paths, ffprobe: deps.ffprobePath });
    if (!plan) throw coded('GW_ERR_CONFLICT', say('no_footage', { channel: id }), 'from');
    const job = deps.exporter.submit({ channelId: id, channelName: String(row.doc.name ?? id), from, to, plan });
    await deps.audit.apply([], [{
      actor: req.actor!, action: 'create', entity: 'recording_exports', entityId: job.id, before: null,
      after: { channelId: id, from: iso(from), to: iso(to), actualFrom: iso(plan.actualFrom), actualTo: iso(plan.actualTo) },
    }]);
    req.log.info({ exportId: job.id, channelId: id, from: iso(from), to: iso(to), by: req.actor!.name }, 'recording export asked');
    return reply.code(202).send(jobView(job));
  });

  const jobOf = (id: string) => {
    const job = deps.exporter.get(id);
    if (!job) throw notFound('export', id);
    return job;
  };

  app.get('/api/exports/:id', {
    config: { roles: EXPORT_ROLES },
    schema: { tags, summary: 'An export job: state (queued, running, done, failed), progress 0–1, bytes, the real range', params: JobParams, response: errors },
  }, async (req) => jobView(jobOf((req.params as { id: string }).id)));

  app.get('/api/exports/:id/download', {
    config: { roles: EXPORT_ROLES, tokenInQuery: true },
    schema: {
      tags, summary: 'The exported MP4 (Content-Disposition names the channel and range)', params: JobParams,
      querystring: Type.Object({ access_token: Type.Optional(Type.String()) }, { additionalProperties: false }), response: errors,
    },
  }, async (req, reply) => {
    const job = jobOf((req.params as { id: string }).id);
    if (job.state !== 'done') throw new GwError('GW_ERR_CONFLICT', `export ${job.id} is ${job.state}`, 'id');
    reply.header('content-disposition', disposition(job.channelName, job.plan.actualFrom, job.plan.actualTo));
    return sendMp4(reply, job.file, `export ${job.id}`);
  });

  app.get('/api/clips/:incidentId/:file', {
    config: { roles: READ_ROLES, tokenInQuery: true },
    schema: {
      tags, summary: 'An incident\'s clip (MP4), kept while the incident holds its footage',
      params: Type.Object({ incidentId: Type.String({ pattern: '^[0-9a-f-]{36}$' }), file: Type.String({ pattern: '^[0-9]{1,16}-[0-9]{1,16}\\.mp4$' }) }),
      querystring: Type.Object({ access_token: Type.Optional(Type.String()) }, { additionalProperties: false }), response: errors,
    },
  }, async (req, reply) => {
    const { incidentId, file } = req.params as { incidentId: string; file: string };
    const path = deps.clips.file(incidentId, file);
    if (!path) throw new GwError('GW_ERR_NOT_FOUND', `no clip ${file} of incident ${incidentId}`, 'file');
    return sendMp4(reply.header('cache-control', 'private, max-age=86400, immutable'), path, `clip ${file}`);
  });
}
