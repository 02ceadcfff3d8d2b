// An HTTP media request passed through to the owner node: the media headers
// go up, the status and media/cache headers come back, and the body streams
// through Fastify's pipe (backpressure: a slow client slows the owner's
// socket, nothing piles up here). A client that leaves aborts the upstream at
// once, whether it is still waiting for the answer or in the middle of a stream.
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { forwardedFor, ownerUrl, SERVED_BY, UpstreamFailure, upstreamRequest, type UpstreamSettings } from './upstream.ts';

const REQUEST_HEADERS = ['accept', 'accept-encoding', 'accept-language', 'range', 'if-none-match', 'if-modified-since', 'user-agent', 'authorization'];
const RESPONSE_HEADERS = [
  'content-type', 'content-length', 'content-encoding', 'content-range', 'accept-ranges',
  'cache-control', 'etag', 'last-modified', 'expires', 'vary', 'retry-after',
];

/**
 * Sends the owner's answer as this reply. Throws an UpstreamFailure when the
 * owner gives no answer; once the answer started, a broken upstream cuts the
 * client's response (a stream cannot change its status any more).
 */
export async function proxyHttp(req: FastifyRequest, reply: FastifyReply, owner: { nodeId: string; url: string }, s: UpstreamSettings): Promise<void> {
  const headers = Object.fromEntries(REQUEST_HEADERS.flatMap((h) => (req.headers[h] === undefined ? [] : [[h, req.headers[h]]])));
  const abort = new AbortController();
  const clientGone = () => {
    if (!reply.raw.writableFinished) abort.abort();
  };
  reply.raw.once('close', clientGone);
  const up = upstreamRequest(ownerUrl(owner.url, req.raw.url ?? req.url), {
    method: req.method,
    headers: { ...headers, ...forwardedFor(req.headers, req.ip, req.protocol, s.nodeId), 'x-request-id': req.id },
    signal: abort.signal,
  }, s);
  let res: IncomingMessage;
  try {
    res = await new Promise<IncomingMessage>((resolve, reject) => {
      up.once('response', resolve);
      up.once('error', reject);
      up.end();
    });
  } catch (err) {
    if (abort.signal.aborted) {
      // Nobody to answer: the client left while the owner was preparing it.
      reply.hijack();
      reply.raw.destroy();
      return;
    }
    throw err instanceof UpstreamFailure ? err : new UpstreamFailure((err as Error).message, { cause: err });
  }
  // Errors after the answer began (abort, reset) end the body stream, which Fastify handles.
  up.on('error', (err) => req.log.debug({ err: (err as Error).message }, 'media proxy: upstream closed'));
  reply.code(res.statusCode ?? 502);
  for (const name of RESPONSE_HEADERS) {
    const value = res.headers[name];
    if (value !== undefined) reply.header(name, value);
  }
  reply.header(SERVED_BY, owner.nodeId);
  reply.send(res); // not awaited: a Reply's promise settles when the whole body is sent
}
