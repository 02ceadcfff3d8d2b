// Video over HTTP: channel status, play URLs with media tokens, snapshots,
// and the media itself (HLS files, HTTP-FLV proxied from the local live server).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, GwError, Id, inCoverage, READ_ROLES, notFound, tokenSubject, type ApiKeys, type RegistryService, type StoredRow } from '../../../device-registry/index.ts';
import { channelProfile, codedReason } from '../channel-status.ts';
import { VIEWER_TOUCH_MS } from '../channel-demand.ts';
import { endOnShutdown } from '../../http/long-lived.ts';
import type { FrameHub } from '../frames.ts';
import { snapshotJpeg } from '../snapshot.ts';
import type { ChannelVideoStatus, VideoManager } from '../video-manager.ts';
import { mediaAccess, type FlvSource, type RemoteMedia } from './media-access.ts';
import type { MediaTokens } from './media-token.ts';
import { playlistFor, refuseUnlessLive } from './offline-media.ts';
import { onCaptureClock } from './playlist-clock.ts';
import { hasSubStream, streamOfKey, subStreamKey, type StreamChoice } from '../sub-streams.ts';

export interface VideoRouteDeps {
  registry: RegistryService;
  keys: ApiKeys;
  manager: VideoManager;
  tokens: MediaTokens;
  frames: FrameHub;
  ffmpegPath: string;
  /** The local live server's HTTP-FLV, when it runs. */
  flv?: FlvSource;
  /** The port encoders push RTMP to, when the live server runs. */
  rtmpPort?: number;
  /** Cluster mode: media of channels that run on another node is answered from there. */
  remote?: RemoteMedia;
  /** Cluster mode: which node holds each leased channel now (one query for the status list). */
  owners?: () => Promise<Map<string, string>>;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The status as the API shows it: ISO times and an uptime. */
export function apiStatus(s: ChannelVideoStatus) {
  return {
    ...s,
    startedAt: iso(s.startedAt),
    onlineSince: iso(s.onlineSince),
    retryAt: iso(s.retryAt),
    uptimeSeconds: s.onlineSince ? Math.round((Date.now() - s.onlineSince) / 1000) : 0,
    ...(s.hls ? { hls: { ...s.hls, lastSegmentAt: iso(s.hls.lastSegmentAt) } } : {}),
    ...(s.lastProblem ? { lastProblem: { ...s.lastProblem, at: iso(s.lastProblem.at) } } : {}),
  };
}
/** The status of a channel another node runs, as its owner last wrote it to the shared registry (the same words as its own status API). */
function ownerStatus(row: StoredRow, nodeId: string | null, reason?: string) {
  const channelId = row.id;
  const profile = channelProfile(row);
  if (nodeId === null) {
    const why = reason ?? 'no node runs it right now';
    return { channelId, state: 'offline', reason: why, ...codedReason(why), running: false, restarts: 0, node: null, ...profile };
  }
  const s = row.status;
  return { channelId, state: s.state, reason: s.reason, ...codedReason(s.reason), since: iso(s.since), running: s.state === 'starting' || s.state === 'online', restarts: 0, node: nodeId, ...profile };
}
const Params = Type.Object({ id: Id });
const MediaParams = Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_.-]{10,300}$' }), id: Id });
const SegmentParams = Type.Object({ ...MediaParams.properties, segment: Type.String({ pattern: '^seg-[0-9]{1,20}\\.ts$' }) });
/** Routes about one channel: out of the caller's scope it is the same 404 as an unknown id. */
const ONE = { by: 'channel', param: 'id' } as const;
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };
const PlayQuery = Type.Object({
  stream: Type.Union([Type.Literal('main'), Type.Literal('sub')], { default: 'main', description: 'sub: the sub-stream (子码流) for small tiles, when the channel has one; otherwise main is answered' }),
}, { additionalProperties: false });

export function videoRoutes(app: FastifyInstance, deps: VideoRouteDeps): void {
  const endFlvOnShutdown = endOnShutdown(app);
  const tags = ['video'];
  const requireChannel = async (id: string) => {
    const row = await deps.registry.getStored('channels', id);
    if (!row) throw notFound('channel', id);
    return row;
  };

  const { checkToken, waitForPlaylist, openFlvUpstream } = mediaAccess({ ...deps, scopes: app.scopes });

  app.get('/api/video/ingest', {
    config: { roles: READ_ROLES, scope: 'global' },
    schema: { tags, summary: 'Where encoders push: the RTMP port and application (rtmp://<gateway>:<port>/live/<pushKey>), or null when RTMP is off' },
  }, async () => ({ rtmp: deps.rtmpPort ? { port: deps.rtmpPort, app: 'live' } : null }));

  app.get('/api/channels/status', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'Video status of every channel: state, reason, restarts, codec, size, fps, bitrate, segment length' },
  }, async (req) => {
    const items = await inScope(req, await allStatus());
    return { items };
  });
  const allStatus = async () => {
    const items: Array<Record<string, unknown>> = deps.manager.allStatus().map(apiStatus);
    if (!deps.owners) return items;
    // Cluster: the channels other nodes run (or nobody runs right now), from the shared registry.
    const here = new Set(items.map((s) => s.channelId as string));
    const elsewhere = [...deps.manager.shardable].filter((id) => !here.has(id));
    const [owners, rows] = await Promise.all([deps.owners(), deps.registry.store.getMany('channels', elsewhere)]);
    for (const id of elsewhere) {
      const row = rows.get(id);
      if (row) items.push(ownerStatus(row, owners.get(id) ?? null));
    }
    return items.sort((a, b) => String(a.channelId).localeCompare(String(b.channelId)));
  };
  /** The statuses of the channels in the caller's scope (a sub-stream's by its channel). */
  const inScope = async (req: FastifyRequest, items: Array<Record<string, unknown>>) => {
    const coverage = await app.scopes.covered(req.actor);
    if (coverage === null) return items;
    const kept = [];
    for (const s of items) if (inCoverage(coverage, await app.scopes.gridOf('channels', streamOfKey(String(s.channelId)).channelId))) kept.push(s);
    return kept;
  };

  app.get('/api/channels/:id/status', {
    config: { roles: READ_ROLES, scope: ONE },
    schema: { tags, summary: 'Video status of one channel', params: Params, response: errors },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const row = await requireChannel(id);
    const status = deps.manager.status(id);
    if (status) return apiStatus(status);
    const place = await deps.remote?.where(id);
    if (place && !place.local) return ownerStatus(row, place.nodeId, place.reason);
    // Not decided here yet (just created): what the registry says.
    return { channelId: id, state: row.status.state, reason: row.status.reason, running: false, restarts: 0, ...channelProfile(row) };
  });

  app.get('/api/channels/:id/play', {
    config: { roles: READ_ROLES, scope: ONE },
    schema: { tags, summary: 'Play URLs (HLS, HTTP-FLV) carrying a media token for this channel; ?stream=sub for its sub-stream', params: Params, querystring: PlayQuery, response: errors },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const row = await requireChannel(id);
    // Only the stream asked for is started: a sub-stream player does not keep the main stream's camera connection open.
    const stream: StreamChoice = (req.query as { stream: StreamChoice }).stream === 'sub' && hasSubStream(row) ? 'sub' : 'main';
    const { token, expiresAt } = deps.tokens.issue(id, tokenSubject(req));
    const base = `/media/${token}/${encodeURIComponent(id)}${stream === 'sub' ? '/sub' : ''}`;
    void deps.manager.touch(stream === 'sub' ? subStreamKey(id) : id);
    return { hls: `${base}/index.m3u8`, ...(deps.flv ? { flv: `${base}/live.flv` } : {}), stream, expiresAt: new Date(expiresAt).toISOString() };
  });

  app.get('/api/channels/:id/sub/status', {
    config: { roles: READ_ROLES, scope: ONE },
    schema: { tags, summary: 'Video status of the channel\'s sub-stream (idle until a player asks for it)', params: Params, response: errors },
  }, async (req) => {
    const { id } = req.params as { id: string };
    const row = await requireChannel(id);
    if (!hasSubStream(row)) throw new GwError('GW_ERR_NOT_FOUND', `channel '${id}' has no sub-stream`, 'id');
    const status = deps.manager.status(subStreamKey(id));
    return status ? apiStatus(status) : { channelId: subStreamKey(id), state: 'idle', reason: 'idle (on demand)', running: false, restarts: 0, mode: 'on-demand', feed: 'pull' };
  });

  app.get('/api/channels/:id/snapshot.jpg', {
    config: { roles: READ_ROLES, tokenInQuery: true, scope: ONE },
    schema: {
      tags, summary: 'The latest frame as JPEG (full size, or ?width=)', params: Params,
      querystring: Type.Object({ width: Type.Optional(Type.Integer({ minimum: 16, maximum: 3840 })), access_token: Type.Optional(Type.String()) }, { additionalProperties: false }),
      response: errors,
    },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { width } = req.query as { width?: number };
    await requireChannel(id);
    if (await deps.remote?.http(req, reply, id)) return reply;
    await waitForPlaylist(id);
    refuseUnlessLive(id, deps.manager.status(id));
    const snapshot = await snapshotJpeg({ channelId: id, ffmpegPath: deps.ffmpegPath, hlsDir: deps.manager.hlsDir(id), width, tapFrame: deps.frames.latestFrame(id) });
    if (!snapshot) throw new GwError('GW_ERR_UNAVAILABLE', `channel '${id}' has no frame yet`, 'id');
    const age = Math.max(0, (Date.now() - snapshot.capturedAt) / 1000);
    return reply.type('image/jpeg').header('cache-control', 'no-cache').header('x-frame-age', age.toFixed(1)).send(snapshot.jpeg);
  });

  // The media of a stream: the main one at /media/<token>/<id>/…, the sub-stream at /media/<token>/<id>/sub/….
  // The token is the channel's; everything after it goes to the stream's own ingest (key).
  for (const stream of ['main', 'sub'] as const) {
    const at = stream === 'sub' ? '/sub' : '';
    const keyOf = (id: string) => (stream === 'sub' ? subStreamKey(id) : id);
    app.get(`/media/:token/:id${at}/index.m3u8`, { config: { public: true }, schema: { hide: true, params: MediaParams } }, async (req, reply) => {
      const { token, id } = req.params as { token: string; id: string };
      await checkToken(token, id);
      if (await deps.remote?.http(req, reply, id)) return reply;
      const key = keyOf(id);
      await waitForPlaylist(key);
      const dir = deps.manager.hlsDir(key);
      const text = playlistFor(await onCaptureClock(await readFile(join(dir, 'index.m3u8'), 'utf8'), dir), deps.manager.status(key));
      return reply.type('application/vnd.apple.mpegurl').header('cache-control', 'no-cache').send(text);
    });

    app.get(`/media/:token/:id${at}/:segment`, { config: { public: true }, schema: { hide: true, params: SegmentParams } }, async (req, reply) => {
      const { token, id, segment } = req.params as { token: string; id: string; segment: string };
      await checkToken(token, id);
      if (await deps.remote?.http(req, reply, id)) return reply;
      void deps.manager.touch(keyOf(id));
      return sendSegment(reply, join(deps.manager.hlsDir(keyOf(id)), segment), segment);
    });

    app.get(`/media/:token/:id${at}/live.flv`, { config: { public: true }, schema: { hide: true, params: MediaParams } }, async (req, reply) => {
      const { token, id } = req.params as { token: string; id: string };
      await checkToken(token, id);
      if (await deps.remote?.http(req, reply, id)) return reply;
      const upstream = await openFlvUpstream(keyOf(id));
      const touch = setInterval(() => void deps.manager.touch(keyOf(id)), VIEWER_TOUCH_MS);
      endFlvOnShutdown(reply.raw, () => reply.raw.destroy()); // the player reconnects to the next process
      req.raw.once('close', () => {
        clearInterval(touch);
        upstream.close();
      });
      return reply.type('video/x-flv').header('cache-control', 'no-cache').send(upstream.stream);
    });
  }
}

async function sendSegment(reply: FastifyReply, file: string, name: string) {
  try {
    const data = await readFile(file);
    return reply.type('video/mp2t').header('cache-control', 'private, max-age=60').send(data);
  } catch {
    throw new GwError('GW_ERR_NOT_FOUND', `segment ${name} is no longer available`, 'segment');
  }
}
