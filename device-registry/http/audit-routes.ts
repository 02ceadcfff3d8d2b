// The audit log, read-only over HTTP.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AuditEntry, AuditQuery } from '../schemas/audit.ts';
import { ErrorBody } from '../schemas/common.ts';
import type { RegistryStore } from '../store/registry-store.ts';
import { WRITE_ROLES } from './roles.ts';

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

export function auditRoutes(app: FastifyInstance, store: RegistryStore): void {
  app.get('/api/audit', {
    config: { roles: WRITE_ROLES },
    schema: {
      tags: ['audit'], summary: 'Who changed what, newest first',
      querystring: AuditQuery,
      response: { 200: Type.Object({ items: Type.Array(AuditEntry), total: Type.Integer() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody },
    },
  }, async (req) => {
    const q = req.query as AuditQuery;
    const { rows, total } = await store.queryAudit({ ...q, from: ms(q.from), to: ms(q.to) });
    return { items: rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() })), total };
  });
}
