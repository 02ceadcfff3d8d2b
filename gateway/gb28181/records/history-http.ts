// Playback and download of recordings kept on a GB28181 device, over HTTP:
// open (INVITE Playback / Download), look (position, frames, why it ended),
// control (seek, pause, resume, speed as INFO MANSRTSP) and stop (BYE).
// Scoped like the channel; a session is reached only through its channel.
// A download is an export job of the recording export's list (device-export.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { DateTime, ErrorBody, GwError, Id, invalid, notFound, READ_ROLES, type ErrorCode } from '../../../device-registry/index.ts';
import { EXPORT_ROLES } from '../../recording/http/export-routes.ts';
import { RelayError } from '../relay.ts';
import type { DeviceDownloads } from './device-export.ts';
import type { HistorySession, HistorySessions } from './history-sessions.ts';
import { SCALES, type PlaybackControl } from './mansrtsp.ts';

const tags = ['gb28181'];
const errors = { 201: Type.Object({}, { additionalProperties: true }), 202: Type.Object({}, { additionalProperties: true }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };
const MAX_RANGE_MS = 24 * 3600_000;
const Range = Type.Object({ from: DateTime(), to: DateTime(), downloadSpeed: Type.Optional(Type.Integer({ minimum: 1, maximum: 8 })) }, { additionalProperties: false });
const SessionParams = Type.Object({ id: Id, session: Type.String({ maxLength: 200 }) });
const Control = Type.Object({
  seek: Type.Optional(Type.Number({ minimum: 0, maximum: 86_400 })), pause: Type.Optional(Type.Literal(true)), resume: Type.Optional(Type.Literal(true)),
  speed: Type.Optional(Type.Union(SCALES.map((s) => Type.Literal(s)))),
}, { additionalProperties: false, minProperties: 1, maxProperties: 1 });

const RELAY_CODES: Record<RelayError['status'], ErrorCode> = {
  404: 'GW_ERR_NOT_FOUND', 502: 'GW_ERR_DEVICE_REFUSED', 503: 'GW_ERR_UNAVAILABLE', 504: 'GW_ERR_DEVICE_TIMEOUT',
};

async function relayed<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof RelayError) throw new GwError(RELAY_CODES[err.status], err.message);
    throw err;
  }
}

/** `downloads`: the export side, once the recording exporter runs (none: recording is off, downloads are 503). */
export function historyRoutes(app: FastifyInstance, history: HistorySessions, downloads: () => DeviceDownloads | undefined = () => undefined): void {
  const scope = { by: 'channel', param: 'id' } as const;
  const range = (body: { from: string; to: string }) => {
    const from = Date.parse(body.from);
    const to = Date.parse(body.to);
    if (!(to > from)) throw invalid([{ field: 'to', message: 'to must be after from' }]);
    if (to - from > MAX_RANGE_MS) throw invalid([{ field: 'to', message: 'a playback may span at most 24 hours' }]);
    return { from, to };
  };
  const sessionOf = async (params: { id: string; session: string }): Promise<HistorySession> => {
    // An unknown channel is named as such (as one out of scope is), before its sessions are looked at.
    await history.channel(params.id);
    const s = history.get(params.session);
    if (!s || s.channelId !== params.id) throw notFound('device playback', params.session, 'session');
    return s;
  };

  app.post('/api/channels/:id/device-playback', {
    config: { roles: READ_ROLES, scope },
    schema: { tags, summary: 'Play back a recording kept on the GB28181 device (INVITE s=Playback for [from, to])', params: Type.Object({ id: Id }), body: Range, response: errors },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const r = range(req.body as { from: string; to: string });
    const session = await relayed(() => history.open(id, { ...r, mode: 'Playback' }));
    return reply.code(201).send(session.view());
  });

  app.post('/api/channels/:id/device-downloads', {
    // Who may export the gateway's own footage may download the device's.
    config: { roles: EXPORT_ROLES, scope },
    schema: {
      tags, summary: 'Download a recording kept on the GB28181 device as an MP4: an export job (kind device; GET /api/exports/{id}, its download, DELETE to cancel) that INVITEs s=Download with a=downloadspeed',
      params: Type.Object({ id: Id }), body: Range, response: errors,
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const body = req.body as { from: string; to: string; downloadSpeed?: number };
    // The channel first (404 unknown or out of scope, 400 not a GB28181 one), then the range.
    await history.channel(id);
    const r = range(body);
    const exports = downloads();
    if (!exports) throw new GwError('GW_ERR_UNAVAILABLE', 'device downloads are export jobs: they need video and recording enabled (recording.enabled)', 'id');
    return reply.code(202).send(await exports.submit(req.actor!, id, { ...r, downloadSpeed: body.downloadSpeed ?? 4 }));
  });

  app.get('/api/channels/:id/device-playback/:session', {
    config: { roles: READ_ROLES, scope },
    schema: { tags, summary: 'A device playback or download: state, position (from PTS), frames, why it ended, its file', params: SessionParams, response: errors },
  }, async (req) => (await sessionOf(req.params as { id: string; session: string })).view());

  app.post('/api/channels/:id/device-playback/:session/control', {
    config: { roles: READ_ROLES, scope },
    schema: { tags, summary: 'Control a device playback: {seek: seconds} | {pause: true} | {resume: true} | {speed: 0.25-4} (INFO MANSRTSP)', params: SessionParams, body: Control, response: errors },
  }, async (req) => {
    const s = await sessionOf(req.params as { id: string; session: string });
    const b = req.body as { seek?: number; pause?: true; resume?: true; speed?: number };
    const c: PlaybackControl = b.seek !== undefined ? { action: 'seek', seconds: b.seek } : b.pause ? { action: 'pause' } : b.speed !== undefined ? { action: 'speed', scale: b.speed } : { action: 'resume' };
    if (s.state === 'ended') throw new GwError('GW_ERR_CONFLICT', `playback ${s.id} has ended: ${s.endedWhy ?? ''}`, 'session');
    const status = await relayed(() => history.control(s, c));
    return { ...s.view(), control: c, deviceStatus: status };
  });

  app.get('/api/channels/:id/device-playback/:session/hls/:file', {
    config: { roles: READ_ROLES, tokenInQuery: true, scope },
    schema: {
      tags, summary: "A device playback's HLS (index.m3u8 and its segments)", response: errors,
      params: Type.Object({ id: Id, session: Type.String({ maxLength: 200 }), file: Type.String({ pattern: '^(index\\.m3u8|seg[0-9]{5}\\.ts)$' }) }),
      querystring: Type.Object({ access_token: Type.Optional(Type.String()) }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    const params = req.params as { id: string; session: string; file: string };
    const s = await sessionOf(params);
    if (!s.hls) throw notFound('device playback HLS', params.session, 'session');
    const path = join(s.hls.dir, params.file);
    if (!existsSync(path)) throw notFound('device playback HLS file', params.file, 'file');
    return reply.type(params.file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t').header('cache-control', 'no-store').send(readFileSync(path));
  });

  app.delete('/api/channels/:id/device-playback/:session', {
    config: { roles: READ_ROLES, scope },
    schema: { tags, summary: 'Stop a device playback or download (BYE)', params: SessionParams, response: errors },
  }, async (req) => {
    const s = await sessionOf(req.params as { id: string; session: string });
    history.close(s, 'stopped by the user');
    return s.view();
  });
}
