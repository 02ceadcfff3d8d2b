// Long-lived responses (the event stream, HTTP-FLV) never finish by
// themselves: left open, each one holds a graceful shutdown for its whole
// grace period. They end when shutdown starts; clients reconnect to the next
// process (EventSource with its Last-Event-ID, players by retrying).
import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * Returns `track(res, end)`: `end` runs when `app` begins to close (default
 * `res.end()`; a piped stream is better cut with `res.destroy()`).
 */
export function endOnShutdown(app: FastifyInstance): (res: ServerResponse, end?: () => void) => void {
  const open = new Map<ServerResponse, () => void>();
  app.addHook('preClose', async () => {
    for (const end of open.values()) end();
    open.clear();
  });
  return (res, end = () => res.end()) => {
    open.set(res, end);
    res.once('close', () => open.delete(res));
  };
}
