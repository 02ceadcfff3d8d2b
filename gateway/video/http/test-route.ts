// POST /api/channels/test: the console's "test connection" before saving a
// camera. Engineers and admins only; each key probes one camera at a time and
// a few per minute, the gateway a few at once (each probe is an ffmpeg).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { coded, ErrorBody, Id, WRITE_ROLES, type RegistryService } from '../../../device-registry/index.ts';
import { say } from '../../../device-registry/messages.ts';
import { codedReason } from '../channel-status.ts';
import type { Ffmpeg } from '../ffmpeg/locate.ts';
import { probeRtsp } from '../source-probe.ts';

const PER_KEY_PER_MINUTE = 6;
const AT_ONCE = 3;
const TIMEOUT_MS = 5000;

const TestBody = Type.Object({
  source: Type.Object({
    url: Type.String({ minLength: 1, maxLength: 2048, format: 'rtsp-url' }),
    username: Type.Optional(Type.String({ maxLength: 128 })),
    password: Type.Optional(Type.String({ maxLength: 128 })),
  }, { additionalProperties: false }),
  /** An existing channel: its stored credentials are used when the body leaves them out (a form that keeps the password), for its own host only. */
  channelId: Type.Optional(Id),
}, { additionalProperties: false });

const TestResult = Type.Object({
  ok: Type.Boolean(),
  input: Type.Optional(Type.Object({ codec: Type.String(), width: Type.Integer(), height: Type.Integer(), fps: Type.Optional(Type.Number()) })),
  reason: Type.Optional(Type.String()),
  reasonCode: Type.Optional(Type.String({ description: "The reason's code in the shared vocabulary (device-registry/vocabulary.ts REASONS)" })),
  reasonParams: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
  detail: Type.Optional(Type.String({ description: "ffmpeg's line for the reason, credentials removed" })),
  ms: Type.Integer(),
});

function sameHost(storedUrl: string | undefined, url: URL): boolean {
  if (!storedUrl) return false;
  try {
    return new URL(storedUrl).host === url.host;
  } catch {
    return false;
  }
}

export function channelTestRoute(app: FastifyInstance, deps: { registry: RegistryService; ffmpeg: Pick<Ffmpeg, 'path' | 'major'> }): void {
  const recent = new Map<string, number[]>();
  const busyKeys = new Set<string>();
  let running = 0;

  app.post('/api/channels/test', {
    config: { roles: WRITE_ROLES, scope: 'filtered' },
    schema: {
      tags: ['video'], summary: 'Test an RTSP source before saving it: a short ffmpeg read (5 s timeout) answers ok with codec and size, or the reason',
      body: TestBody, response: { 200: TestResult, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
    },
  }, async (req) => {
    const body = req.body as { source: { url: string; username?: string; password?: string }; channelId?: string };
    const who = req.actor!.keyId ?? req.actor!.name;
    const now = Date.now();
    const times = (recent.get(who) ?? []).filter((t) => now - t < 60_000);
    if (busyKeys.has(who) || times.length >= PER_KEY_PER_MINUTE || running >= AT_ONCE) {
      throw coded('GW_ERR_TOO_MANY_REQUESTS', say('test_too_often', { perMinute: PER_KEY_PER_MINUTE }), 'source');
    }
    recent.set(who, [...times, now]);
    const url = new URL(body.source.url);
    // A channel out of the caller's scope lends nothing (its stored password included): as if it did not exist.
    const mayUse = body.channelId && (await app.scopes.check(req.actor, 'channels', body.channelId)) !== 'out';
    const found = mayUse ? await deps.registry.getStored('channels', body.channelId!) : undefined;
    // The stored password goes only to the host it was set for (never to a URL the caller points elsewhere).
    const stored = found && sameHost((found.doc.source as { url?: string } | undefined)?.url, url) ? found : undefined;
    const username = body.source.username ?? (stored?.doc.source as { username?: string } | undefined)?.username;
    const password = body.source.password ?? (stored?.secret?.password as string | undefined);
    if (username) url.username = encodeURIComponent(username);
    if (password) url.password = encodeURIComponent(password);
    busyKeys.add(who);
    running++;
    try {
      const result = await probeRtsp(url.toString(), deps.ffmpeg, TIMEOUT_MS);
      req.log.info({ ok: result.ok, reason: result.reason, ms: result.ms }, 'channel source tested');
      return { ...result, ...codedReason(result.reason) };
    } finally {
      busyKeys.delete(who);
      running--;
    }
  });
}
