// Exports of recorded footage as one MP4 (a job with progress, then a
// download), each on the audit log; and the incidents' clips.
// Who may export: dispatcher, engineer, admin (not operator: an operator
// watches and plays back, but footage leaving the system is a dispatcher's
// or an engineer's decision and is audited). An export is its creator's: only
// they and an admin see it, list it or download it; anyone else gets the
// same 404 as for an id that never was.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { coded, ErrorBody, GwError, Id, inCoverage, notFound, READ_ROLES, tokenSubject, type Actor, type RegistryService, type RegistryStore, type Role } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import type { IncidentClips } from '../clips/incident-clips.ts';
import type { Exporter, ExportOwner, ExportRecord } from '../export/exporter.ts';
import { planExport, type SegmentSource } from '../export/plan.ts';
import type { ExportFetches } from '../cluster/export-fetches.ts';
import type { RecordingPaths } from '../paths.ts';
import type { ExportHolders } from './export-download-proxy.ts';
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
  /** This node: an export on another node's disk is downloaded there. */
  nodeId: string;
  /** Cluster: downloads of exports another node holds, passed through to it (else a 409 naming the node). */
  holders?: ExportHolders;
  /** Cluster: copies of segments other nodes hold. */
  fetches?: ExportFetches;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const Time = Type.Union([Type.String({ maxLength: 40 }), Type.Integer({ minimum: 0 })], { description: 'ISO-8601 time (UTC) or epoch ms' });
const JobParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 422: ErrorBody };

/** Whose exports a caller is: the API key's id (a key without one, by its name). */
/** A key by its id, a person by their user id (a name may change at the identity provider). */
export const ownerOf = (actor: Actor): ExportOwner => ({ id: actor.keyId ?? (actor.userId ? `user:${actor.userId}` : `name:${actor.name}`), name: actor.name });
const mayRead = (actor: Actor, job: ExportRecord) => actor.role === 'admin' || job.createdBy === ownerOf(actor).id;

export const jobView = (j: ExportRecord, forAdmin = false) => ({
  // recording: the gateway's own footage; device: a GB28181 device's recording (gb28181/records/device-export.ts).
  id: j.id, kind: j.plan.source?.kind ?? 'recording', channelId: j.channelId, channelName: j.channelName, state: j.state, progress: Math.round(j.progress * 1000) / 1000, bytes: j.bytes,
  from: iso(j.from), to: iso(j.to), actualFrom: iso(j.plan.actualFrom), actualTo: iso(j.plan.actualTo), seconds: Math.round(j.plan.seconds * 10) / 10, gaps: j.plan.gaps,
  createdAt: iso(j.createdAt), finishedAt: iso(j.finishedAt), expiresAt: iso(j.expiresAt), node: j.nodeId, ...(j.reason ? { reason: j.reason } : {}),
  ...(forAdmin ? { createdBy: { id: j.createdBy, name: j.createdByName } } : {}),
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

const noClip = (p: Record<string, string>) => new GwError('GW_ERR_NOT_FOUND', `no clip ${p.file} of incident ${p.incidentId}`, 'file');

export function exportRoutes(app: FastifyInstance, deps: ExportRouteDeps): void {
  const tags = ['recording'];

  app.post('/api/channels/:id/exports', {
    config: { roles: EXPORT_ROLES, scope: { by: 'channel', param: 'id' } },
    schema: {
      tags, summary: 'Export [from, to] of a channel\'s footage as one MP4 (no re-encode: it starts at the keyframe at or before `from`, said as actualFrom); a job, then GET /api/exports/{id}',
      params: Type.Object({ id: Id }), body: Type.Object({ from: Time, to: Time }, { additionalProperties: false }), response: { 202: Type.Object({}, { additionalProperties: true }), ...errors },
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    // The channel first: an unknown one is the same 404 as one out of scope, whatever the range.
    const row = await deps.registry.getStored('channels', id);
    if (!row) throw notFound('channel', id);
    const { from, to } = requireRange(req.body as { from: string | number; to: string | number }, deps.maxSeconds);
    const { segments } = await deps.index.segments(id, from, to);
    // Segments another node recorded are copied here first (a 503 naming the node when it cannot serve them).
    const planned = (source?: SegmentSource) => planExport(segments, from, to, { paths: deps.paths, ffprobe: deps.ffprobePath, source });
    const { plan, release } = deps.fetches ? await deps.fetches.prepare(tokenSubject(req), planned) : { plan: await planned(), release: undefined };
    if (!plan) throw coded('GW_ERR_CONFLICT', say('no_footage', { channel: id }), 'from');
    const job = await deps.exporter.submitFor(ownerOf(req.actor!), { channelId: id, channelName: String(row.doc.name ?? id), from, to, plan });
    if (release) void job.done.finally(release);
    await deps.audit.apply([], [{
      actor: req.actor!, action: 'create', entity: 'recording_exports', entityId: job.id, before: null,
      after: { channelId: id, from: iso(from), to: iso(to), actualFrom: iso(plan.actualFrom), actualTo: iso(plan.actualTo) },
    }]);
    req.log.info({ exportId: job.id, channelId: id, from: iso(from), to: iso(to), by: req.actor!.name }, 'recording export asked');
    return reply.code(202).send(jobView(job, req.actor!.role === 'admin'));
  });

  /** The caller's job (or any, for an admin) that has not expired, of a channel in their scope; else the 404 of an unknown id. */
  const jobOf = async (id: string, actor: Actor) => {
    const job = await deps.exporter.find(id);
    if (!job || !mayRead(actor, job) || (job.expiresAt !== undefined && job.expiresAt <= Date.now())) throw notFound('export', id);
    if ((await app.scopes.check(actor, 'channels', job.channelId)) === 'out') throw notFound('export', id);
    return job;
  };

  app.get('/api/exports', {
    config: { roles: EXPORT_ROLES, scope: 'filtered' },
    schema: {
      tags, summary: 'The caller\'s exports, newest first (an admin: everyone\'s, with createdBy)',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })) }, { additionalProperties: false }), response: errors,
    },
  }, async (req) => {
    const admin = req.actor!.role === 'admin';
    const { limit = 20 } = req.query as { limit?: number };
    const now = Date.now();
    const jobs = await deps.exporter.list({ ...(admin ? {} : { createdBy: ownerOf(req.actor!).id }), limit });
    const coverage = await app.scopes.covered(req.actor);
    const items = [];
    for (const j of jobs) {
      if (j.expiresAt !== undefined && j.expiresAt <= now) continue;
      if (coverage && !inCoverage(coverage, await app.scopes.gridOf('channels', j.channelId))) continue;
      items.push(jobView(j, admin));
    }
    return { items };
  });

  app.get('/api/exports/:id', {
    config: { roles: EXPORT_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'An export job: state (queued, running, done, failed), progress 0–1, bytes, the real range (its creator or an admin)', params: JobParams, response: errors },
  }, async (req) => jobView(await jobOf((req.params as { id: string }).id, req.actor!), req.actor!.role === 'admin'));

  app.delete('/api/exports/:id', {
    config: { roles: EXPORT_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'Cancel a queued or running export (its creator or an admin): it fails with the reason "cancelled"; a device download ends with a BYE', params: JobParams, response: errors },
  }, async (req) => {
    const job = await jobOf((req.params as { id: string }).id, req.actor!);
    if (job.state !== 'queued' && job.state !== 'running') throw new GwError('GW_ERR_CONFLICT', `export ${job.id} is ${job.state}`, 'id');
    if (job.nodeId !== deps.nodeId) throw new GwError('GW_ERR_CONFLICT', `export ${job.id} runs on node '${job.nodeId}': cancel it there`, 'id', { node: job.nodeId });
    const why = `cancelled by ${req.actor!.name}`;
    if (!deps.exporter.cancel(job.id, why)) throw new GwError('GW_ERR_CONFLICT', `export ${job.id} is not running here`, 'id');
    await deps.audit.apply([], [{ actor: req.actor!, action: 'delete', entity: 'recording_exports', entityId: job.id, before: { state: job.state }, after: null }]);
    req.log.info({ exportId: job.id, by: req.actor!.name }, 'recording export cancelled');
    // Answered once it has ended (ffmpeg killed, the device's BYE sent), or as it is after a few seconds.
    const running = deps.exporter.get(job.id);
    if (running) await Promise.race([running.done, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
    return jobView((await deps.exporter.find(job.id)) ?? job, req.actor!.role === 'admin');
  });

  app.get('/api/exports/:id/download', {
    config: { roles: EXPORT_ROLES, tokenInQuery: true, scope: 'filtered' },
    schema: {
      tags, summary: 'The exported MP4 (Content-Disposition names the channel and range; its creator or an admin)', params: JobParams,
      querystring: Type.Object({ access_token: Type.Optional(Type.String()) }, { additionalProperties: false }), response: errors,
    },
  }, async (req, reply) => {
    const job = await jobOf((req.params as { id: string }).id, req.actor!);
    if (job.state !== 'done') throw new GwError('GW_ERR_CONFLICT', `export ${job.id} is ${job.state}`, 'id');
    const named = { 'content-disposition': disposition(job.channelName, job.plan.actualFrom, job.plan.actualTo) };
    if (job.nodeId !== deps.nodeId) {
      if (deps.holders) return deps.holders.download(req, reply, job, named);
      throw new GwError('GW_ERR_CONFLICT', `export ${job.id} is on node '${job.nodeId}': download it from that node`, 'id', { node: job.nodeId });
    }
    return sendMp4(reply.headers(named), deps.exporter.fileOf(job.id), `export ${job.id}`);
  });

  app.get('/api/clips/:incidentId/:file', {
    config: { roles: READ_ROLES, tokenInQuery: true, scope: { by: 'incident', param: 'incidentId', notFound: noClip } },
    schema: {
      tags, summary: 'An incident\'s clip (MP4), kept while the incident holds its footage',
      params: Type.Object({ incidentId: Type.String({ pattern: '^[0-9a-f-]{36}$' }), file: Type.String({ pattern: '^[0-9]{1,16}-[0-9]{1,16}\\.mp4$' }) }),
      querystring: Type.Object({ access_token: Type.Optional(Type.String()) }, { additionalProperties: false }), response: errors,
    },
  }, async (req, reply) => {
    const { incidentId, file } = req.params as { incidentId: string; file: string };
    const path = deps.clips.file(incidentId, file);
    if (!path) throw noClip({ file, incidentId });
    return sendMp4(reply.header('cache-control', 'private, max-age=86400, immutable'), path, `clip ${file}`);
  });
}
