// Evidence snapshots on disk (dataDir/snapshots/YYYYMMDD/<id>.jpg) and their
// URLs; served with the same auth as the API.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { GwError, READ_ROLES } from '../../device-registry/index.ts';

export class SnapshotStore {
  constructor(private readonly root: string) {}

  /** Saves a JPEG and returns its URL. */
  async save(jpeg: Buffer, at: number): Promise<string> {
    const day = new Date(at).toISOString().slice(0, 10).replace(/-/g, '');
    const name = `${randomUUID()}.jpg`;
    await mkdir(join(this.root, day), { recursive: true });
    await writeFile(join(this.root, day, name), jpeg);
    return `/api/snapshots/${day}/${name}`;
  }

  routes(app: FastifyInstance): void {
    app.get('/api/snapshots/:day/:file', {
      config: { roles: READ_ROLES, tokenInQuery: true },
      schema: {
        tags: ['detection'], summary: 'An evidence snapshot (boxes drawn in)',
        params: Type.Object({ day: Type.String({ pattern: '^\\d{8}$' }), file: Type.String({ pattern: '^[0-9a-f-]{36}\\.jpg$' }) }),
        querystring: Type.Object({ access_token: Type.Optional(Type.String()) }, { additionalProperties: false }),
      },
    }, async (req, reply) => {
      const { day, file } = req.params as { day: string; file: string };
      try {
        return reply.type('image/jpeg').header('cache-control', 'private, max-age=86400').send(await readFile(join(this.root, day, file)));
      } catch {
        throw new GwError('GW_ERR_NOT_FOUND', `no snapshot ${day}/${file}`, 'file');
      }
    });
  }
}
