// Liveness (/healthz: the process answers) and readiness (/readyz: the store
// answers and the gateway is not shutting down).
import type { FastifyInstance } from 'fastify';

export interface Readiness {
  shuttingDown: () => boolean;
  checks: Record<string, () => Promise<void>>;
}

export function healthRoutes(app: FastifyInstance, readiness: Readiness): void {
  app.get('/healthz', { config: { public: true }, schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { config: { public: true }, schema: { tags: ['health'], summary: 'Readiness' } }, async (_req, reply) => {
    const results: Record<string, string> = {};
    let ready = !readiness.shuttingDown();
    if (!ready) results.shutdown = 'in progress';
    for (const [name, probe] of Object.entries(readiness.checks)) {
      try {
        await probe();
        results[name] = 'ok';
      } catch (err) {
        ready = false;
        results[name] = (err as Error).message;
      }
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });
}
