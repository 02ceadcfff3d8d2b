// The FLV of a channel whose ingest runs on another node, for this node's own
// use (a GB28181 upper platform's INVITE answered here: gateway/gb28181/upward).
// The owner's media route /media/<token>/<id>/live.flv, as the media proxy
// reaches it (upstream.ts): a token every node accepts (the cluster's one
// media-token secret) naming this node rather than a key (`node:<id>`, a
// subject no key or person has: media-access.ts), and x-gw-proxied-by so the
// owner never forwards it again. That route starts an on-demand channel and
// keeps it wanted while it is read; index.m3u8 there is the touch.
import { Agent, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { GwError } from '../../../device-registry/index.ts';
import type { FlvOwners, OwnerFlv } from '../../gb28181/upward/index.ts';
import { NODE_SUBJECT } from '../../video/http/media-access.ts';
import { MediaTokens } from '../../video/http/media-token.ts';
import type { MediaLocator } from './locate.ts';
import { failureText, ownerUrl, PROXIED_BY, UpstreamFailure, upstreamRequest, type UpstreamSettings } from './upstream.ts';

export interface OwnerFlvOptions {
  nodeId: string;
  locator: MediaLocator;
  /** The cluster's media-token secret (token-secret.ts) and the tokens' lifetime. */
  tokenSecret: Buffer;
  tokenTtlSeconds: number;
  /** Silence allowed from the owner: above its 10 s wait for an on-demand channel's first playlist. Default 15 s. */
  idleTimeoutMs?: number;
}

export function ownerFlv(opts: OwnerFlvOptions): FlvOwners {
  const tokens = new MediaTokens(opts.tokenSecret, opts.tokenTtlSeconds);
  const settings: UpstreamSettings = {
    nodeId: opts.nodeId,
    connectTimeoutMs: 3000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 15_000,
    // No keep-alive: a touch every 2 s per feed is cheap, and nothing is left open to close at shutdown.
    agents: { http: new Agent(), https: new HttpsAgent() },
  };
  /** A fresh token for each request: a session outlives any one token. Never logged: it is in the path. */
  const route = (base: string, channelId: string, file: string) => {
    const { token } = tokens.issue(channelId, `${NODE_SUBJECT}${opts.nodeId}`);
    return ownerUrl(base, `/media/${token}/${encodeURIComponent(channelId)}/${file}`);
  };
  const get = (base: string, channelId: string, file: string): ClientRequest => {
    const req = upstreamRequest(route(base, channelId, file), { method: 'GET', headers: { [PROXIED_BY]: opts.nodeId } }, settings);
    req.end();
    return req;
  };

  return async (channelId: string): Promise<OwnerFlv | undefined> => {
    let where;
    try {
      where = await opts.locator.locate(channelId);
    } catch (err) {
      throw new GwError('GW_ERR_UNAVAILABLE', `cannot tell which node runs channel '${channelId}' right now (${failureText(err)})`, 'channelId');
    }
    if (where.local) return undefined;
    if ('none' in where) throw new GwError('GW_ERR_UNAVAILABLE', `channel '${channelId}' has no owner node right now; it will start on a node within the lease time`, 'channelId');
    if (where.nodeId === opts.nodeId) return undefined;
    const { nodeId, url } = where;
    if (!url) throw new GwError('GW_ERR_OWNER_UNREACHABLE', `channel '${channelId}' runs on node '${nodeId}', which gives no URL to reach it (its cluster URL is not set)`, 'channelId');
    return {
      nodeId,
      open: () => {
        const req = get(url, channelId, 'live.flv');
        req.once('error', () => opts.locator.forget(channelId));
        return req;
      },
      touch: () => new Promise<void>((resolve, reject) => {
        const req = get(url, channelId, 'index.m3u8');
        req.once('response', (res) => {
          res.resume();
          if (res.statusCode === 200) resolve();
          else reject(new UpstreamFailure(`node '${nodeId}' answered ${res.statusCode}`));
        });
        req.once('error', reject);
      }),
    };
  };
}
