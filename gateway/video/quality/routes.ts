// Quality diagnosis over HTTP: one channel's last look, every channel's (the
// console), and the online and quality rates per grid cell (statistics).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { ErrorBody, Id, inCoverage, READ_ROLES, notFound, type RegistryService } from '../../../device-registry/index.ts';
import type { QualityResult } from './channel-quality.ts';
import { gridRates } from './grid-rates.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** The result as the API shows it: ISO times; `unchecked` before the first look. */
export function apiQuality(channelId: string, r: QualityResult | undefined) {
  if (!r) return { channelId, verdict: 'unchecked' as const, checkedAt: null, frameTs: null, defects: [], checks: [], incident: null };
  const { raised, checkedAt, frameTs, ...rest } = r;
  return { ...rest, checkedAt: iso(checkedAt), frameTs: iso(frameTs), incident: raised ? { open: true, defects: raised } : null };
}

const tags = ['video quality'];

export function qualityRoutes(app: FastifyInstance, deps: { registry: RegistryService; resultOf: (id: string) => QualityResult | undefined; ids: () => string[] }): void {
  app.get('/api/channels/:id/quality', {
    config: { roles: READ_ROLES, scope: { by: 'channel', param: 'id' } },
    schema: { tags, summary: "Video quality diagnosis of one channel: each check's value, threshold and verdict, and when it was last looked at", params: Type.Object({ id: Id }), response: { 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } },
  }, async (req) => {
    const { id } = req.params as { id: string };
    if (!(await deps.registry.getStored('channels', id))) throw notFound('channel', id);
    return apiQuality(id, deps.resultOf(id));
  });
  app.get('/api/video/quality', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags, summary: 'Video quality diagnosis of every channel this node looks at' },
  }, async (req) => {
    const coverage = await app.scopes.covered(req.actor);
    const ids = [];
    for (const id of deps.ids().sort()) if (inCoverage(coverage, coverage && (await app.scopes.gridOf('channels', id)))) ids.push(id);
    return { items: ids.map((id) => apiQuality(id, deps.resultOf(id))) };
  });
  app.get('/api/stats/video', {
    config: { roles: READ_ROLES, scope: 'filtered' },
    schema: { tags: ['stats'], summary: 'Per grid cell (with the cells below it): enabled cameras, online rate, and quality rate of those looked at' },
  }, async (req) => {
    // A covered cell's subtree is covered too, so its counts hold only cameras in scope.
    const coverage = await app.scopes.covered(req.actor);
    return { items: (await gridRates(deps.registry, deps.resultOf)).filter((cell) => inCoverage(coverage, cell.gridCode)) };
  });
}
