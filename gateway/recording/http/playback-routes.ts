// Playback of recorded footage as VOD HLS, with a media token like live:
// GET /api/channels/{id}/play/recording?from&to gives the playlist URL;
// /media/<token>/<id>/vod.m3u8?from&to lists the indexed segments of the
// range; /media/<token>/<id>/rec/<startMs>.ts serves one of them, found in the
// index (never a path from the URL) and resolved by RecordingPaths.absolute().
// A segment another node recorded is proxied to that node (RemoteSegments),
// unless the recordings are on shared storage and its file is readable here.
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, GwError, Id, notFound, READ_ROLES, tokenSubject, type RegistryService } from '../../../device-registry/index.ts';
import type { MediaTokens } from '../../video/http/media-token.ts';
import type { RemoteSegments } from '../cluster/remote-segments.ts';
import type { RecordingPaths } from '../paths.ts';
import { requireRange } from '../playback/time-range.ts';
import { segmentsForRange, vodPlaylist } from '../playback/vod-playlist.ts';
import type { RecordingIndex, Segment } from '../store/recording-index.ts';

/** A playlist spans at most a day (a 10 s segment length: 8,640 entries). */
export const MAX_PLAY_SECONDS = 86_400;

export interface PlaybackRouteDeps {
  registry: RegistryService;
  index: RecordingIndex;
  paths: RecordingPaths;
  tokens: MediaTokens;
  /** 401/403 for a token that is expired, revoked or for another channel (the live routes' check). */
  checkToken(token: string, channelId: string): Promise<void>;
  nodeId: string;
  /** Cluster: segments of other nodes, proxied to them. Without it they are 503. */
  remote?: RemoteSegments;
  /** Every node mounts the same recordings root: another node's segment is read here when its file is. */
  sharedStorage?: boolean;
}

const Params = Type.Object({ id: Id });
const Range = Type.Object({ from: Type.String({ maxLength: 40 }), to: Type.String({ maxLength: 40 }) }, { additionalProperties: false });
const MediaParams = Type.Object({ token: Type.String({ pattern: '^[A-Za-z0-9_.-]{10,300}$' }), id: Id });
const RecParams = Type.Object({ ...MediaParams.properties, file: Type.String({ pattern: '^[0-9]{1,16}\\.ts$' }) });
const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };
const stat404 = (path: string) => stat(path).then((s) => s.size, () => undefined);

export function playbackRoutes(app: FastifyInstance, deps: PlaybackRouteDeps): void {
  const segmentsOf = async (id: string, from: number, to: number): Promise<Segment[]> =>
    segmentsForRange((await deps.index.segments(id, from, to)).segments, from, to);

  /**
   * The segments a playlist lists, and which are gaps: those of a node that is down (unless this node reads them
   * from shared storage). hls.js skips a gap between footage but does not start over one, so leading and trailing
   * gaps are left out: the playlist starts and ends with footage that plays.
   */
  const playable = async (id: string, from: number, to: number): Promise<{ segments: Segment[]; gap: (s: Segment) => boolean }> => {
    const all = await segmentsOf(id, from, to);
    const down = deps.remote ? await deps.remote.downNodes(all.map((s) => s.nodeId)) : new Set<string>();
    const readable = (s: Segment) => deps.sharedStorage === true && existsSync(deps.paths.absolute(s.path));
    const gaps = new Set(all.filter((s) => down.has(s.nodeId) && !readable(s)));
    const plays = all.flatMap((s, i) => (gaps.has(s) ? [] : [i]));
    return { segments: plays.length ? all.slice(plays[0], plays.at(-1)! + 1) : [], gap: (s) => gaps.has(s) };
  };

  app.get('/api/channels/:id/play/recording', {
    config: { roles: READ_ROLES, scope: { by: 'channel', param: 'id' } },
    schema: {
      tags: ['recording'], summary: 'A VOD HLS playlist URL (with a media token) of the recorded footage in [from, to] (at most a day); starts at the segment holding `from`',
      params: Params, querystring: Range, response: errors,
    },
  }, async (req) => {
    const { id } = req.params as { id: string };
    // The channel first: an unknown one is the same 404 as one out of scope, whatever the range.
    if (!(await deps.registry.getStored('channels', id))) throw notFound('channel', id);
    const { from, to } = requireRange(req.query as { from: string; to: string }, MAX_PLAY_SECONDS);
    const { segments } = await playable(id, from, to);
    const { token, expiresAt } = deps.tokens.issue(id, tokenSubject(req));
    return {
      hls: `/media/${token}/${encodeURIComponent(id)}/vod.m3u8?from=${from}&to=${to}`,
      from: new Date(from).toISOString(), to: new Date(to).toISOString(),
      // Where playback really starts (the keyframe segment holding `from`, or the first a node that is up holds) and how much there is: 0 segments is an empty playlist, not an error.
      start: segments[0] ? new Date(segments[0].startMs).toISOString() : null,
      segments: segments.length,
      expiresAt: new Date(expiresAt).toISOString(),
    };
  });

  app.get('/media/:token/:id/vod.m3u8', { config: { public: true }, schema: { hide: true, params: MediaParams, querystring: Range } }, async (req, reply) => {
    const { token, id } = req.params as { token: string; id: string };
    await deps.checkToken(token, id);
    const { from, to } = requireRange(req.query as { from: string; to: string }, MAX_PLAY_SECONDS);
    const { segments, gap } = await playable(id, from, to);
    const text = vodPlaylist(segments, { gap });
    return reply.type('application/vnd.apple.mpegurl').header('cache-control', 'private, max-age=5').send(text);
  });

  app.get('/media/:token/:id/rec/:file', { config: { public: true }, schema: { hide: true, params: RecParams } }, async (req, reply) => {
    const { token, id, file } = req.params as { token: string; id: string; file: string };
    await deps.checkToken(token, id);
    const startMs = Number(file.slice(0, -3));
    // Only a segment the index lists for this channel; its path comes from the index, resolved inside the recordings root.
    const segment = (await deps.index.segments(id, startMs, startMs + 1)).segments.find((s) => s.startMs === startMs);
    if (!segment) throw new GwError('GW_ERR_NOT_FOUND', `no recorded segment ${file} of channel '${id}'`, 'file');
    const path = deps.paths.absolute(segment.path);
    const elsewhere = segment.nodeId !== deps.nodeId;
    // Retention may delete it while someone watches: 404 for this file, nothing else.
    const size = !elsewhere || deps.sharedStorage ? await stat404(path) : undefined;
    if (elsewhere && size === undefined) {
      if (deps.remote) return deps.remote.proxy(req, reply, segment);
      throw new GwError('GW_ERR_UNAVAILABLE', `segment ${file} is on node '${segment.nodeId}'`, 'file');
    }
    if (size === undefined) throw new GwError('GW_ERR_NOT_FOUND', `segment ${file} is no longer available`, 'file');
    const stream = createReadStream(path);
    return reply.type('video/mp2t').header('content-length', size).header('cache-control', 'private, max-age=3600').send(stream);
  });
}
