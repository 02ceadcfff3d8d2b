// Who may play what, shared by the HTTP media routes and the WebSocket FLV
// endpoint: the media token check (and that its key is still active), the
// wait for an on-demand channel's first playlist, and the upstream HTTP-FLV
// from the local live server with the header's audio flag cleared.
import { get as httpGet, type IncomingMessage } from 'node:http';
import { Transform, type Duplex, type Readable } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GwError, notFound, type Actor, type ApiKeys, type RegistryService, type Scopes } from '../../../device-registry/index.ts';
import { safeName } from '../channel-spec.ts';
import { newestSegment } from '../snapshot.ts';
import type { VideoManager } from '../video-manager.ts';
import { streamOfKey } from '../sub-streams.ts';
import type { MediaTokens } from './media-token.ts';

export interface FlvSource { url: (app: string, name: string) => string; isPublishing: (app: string, name: string) => boolean }

export interface MediaAccessDeps {
  registry: RegistryService;
  keys: ApiKeys;
  /** The holder's scope is checked at every media request (分级分权), so a token outlives no shrinking of it. */
  scopes?: Scopes;
  manager: VideoManager;
  tokens: MediaTokens;
  /** The local live server's HTTP-FLV, when it runs. */
  flv?: FlvSource;
}

/**
 * Channels whose ingest runs on another node (cluster mode; gateway/cluster/media
 * implements it). `http` and `upgrade` answer (proxy, redirect or refuse) and
 * return true when the channel runs elsewhere, false when it runs here.
 */
export interface RemoteMedia {
  http(req: FastifyRequest, reply: FastifyReply, channelId: string): Promise<boolean>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, channelId: string): Promise<boolean>;
  /** For the status of a channel this node does not run: its node, or null when none runs it now. */
  where(channelId: string): Promise<{ local: true } | { local: false; nodeId: string | null; reason?: string }>;
}

/** The upstream FLV of one channel: `stream` yields the bytes; `close()` lets the live server go. */
export interface FlvUpstream { stream: Readable; close: () => void }

export interface MediaAccess {
  /** Throws 401 (expired, key revoked) or 403 (not valid for this channel). */
  checkToken(token: string, id: string): Promise<void>;
  /** Waits for the channel's playlist (an on-demand channel is starting); 503 with the reason if it does not come. A sub-stream key (`<id>~sub`) waits for the sub-stream's. */
  waitForPlaylist(id: string): Promise<void>;
  /** Starts the channel if needed and opens its FLV; 404 when FLV is off, 503 when the stream does not run. */
  openFlvUpstream(id: string): Promise<FlvUpstream>;
}

const PLAYLIST_WAIT_MS = 10_000;
/**
 * A token a cluster node issued for its own read of this node's media (an upper
 * platform's INVITE answered there: gateway/cluster/media/owner-flv.ts). Only
 * nodes hold the signing secret, and no key or person has this subject.
 */
export const NODE_SUBJECT = 'node:';
const KEY_CACHE_MS = 10_000;

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

export function mediaAccess(deps: MediaAccessDeps): MediaAccess {
  // Media requests carry a token, not a key: check it, and that its key is still active.
  const activeKeys = new Map<string, { actor: Actor | undefined; at: number }>();
  const holderOf = async (keyId: string): Promise<Actor | undefined> => {
    if (keyId.startsWith(NODE_SUBJECT)) return { keyId: null, name: keyId, role: null };
    const hit = activeKeys.get(keyId);
    if (hit && Date.now() - hit.at < KEY_CACHE_MS) return hit.actor;
    // A key that is not revoked, or the live session of the person the token was issued to.
    const actor = await deps.keys.activeActor(keyId);
    activeKeys.set(keyId, { actor, at: Date.now() });
    return actor;
  };

  const checkToken = async (token: string, id: string) => {
    const check = deps.tokens.verify(token, id);
    if (!check.ok) throw new GwError(check.why === 'token expired' ? 'GW_ERR_UNAUTHENTICATED' : 'GW_ERR_FORBIDDEN', check.why, 'token');
    const holder = await holderOf(check.keyId);
    if (!holder) throw new GwError('GW_ERR_UNAUTHENTICATED', 'the key behind this token was revoked, or the session it was issued to has ended', 'token');
    // Read now, not when the token was issued: a channel that left the holder's scope is not there for them.
    const { channelId } = streamOfKey(id);
    if (deps.scopes && (await deps.scopes.check(holder, 'channels', channelId)) === 'out') throw notFound('channel', channelId);
  };

  const waitForPlaylist = async (id: string) => {
    await deps.manager.touch(id);
    const deadline = Date.now() + PLAYLIST_WAIT_MS;
    while (Date.now() < deadline) {
      if (await newestSegment(deps.manager.hlsDir(id))) return;
      const s = deps.manager.status(id);
      // Offline (disabled, no push, or failed and waiting to retry): waiting will not help; the reason says why.
      if (s?.state === 'offline') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const s = deps.manager.status(id);
    throw new GwError('GW_ERR_UNAVAILABLE', `channel '${id}' has no video yet (${s?.state ?? 'unknown'}${s?.reason ? `: ${s.reason}` : ''})`, 'id');
  };

  const openFlvUpstream = async (id: string): Promise<FlvUpstream> => {
    const flv = deps.flv;
    if (!flv) throw new GwError('GW_ERR_NOT_FOUND', 'low-latency FLV is disabled in the configuration', 'live.flv');
    if (!(await deps.registry.getStored('channels', streamOfKey(id).channelId))) throw new GwError('GW_ERR_NOT_FOUND', `channel '${id}' does not exist`, 'id');
    await waitForPlaylist(id); // the same ingest feeds FLV: when HLS flows, FLV does too
    // A play of a stream nobody publishes would hang on the live server: refuse it here.
    if (!flv.isPublishing('internal', safeName(id))) throw new GwError('GW_ERR_UNAVAILABLE', `low-latency stream of '${id}' is not running`, 'id');
    const upstream = await new Promise<IncomingMessage>((resolve, reject) => httpGet(flv.url('internal', safeName(id)), resolve).once('error', reject));
    if (upstream.statusCode !== 200) {
      upstream.resume();
      throw new GwError('GW_ERR_UNAVAILABLE', `low-latency stream of '${id}' is not available (live server: ${upstream.statusCode})`, 'id');
    }
    const stream = upstream.pipe(videoOnlyFlvHeader());
    upstream.once('error', (err) => stream.destroy(err));
    return {
      stream,
      close: () => {
        upstream.destroy();
        stream.destroy();
      },
    };
  };

  return { checkToken, waitForPlaylist, openFlvUpstream };
}
