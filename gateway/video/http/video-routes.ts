// Video over HTTP: channel status, play URLs with media tokens, snapshots,
// and the media itself (HLS files, HTTP-FLV proxied from the local live server).
import { get as httpGet, type IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ErrorBody, GwError, Id, READ_ROLES, notFound, type ApiKeys, type RegistryService } from '../../../device-registry/index.ts';
import type { FrameHub } from '../frames.ts';
import { newestSegment, snapshotJpeg } from '../snapshot.ts';
import { safeName } from '../channel-spec.ts';
import type { ChannelVideoStatus, VideoManager } from '../video-manager.ts';
import type { MediaTokens } from './media-token.ts';

export interface VideoRouteDeps {
  registry: RegistryService;
  keys: ApiKeys;
  manager: VideoManager;
  tokens: MediaTokens;
  frames: FrameHub;
  ffmpegPath: string;
  /** The local live server's HTTP-FLV, when it runs. */
  flv?: { url: (app: string, name: string) => string; isPublishing: (app: string, name: string) => boolean };
}

/**
 * node-media-server's FLV header always announces audio; our streams are video
 * only, and a player told to expect audio waits for it (ffmpeg up to 90 s).
 * Clear the audio flag (byte 4, bit 2) of the header as it passes.
 */
export function videoOnlyFlvHeader(): Transform {
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (first && chunk.length >= 5 && chunk.toString('latin1', 0, 3) === 'FLV') chunk[4] = chunk[4]! & ~0x04;
      first = false;
      done(null, chunk);
    },
  });
}

const PLAYLIST_WAIT_MS = 10_000;

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The status as the API shows it: ISO times and an uptime. */
export function apiStatus(s: ChannelVideoStatus) {
  return {
    ...s,
    startedAt: iso(s.startedAt),
    onlineSince: iso(s.onlineSince),
    uptimeSeconds: s.onlineSince ? Math.round((Date.now() - s.onlineSince) / 1000) : 0,
    ...(s.hls ? { hls: { ...s.hls, lastSegmentAt: iso(s.hls.lastSegmentAt) } } : {}),
  };
}
const Params = Type.Object({ id: Id });
const MediaParams = Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_.-]{10,300}$' }), id: Id });
const SegmentParams = Type.Object({ ...MediaParams.properties, segment: Type.String({ pattern: '^seg-[0-9]{1,20}\\.ts$' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export function videoRoutes(app: FastifyInstance, deps: VideoRouteDeps): void {
  const tags = ['video'];
  const requireChannel = async (id: string) => {
    if (!(await deps.registry.getStored('channels', id))) throw notFound('channel', id);
  };

  // Media requests carry a token, not a key: check it, and that its key is still active.
  const activeKeys = new Map<string, { active: boolean; at: number }>();
  const keyActive = async (keyId: string) => {
    const hit = activeKeys.get(keyId);
    if (hit && Date.now() - hit.at < 10_000) return hit.active;
    const active = (await deps.keys.list()).some((k) => k.id === keyId && !k.revokedAt);
    activeKeys.set(keyId, { active, at: Date.now() });
    return active;
  };
  const checkToken = async (token: string, id: string) => {
    const check = deps.tokens.verify(token, id);
    if (!check.ok) throw new GwError(check.why === 'token expired' ? 'GW_ERR_UNAUTHENTICATED' : 'GW_ERR_FORBIDDEN', check.why, 'token');
    if (!(await keyActive(check.keyId))) throw new GwError('GW_ERR_UNAUTHENTICATED', 'the key behind this token was revoked', 'token');
  };

  /** Waits for the channel's playlist (an on-demand channel is starting); 503 with the reason if it does not come. */
  const waitForPlaylist = async (id: string) => {
    await deps.manager.touch(id);
    const deadline = Date.now() + PLAYLIST_WAIT_MS;
    while (Date.now() < deadline) {
      if (await newestSegment(deps.manager.hlsDir(id))) return;
      const s = deps.manager.status(id);
      if (s && !s.running && s.state === 'offline') break; // disabled, no push…: waiting will not help
      await new Promise((r) => setTimeout(r, 200));
    }
    const s = deps.manager.status(id);
    throw new GwError('GW_ERR_UNAVAILABLE', `channel '${id}' has no video yet (${s?.state ?? 'unknown'}${s?.reason ? `: ${s.reason}` : ''})`, 'id');
  };

  app.get('/api/channels/status', {
    config: { roles: READ_ROLES },
    schema: { tags, summary: 'Video status of every channel: state, reason, restarts, codec, size, fps, bitrate, segment length' },
  }, async () => ({ items: deps.manager.allStatus().map(apiStatus) }));

  app.get('/api/channels/:id/status', {
    config: { roles: READ_ROLES },
    schema: { tags, summary: 'Video status of one channel', params: Params, response: errors },
  }, async (req) => {
    const { id } = req.params as { id: string };
    await requireChannel(id);
    const status = deps.manager.status(id);
    return status ? apiStatus(status) : { channelId: id, state: 'idle', running: false };
  });

  app.get('/api/channels/:id/play', {
    config: { roles: READ_ROLES },
    schema: { tags, summary: 'Play URLs (HLS, HTTP-FLV) carrying a media token for this channel', params: Params, response: errors },
  }, async (req) => {
    const { id } = req.params as { id: string };
    await requireChannel(id);
    const { token, expiresAt } = deps.tokens.issue(id, req.actor!.keyId ?? 'system');
    const base = `/media/${token}/${encodeURIComponent(id)}`;
    void deps.manager.touch(id);
    return { hls: `${base}/index.m3u8`, ...(deps.flv ? { flv: `${base}/live.flv` } : {}), expiresAt: new Date(expiresAt).toISOString() };
  });

  app.get('/api/channels/:id/snapshot.jpg', {
    config: { roles: READ_ROLES, tokenInQuery: true },
    schema: {
      tags, summary: 'The latest frame as JPEG (full size, or ?width=)', params: Params,
      querystring: Type.Object({ width: Type.Optional(Type.Integer({ minimum: 16, maximum: 3840 })), access_token: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: errors,
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { width } = req.query as { width?: number };
    await requireChannel(id);
    await waitForPlaylist(id);
    const jpeg = await snapshotJpeg({ channelId: id, ffmpegPath: deps.ffmpegPath, hlsDir: deps.manager.hlsDir(id), width, tapFrame: deps.frames.latestFrame(id) });
    if (!jpeg) throw new GwError('GW_ERR_UNAVAILABLE', `channel '${id}' has no frame yet`, 'id');
    return reply.type('image/jpeg').header('cache-control', 'no-cache').send(jpeg);
  });

  app.get('/media/:token/:id/index.m3u8', { config: { public: true }, schema: { hide: true, params: MediaParams } }, async (req, reply) => {
    const { token, id } = req.params as { token: string; id: string };
    await checkToken(token, id);
    await waitForPlaylist(id);
    const text = await readFile(join(deps.manager.hlsDir(id), 'index.m3u8'), 'utf8');
    return reply.type('application/vnd.apple.mpegurl').header('cache-control', 'no-cache').send(text);
  });

  app.get('/media/:token/:id/:segment', { config: { public: true }, schema: { hide: true, params: SegmentParams } }, async (req, reply) => {
    const { token, id, segment } = req.params as { token: string; id: string; segment: string };
    await checkToken(token, id);
    void deps.manager.touch(id);
    return sendSegment(reply, join(deps.manager.hlsDir(id), segment), segment);
  });

  app.get('/media/:token/:id/live.flv', { config: { public: true }, schema: { hide: true, params: MediaParams } }, async (req, reply) => {
    const { token, id } = req.params as { token: string; id: string };
    await checkToken(token, id);
    const flv = deps.flv;
    if (!flv) throw new GwError('GW_ERR_NOT_FOUND', 'low-latency FLV is disabled in the configuration', 'live.flv');
    await waitForPlaylist(id); // the same ingest feeds FLV: when HLS flows, FLV does too
    // A play of a stream nobody publishes would hang on the live server: refuse it here.
    if (!flv.isPublishing('internal', safeName(id))) throw new GwError('GW_ERR_UNAVAILABLE', `low-latency stream of '${id}' is not running`, 'id');
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => httpGet(flv.url('internal', safeName(id)), resolve).once('error', reject));
    if (upstream.statusCode !== 200) {
      upstream.resume();
      throw new GwError('GW_ERR_UNAVAILABLE', `low-latency stream of '${id}' is not available`, 'id');
    }
    const touch = setInterval(() => void deps.manager.touch(id), 5000);
    req.raw.once('close', () => {
      clearInterval(touch);
      upstream.destroy();
    });
    return reply.type('video/x-flv').header('cache-control', 'no-cache').send(upstream.pipe(videoOnlyFlvHeader()));
  });
}

async function sendSegment(reply: FastifyReply, file: string, name: string) {
  try {
    const data = await readFile(file);
    return reply.type('video/mp2t').header('cache-control', 'private, max-age=60').send(data);
  } catch {
    throw new GwError('GW_ERR_NOT_FOUND', `segment ${name} is no longer available`, 'segment');
  }
}
