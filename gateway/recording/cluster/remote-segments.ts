// Segments another node recorded, from this one: proxied to the node whose
// disk holds the file (playback), or copied into a file here (export). Either
// way it is the same media route on that node, /media/<token>/<id>/rec/<startMs>.ts,
// with a token every node accepts (the cluster's one media-token secret) and
// x-gw-proxied-by, so that node never forwards it again. A node that is down
// is refused at once (its heartbeat stopped) or after a short connect or
// silence timeout: one segment answers 503 naming the node, nothing hangs.
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Agent, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { pipeline } from 'node:stream/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { GwError } from '../../../device-registry/index.ts';
import { proxyHttp } from '../../cluster/media/http-proxy.ts';
import { failureText, headerValue, ownerUrl, PROXIED_BY, UpstreamFailure, upstreamRequest, type UpstreamSettings } from '../../cluster/media/upstream.ts';
import { WarnRollup } from '../../log-rollup.ts';
import type { Segment } from '../store/recording-index.ts';
import type { SegmentNodes } from './segment-nodes.ts';

export interface RemoteSegmentsOptions {
  nodeId: string;
  nodes: SegmentNodes;
  /** Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Silence allowed from the other node; default 5000 ms (a segment is a file it sends at once). */
  idleTimeoutMs?: number;
  log: Logger;
}

type SegmentRef = Pick<Segment, 'channelId' | 'startMs' | 'nodeId'>;

/** The media route of one recorded segment (the token is the only secret in it: never log it). */
export const segmentRoute = (token: string, s: Pick<Segment, 'channelId' | 'startMs'>): string =>
  `/media/${token}/${encodeURIComponent(s.channelId)}/rec/${s.startMs}.ts`;

export class RemoteSegments {
  private readonly settings: UpstreamSettings;
  private readonly warnings: WarnRollup;
  private readonly log: Logger;

  constructor(private readonly opts: RemoteSegmentsOptions) {
    this.log = opts.log.child({ module: 'recording-remote' });
    this.warnings = new WarnRollup(this.log);
    this.settings = {
      nodeId: opts.nodeId,
      connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
      idleTimeoutMs: opts.idleTimeoutMs ?? 5000,
      agents: { http: new Agent({ keepAlive: true, maxFreeSockets: 16 }), https: new HttpsAgent({ keepAlive: true, maxFreeSockets: 16 }) },
    };
  }

  /** Answers the request with the segment from the node that holds it; a GwError (503, or 508 for a forwarded request) when it cannot. */
  async proxy(req: FastifyRequest, reply: FastifyReply, s: SegmentRef): Promise<FastifyReply> {
    const by = headerValue(req.headers[PROXIED_BY]);
    if (by !== undefined) {
      throw new GwError('GW_ERR_PROXY_LOOP', `segment ${s.startMs}.ts of channel '${s.channelId}' is on node '${s.nodeId}'; node '${by}' forwarded it to '${this.opts.nodeId}', which does not forward it again`, 'file');
    }
    const url = await this.urlOf(s);
    try {
      await proxyHttp(req, reply, { nodeId: s.nodeId, url }, this.settings);
    } catch (err) {
      if (!(err instanceof UpstreamFailure)) throw err;
      throw this.unreachable(s, url, err);
    }
    return reply;
  }

  /** Copies the segment from its node into `file`; a GwError naming the node when it cannot (the partial file is removed). */
  async fetch(s: SegmentRef, token: string, file: string): Promise<number> {
    const url = await this.urlOf(s);
    const up = upstreamRequest(ownerUrl(url, segmentRoute(token, s)), { method: 'GET', headers: { [PROXIED_BY]: this.opts.nodeId } }, this.settings);
    try {
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        up.once('response', resolve);
        up.once('error', reject);
        up.end();
      });
      if (res.statusCode !== 200) {
        res.resume();
        throw new GwError('GW_ERR_UNAVAILABLE', `segment ${s.startMs}.ts of channel '${s.channelId}' on node '${s.nodeId}': that node answered ${res.statusCode}`, 'file');
      }
      const out = createWriteStream(file);
      await pipeline(res, out);
      const expected = Number(res.headers['content-length'] ?? NaN);
      if (Number.isFinite(expected) && out.bytesWritten !== expected) {
        throw new GwError('GW_ERR_UNAVAILABLE', `segment ${s.startMs}.ts of channel '${s.channelId}' from node '${s.nodeId}' ended after ${out.bytesWritten} of ${expected} bytes`, 'file');
      }
      return out.bytesWritten;
    } catch (err) {
      await rm(file, { force: true });
      if (err instanceof GwError) throw err;
      throw this.unreachable(s, url, err);
    }
  }

  /** Of these nodes, the ones that cannot serve now (no heartbeat, no URL): their segments are gaps in a playlist. */
  async downNodes(nodeIds: Iterable<string>): Promise<Set<string>> {
    const others = [...new Set(nodeIds)].filter((id) => id !== this.opts.nodeId);
    const places = await Promise.all(others.map(async (id) => [id, await this.opts.nodes.place(id)] as const));
    return new Set(places.filter(([, p]) => 'down' in p).map(([id]) => id));
  }

  close(): void {
    this.warnings.stop();
    this.settings.agents.http.destroy();
    this.settings.agents.https.destroy();
  }

  private async urlOf(s: SegmentRef): Promise<string> {
    const place = await this.opts.nodes.place(s.nodeId);
    if ('down' in place) {
      throw new GwError('GW_ERR_UNAVAILABLE', `segment ${s.startMs}.ts of channel '${s.channelId}' is on node '${s.nodeId}', which cannot serve it: ${place.down}`, 'file', { node: s.nodeId });
    }
    return place.url;
  }

  private unreachable(s: SegmentRef, url: string, err: unknown): GwError {
    this.opts.nodes.forget();
    const why = failureText(err);
    this.warnings.warn(`unreachable:${s.nodeId}`, { channelId: s.channelId, node: s.nodeId, url, err: why }, 'recording: the node holding a segment does not answer');
    return new GwError('GW_ERR_UNAVAILABLE', `segment ${s.startMs}.ts of channel '${s.channelId}' is on node '${s.nodeId}', which cannot be reached: ${why}`, 'file', { node: s.nodeId });
  }
}
