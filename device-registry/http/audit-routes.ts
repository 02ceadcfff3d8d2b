// The audit log, read-only over HTTP.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { inCoverage, type Coverage } from '../auth/scope.ts';
import { AuditEntry, AuditQuery } from '../schemas/audit.ts';
import { ErrorBody } from '../schemas/common.ts';
import type { AuditRow, RegistryStore } from '../store/registry-store.ts';
import { WRITE_ROLES } from './roles.ts';

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));
const SCAN_PAGE = 500;

/** A change a scoped reader may see: of a device or cell in their cells, before or after it. Keys, users and departments are not theirs. */
function auditInScope(coverage: Coverage, row: AuditRow): boolean {
  if (row.entity === 'grids') return inCoverage(coverage, row.entityId);
  if (row.entity !== 'channels' && row.entity !== 'sensors' && row.entity !== 'gbDevices') return false;
  const gridOf = (doc: object | null) => (doc as { gridCode?: string } | null)?.gridCode;
  return inCoverage(coverage, gridOf(row.before)) || inCoverage(coverage, gridOf(row.after));
}

export function auditRoutes(app: FastifyInstance, store: RegistryStore): void {
  app.get('/api/audit', {
    config: { roles: WRITE_ROLES, scope: 'filtered' },
    schema: {
      tags: ['audit'], summary: 'Who changed what, newest first',
      querystring: AuditQuery,
      response: { 200: Type.Object({ items: Type.Array(AuditEntry), total: Type.Integer() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
    },
  }, async (req) => {
    const q = req.query as AuditQuery;
    const filter = { ...q, from: ms(q.from), to: ms(q.to) };
    const view = (r: AuditRow) => ({ ...r, at: new Date(r.at).toISOString() });
    const coverage = await app.scopes.covered(req.actor);
    if (coverage === null) {
      const { rows, total } = await store.queryAudit(filter);
      return { items: rows.map(view), total };
    }
    // A scoped reader: the log is read through, newest first, keeping their page of what is in scope and counting it all.
    const items: AuditRow[] = [];
    let total = 0;
    for (let offset = 0; ; offset += SCAN_PAGE) {
      const page = await store.queryAudit({ ...filter, limit: SCAN_PAGE, offset });
      for (const row of page.rows) {
        if (!auditInScope(coverage, row)) continue;
        if (total >= q.offset && items.length < q.limit) items.push(row);
        total++;
      }
      if (page.rows.length < SCAN_PAGE) break;
    }
    return { items: items.map(view), total };
  });
}
