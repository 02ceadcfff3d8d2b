// GET /api/channels/{id}/recordings?from&to: the channel's recorded segments,
// the gaps between them and the holds incidents put on its footage.
// Playback (VOD playlists), export and GB28181 device recordings come later on
// the same answer (each segment says its `source`).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { coded, ErrorBody, Id, notFound, READ_ROLES, type RegistryService } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import type { RecordingIndex } from '../store/recording-index.ts';

const DAY_MS = 86_400_000;
export const MAX_RANGE_DAYS = 31;
const MAX_DATE_MS = 8.64e15;

const Time = Type.String({ maxLength: 40, description: 'ISO-8601 time (UTC) or epoch ms' });
const Query = Type.Object({ from: Type.Optional(Time), to: Type.Optional(Time) }, { additionalProperties: false });
const Params = Type.Object({ id: Id });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function parseTime(value: string | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  const ms = /^\d{1,16}$/.test(value) ? Number(value) : Date.parse(value);
  // A Date holds ±8.64e15 ms; a time outside is no time.
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_DATE_MS) throw coded('GW_ERR_VALIDATION', say('invalid_time'), field);
  return ms;
}

export function recordingRoutes(app: FastifyInstance, deps: { registry: RegistryService; index: RecordingIndex }): void {
  app.get('/api/channels/:id/recordings', {
    config: { roles: READ_ROLES, scope: { by: 'channel', param: 'id' } },
    schema: {
      tags: ['recording'],
      summary: 'Recorded segments of a channel in [from, to] (default: the last 24 h; at most 31 days), the gaps between them, and the incidents\' holds',
      params: Params, querystring: Query, response: errors,
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    // The channel first: an unknown one is the same 404 as one out of the caller's scope (checked before this), whatever the range.
    if (!(await deps.registry.getStored('channels', id))) throw notFound('channel', id);
    const q = req.query as { from?: string; to?: string };
    const to = parseTime(q.to, 'to', Date.now());
    const from = parseTime(q.from, 'from', to - DAY_MS);
    if (from > to) throw coded('GW_ERR_VALIDATION', say('range_from_after_to'), 'from');
    if (to - from > MAX_RANGE_DAYS * DAY_MS) throw coded('GW_ERR_VALIDATION', say('range_too_long', { days: MAX_RANGE_DAYS }), 'to');
    const [{ segments, gaps }, holds] = await Promise.all([deps.index.segments(id, from, to), deps.index.holds(id, from, to)]);
    return {
      channelId: id,
      from: iso(from),
      to: iso(to),
      segments: segments.map((s) => ({ start: iso(s.startMs), end: iso(s.endMs), bytes: s.bytes, class: s.class, source: s.source, node: s.nodeId, keyframeFirst: s.keyframeFirst })),
      gaps: gaps.map((g) => ({ start: iso(g.startMs), end: iso(g.endMs) })),
      holds: holds.map((h) => ({ from: iso(h.fromMs), to: iso(h.toMs), incidentId: h.incidentId, reason: h.reason, releaseAt: iso(h.releaseAt) })),
    };
  });
}
