// In a cluster an export's MP4 is on the disk of the node that ran it; any
// node answers GET /api/exports/{id} from the shared table, and passes the
// download through to that node (the cluster's media proxy, as live media).
// That node checks the caller again: the registry (keys) and the URL-token
// secret are the cluster's, so the same key or ?access_token= is valid there.
// A forwarded request is never forwarded again; a node that is down is a 503
// naming it, after a short connect timeout at most.
import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GwError } from '../../../device-registry/index.ts';
import { proxyHttp } from '../../cluster/media/http-proxy.ts';
import { failureText, headerValue, PROXIED_BY, UpstreamFailure, type UpstreamSettings } from '../../cluster/media/upstream.ts';

export interface ExportHolders {
  /** Answers with the MP4 from the node holding it, or throws a GwError saying why it cannot. */
  download(req: FastifyRequest, reply: FastifyReply, job: { id: string; nodeId: string }, headers: Record<string, string>): Promise<FastifyReply>;
  close(): void;
}

export interface ExportHoldersOptions {
  nodeId: string;
  /** The nodes that beat within the lease time, with their URLs. */
  liveNodes: () => Promise<Array<{ nodeId: string; url: string | null }>>;
  /** Default 2000 ms. */
  connectTimeoutMs?: number;
  /** Silence allowed from the holding node; default 15 s. */
  idleTimeoutMs?: number;
}

export function exportHolders(opts: ExportHoldersOptions): ExportHolders {
  const settings: UpstreamSettings = {
    nodeId: opts.nodeId,
    connectTimeoutMs: opts.connectTimeoutMs ?? 2000,
    idleTimeoutMs: opts.idleTimeoutMs ?? 15_000,
    agents: { http: new Agent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) },
  };
  const refused = (job: { id: string; nodeId: string }, why: string) =>
    new GwError('GW_ERR_UNAVAILABLE', `export ${job.id} is on node '${job.nodeId}', which cannot serve it: ${why}`, 'id', { node: job.nodeId });

  return {
    async download(req, reply, job, headers) {
      const by = headerValue(req.headers[PROXIED_BY]);
      if (by !== undefined) {
        throw new GwError('GW_ERR_PROXY_LOOP', `export ${job.id} is on node '${job.nodeId}'; node '${by}' forwarded it to '${opts.nodeId}', which does not forward it again`, 'id', { node: job.nodeId });
      }
      let nodes: Array<{ nodeId: string; url: string | null }>;
      try {
        nodes = await opts.liveNodes();
      } catch (err) {
        throw refused(job, `the cluster's node list cannot be read right now (${failureText(err)})`);
      }
      const holder = nodes.find((n) => n.nodeId === job.nodeId);
      if (!holder) throw refused(job, 'it is not running (no heartbeat within the lease time)');
      if (!holder.url) throw refused(job, 'it gives no URL to reach it (its cluster URL is not set)');
      try {
        // Headers the media proxy does not pass back (Content-Disposition) are this node's to set.
        await proxyHttp(req, reply.headers(headers), { nodeId: holder.nodeId, url: holder.url }, settings);
      } catch (err) {
        if (!(err instanceof UpstreamFailure)) throw err;
        throw refused(job, failureText(err));
      }
      return reply;
    },
    close() {
      settings.agents.http.destroy();
      settings.agents.https.destroy();
    },
  };
}
