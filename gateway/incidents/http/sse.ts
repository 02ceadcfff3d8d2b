// Server-sent events for the wall and dispatchers: incident changes (durable,
// resumable with Last-Event-ID within the retention window) and live events
// (detections for the overlay, device.status for markers and lists; not
// stored, no id).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import { inCoverage, READ_ROLES, stillSignedIn, type Actor, type RegistryEvents, type Scopes } from '../../../device-registry/index.ts';
import { endOnShutdown } from '../../http/long-lived.ts';
import type { IncidentService, LiveEvent } from '../service.ts';
import type { StoredEvent } from '../store/types.ts';

const HEARTBEAT_MS = 15_000;
const REPLAY_PAGE = 500;

const frame = (e: StoredEvent | LiveEvent) =>
  `${e.seq !== undefined ? `id: ${e.seq}\n` : ''}event: ${e.type}\ndata: ${JSON.stringify(e.payload)}\n\n`;

/**
 * Whether a subscriber may see an event, by the scope in force now (read at each event, so a scope
 * that shrinks holds from the next event on): an incident's by its grid cell, a live event by the
 * channel or sensor it is about; a live event about nothing placed goes to unscoped subscribers only.
 */
export async function eventInScope(scopes: Scopes, actor: Actor | undefined, e: StoredEvent | LiveEvent): Promise<boolean> {
  const coverage = await scopes.covered(actor);
  if (coverage === null) return true;
  const p = e.payload;
  if (e.seq !== undefined) return inCoverage(coverage, p.gridCode as string | null | undefined);
  if (typeof p.channelId === 'string') return inCoverage(coverage, await scopes.gridOf('channels', p.channelId));
  if (typeof p.sensorId === 'string') return inCoverage(coverage, await scopes.gridOf('sensors', p.sensorId));
  if (typeof p.gridCode === 'string') return inCoverage(coverage, p.gridCode);
  return false;
}

/** An incident's linked cameras (alarm linkage's `nearestCameras`) outside the subscriber's scope are left out, as the cameras themselves are. */
async function linkedInScope(scopes: Scopes, actor: Actor | undefined, e: StoredEvent | LiveEvent): Promise<StoredEvent | LiveEvent> {
  const near = e.payload.nearestCameras;
  const coverage = Array.isArray(near) ? await scopes.covered(actor) : null;
  if (!coverage || !Array.isArray(near)) return e;
  return { ...e, payload: { ...e.payload, nearestCameras: near.filter((c: { gridCode?: string | null }) => inCoverage(coverage, c.gridCode)) } } as StoredEvent | LiveEvent;
}

export function sseRoutes(app: FastifyInstance, service: IncidentService, registryEvents: RegistryEvents): void {
  const track = endOnShutdown(app);
  app.get('/api/events', {
    config: { roles: READ_ROLES, tokenInQuery: true, scope: 'filtered' },
    schema: {
      tags: ['incidents'],
      summary: 'Server-sent events: incident.created / updated / transition / escalated (with ids, resumable via Last-Event-ID) and live events (detection; device.status of cameras and sensors), each filtered by the caller\'s scope',
      querystring: Type.Object(
        {
          lastEventId: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
          types: Type.Optional(Type.String({ description: 'Comma-separated event types; default all' })),
          access_token: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    },
  }, (req, reply: FastifyReply) => {
    // HEAD asks whether the stream is there: answer the headers and end (a stream never would).
    if (req.method === 'HEAD') return reply.type('text/event-stream; charset=utf-8').header('cache-control', 'no-cache').send();
    const q = req.query as { lastEventId?: number; types?: string };
    const header = req.headers['last-event-id'];
    // A Last-Event-ID that is no event id (EventSource would resend it on every reconnect) is read as none.
    const asked = Number(header ?? q.lastEventId ?? NaN);
    const lastId = Number.isSafeInteger(asked) && asked >= 0 ? asked : NaN;
    const wanted = q.types ? new Set(q.types.split(',').map((s) => s.trim())) : undefined;
    const pass = (e: StoredEvent | LiveEvent) => !wanted || wanted.has(e.type);
    const actor = req.actor;
    const scopes = app.scopes;

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(': connected\n\n');
    track(res);

    // Listen first and hold live events while the backlog is replayed, so none falls in between.
    let replaying = Number.isFinite(lastId);
    let sent = Number.isFinite(lastId) ? lastId : -1;
    const held: Array<StoredEvent | LiveEvent> = [];
    // The scope check may wait (a device's cell read once); events still leave in the order they came.
    let writing = Promise.resolve();
    let closed = false;
    const send = (e: StoredEvent | LiveEvent) => {
      writing = writing.then(async () => {
        if (!closed && (await eventInScope(scopes, actor, e))) res.write(frame(await linkedInScope(scopes, actor, e)));
      }).catch((err: unknown) => req.log.error({ err, type: e.type }, 'SSE scope check failed; event not sent'));
    };
    const onEvent = (e: StoredEvent | LiveEvent) => {
      if (replaying) return void held.push(e);
      if (e.seq !== undefined && e.seq <= sent) return;
      if (pass(e)) send(e);
    };
    service.bus.on('event', onEvent);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    // A stream outlives the check made when it opened: it ends when its key is revoked, or its person's session ends.
    const keyId = req.actor?.keyId;
    const userId = req.actor?.userId;
    const onKeyChange = (e: { entity: string; action: string; id: string }) => {
      if (e.entity === 'api_keys' && e.action === 'revoke' && e.id === keyId) res.end();
      if (e.entity === 'users' && userId && e.id === userId) {
        void stillSignedIn(req).then((live) => live || res.end(), (err: unknown) => req.log.error({ err }, 'SSE: session check failed'));
      }
    };
    registryEvents.on('device.changed', onKeyChange);
    res.once('close', () => {
      closed = true;
      clearInterval(heartbeat);
      service.bus.off('event', onEvent);
      registryEvents.off('device.changed', onKeyChange);
    });

    if (!replaying) return;
    const replay = async () => {
      const oldest = await service.eventLog.oldestSeq();
      if (lastId + 1 < oldest) res.write(`event: reset\ndata: {"reason":"events before ${oldest} are past the retention window; reload the list"}\n\n`);
      while (!closed) {
        const page = await service.eventLog.since(sent, REPLAY_PAGE);
        for (const e of page) if (pass(e)) send(e);
        await writing;
        if (page.length) sent = page[page.length - 1]!.seq;
        if (page.length < REPLAY_PAGE) break;
      }
      replaying = false;
      for (const e of held.splice(0)) onEvent(e);
    };
    // The history could not be read (database down): end the stream; the client reconnects with its Last-Event-ID.
    replay().catch((err: unknown) => {
      req.log.error({ err, lastEventId: lastId }, 'SSE replay failed; closing the stream');
      res.end();
    });
  });
}
