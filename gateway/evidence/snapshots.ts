// Evidence snapshots by URL: /api/snapshots/YYYYMMDD/<uuid>.jpg is the
// evidence key snapshots/YYYYMMDD/<uuid>.jpg, served by every node from the
// evidence store with the same access as the API (a role that reads, or a
// ?access_token= URL token for <img> tags).
import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { GwError, READ_ROLES } from '../../device-registry/index.ts';
import type { EvidenceStore } from './store.ts';

export const SNAPSHOT_FOLDER = 'snapshots';

/** A new snapshot's key and the URL incidents carry for it. */
export function newSnapshot(at: number): { key: string; url: string } {
  const day = new Date(at).toISOString().slice(0, 10).replace(/-/g, '');
  const name = `${randomUUID()}.jpg`;
  return { key: `${SNAPSHOT_FOLDER}/${day}/${name}`, url: `/api/snapshots/${day}/${name}` };
}

export function snapshotRoutes(app: FastifyInstance, store: EvidenceStore): void {
  app.get('/api/snapshots/:day/:file', {
    // A scoped caller sees a snapshot only when an incident in their cells holds it.
    config: { roles: READ_ROLES, tokenInQuery: true, scope: 'filtered' },
    schema: {
      tags: ['detection'], summary: 'An evidence snapshot (boxes drawn in), from any node',
      params: Type.Object({ day: Type.String({ pattern: '^\\d{8}$' }), file: Type.String({ pattern: '^[0-9a-f-]{36}\\.jpg$' }) }),
      querystring: Type.Object({ access_token: Type.Optional(Type.String()) }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    const { day, file } = req.params as { day: string; file: string };
    const missing = () => new GwError('GW_ERR_NOT_FOUND', `no snapshot ${day}/${file}`, 'file');
    if ((await app.scopes.check(req.actor, 'evidence', `/api/snapshots/${day}/${file}`)) !== 'in') throw missing();
    const found = await store.get(`${SNAPSHOT_FOLDER}/${day}/${file}`);
    if (!found) throw missing();
    // Evidence never changes under its key: the browser may keep it.
    return reply.type(found.contentType).header('cache-control', 'private, max-age=86400, immutable').send(found.bytes);
  });
}
