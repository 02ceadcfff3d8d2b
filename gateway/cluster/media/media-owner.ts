// Media of a channel that runs on another node, answered from any node.
//
// Default: proxy. The wall knows one origin, the node it loaded from: a
// redirect to a node's own URL (http://10.0.0.5:8080) sends hls.js across
// origins (the media routes send no CORS headers, so the XHR fails), onto an
// address that may not be reachable from the operators' network at all, or
// from https to http (mixed content); a browser never follows a redirect on a
// WebSocket handshake. Through the proxy the wall keeps its one origin, and
// the token in the path goes through unchanged. 'redirect' (307 to the same
// path on the owner) is for deployments where every node is reachable from
// the wall, to take the media bytes off the node the wall talks to; it needs
// the owner to accept this node's tokens, as the proxy does (a shared token
// secret: see token-secret.ts). WebSocket upgrades are proxied in both modes.
//
// A forwarded request carries x-gw-proxied-by and is never forwarded again: a
// node that gets one for a channel it does not own answers 508 (the leases
// moved under the request; the client's retry finds the new owner).
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { WarnRollup } from '../../log-rollup.ts';
import { proxyHttp } from './http-proxy.ts';
import type { Locate, MediaLocation } from './locate.ts';
import { Refusal, refuseSocket } from './refusal.ts';
import { failureText, headerValue, ownerUrl, PROXIED_BY, UpstreamFailure, type UpstreamSettings } from './upstream.ts';
import { proxyUpgrade } from './ws-proxy.ts';

export type MediaRoutingMode = 'proxy' | 'redirect';

export interface MediaOwnerRoutingOptions {
  /** This node's id, sent as x-gw-proxied-by. */
  nodeId: string;
  locate: Locate;
  /** Drops a cached location after its node failed or disowned the channel (MediaLocator.forget). */
  forget?: (channelId: string) => void;
  /** Default 'proxy' (see the top of this file). */
  mode?: MediaRoutingMode;
  log: Logger;
  /** Default 3000 ms. */
  connectTimeoutMs?: number;
  /** Silence allowed from the owner; default 15 s, above the owner's 10 s wait for an on-demand channel's first playlist. */
  idleTimeoutMs?: number;
}

/** Where a channel runs, for its status: here, on a named node, or nowhere right now (nodeId null). */
export type ChannelPlace = { local: true } | { local: false; nodeId: string | null; reason?: string };

export interface MediaOwnerRouting {
  /** Answers the request (proxied, redirected or refused) when the channel runs elsewhere; false when it runs here. */
  http(req: FastifyRequest, reply: FastifyReply, channelId: string): Promise<boolean>;
  /** The same for a WebSocket upgrade: true when the socket was taken over. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, channelId: string): Promise<boolean>;
  where(channelId: string): Promise<ChannelPlace>;
  /** Closes idle upstream connections and flushes rolled-up warnings. */
  close(): void;
}

type Target = { local: true } | { local: false; nodeId: string; url: string };

export function mediaOwnerRouting(opts: MediaOwnerRoutingOptions): MediaOwnerRouting {
  const { nodeId } = opts;
  const mode = opts.mode ?? 'proxy';
  const log = opts.log.child({ module: 'cluster-media', nodeId });
  const warnings = new WarnRollup(log);
  const settings: UpstreamSettings = {
    nodeId,
    connectTimeoutMs: opts.connectTimeoutMs ?? 3000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 15_000,
    // Segment requests come every second per tile: keep connections to the owners open.
    agents: { http: new Agent({ keepAlive: true, maxFreeSockets: 32 }), https: new HttpsAgent({ keepAlive: true, maxFreeSockets: 32 }) },
  };

  const locate = async (channelId: string): Promise<MediaLocation> => {
    try {
      return await opts.locate(channelId);
    } catch (err) {
      log.warn({ channelId, err: failureText(err) }, 'cannot look up the channel\'s owner node');
      throw new Refusal('GW_ERR_UNAVAILABLE', `cannot tell which node runs channel '${channelId}' right now (${failureText(err)}); retry shortly`);
    }
  };

  /** Here, or the owner to forward to; a Refusal when there is none or it must not be forwarded. */
  const target = async (channelId: string, proxiedBy: string | undefined): Promise<Target> => {
    const where = await locate(channelId);
    if (where.local) return where;
    if ('none' in where) {
      throw new Refusal('GW_ERR_UNAVAILABLE', `channel '${channelId}' has no owner node right now; it will start on a node within the lease time`);
    }
    if (where.nodeId === nodeId) return { local: true };
    if (proxiedBy !== undefined) {
      opts.forget?.(channelId);
      throw new Refusal('GW_ERR_PROXY_LOOP',
        `node '${proxiedBy}' forwarded channel '${channelId}' to node '${nodeId}', which does not run it (its lease is on '${where.nodeId}'): ` +
        'the channel is moving between nodes; retry', nodeId);
    }
    if (!where.url) {
      throw new Refusal('GW_ERR_OWNER_UNREACHABLE', `channel '${channelId}' runs on node '${where.nodeId}', which gives no URL to reach it (its cluster URL is not set)`, where.nodeId);
    }
    return { local: false, nodeId: where.nodeId, url: where.url };
  };

  const unreachable = (channelId: string, owner: { nodeId: string; url: string }, err: unknown): Refusal => {
    opts.forget?.(channelId);
    const why = failureText(err);
    warnings.warn(`unreachable:${owner.nodeId}`, { channelId, owner: owner.nodeId, url: owner.url, err: why }, 'owner node does not answer media requests');
    return new Refusal('GW_ERR_OWNER_UNREACHABLE', `channel '${channelId}' runs on node '${owner.nodeId}', which cannot be reached: ${why}`, owner.nodeId);
  };

  const refuse = (reply: FastifyReply, r: Refusal) => {
    if (r.statusCode === 503 || r.statusCode === 508) reply.header('retry-after', '1');
    reply.code(r.statusCode).header('cache-control', 'no-store').send(r.toBody());
  };

  return {
    async http(req, reply, channelId) {
      let to: Target;
      try {
        to = await target(channelId, headerValue(req.headers[PROXIED_BY]));
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        refuse(reply, err);
        return true;
      }
      if (to.local) return false;
      if (mode === 'redirect') {
        reply.code(307).header('location', ownerUrl(to.url, req.raw.url ?? req.url).href).header('cache-control', 'no-store').send();
        return true;
      }
      try {
        await proxyHttp(req, reply, to, settings);
      } catch (err) {
        if (!(err instanceof UpstreamFailure)) throw err;
        refuse(reply, unreachable(channelId, to, err));
      }
      return true;
    },

    async upgrade(req, socket, head, channelId) {
      let to: Target;
      try {
        to = await target(channelId, headerValue(req.headers[PROXIED_BY]));
      } catch (err) {
        if (!(err instanceof Refusal)) throw err;
        refuseSocket(socket, err, err.statusCode === 503 || err.statusCode === 508 ? { 'retry-after': '1' } : {});
        return true;
      }
      if (to.local) return false;
      const owner = to;
      proxyUpgrade(req, socket, head, owner, settings, {
        onFailure: (err) => refuseSocket(socket, unreachable(channelId, owner, err)),
        onRelayError: (err) => log.debug({ channelId, owner: owner.nodeId, err: err.message }, 'FLV over WebSocket relay: socket error'),
      });
      return true;
    },

    async where(channelId) {
      let where: MediaLocation;
      try {
        where = await opts.locate(channelId);
      } catch (err) {
        return { local: false, nodeId: null, reason: `cannot tell which node runs it right now (${failureText(err)})` };
      }
      if (where.local) return where;
      if ('none' in where) return { local: false, nodeId: null, reason: 'no node runs it right now; it will start on a node within the lease time' };
      return where.nodeId === nodeId ? { local: true } : { local: false, nodeId: where.nodeId };
    },

    close() {
      warnings.stop();
      settings.agents.http.destroy();
      settings.agents.https.destroy();
    },
  };
}
