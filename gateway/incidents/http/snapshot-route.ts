// A snapshot an operator saves from the wall to an incident (the tile's 抓拍
// → 存入事件): the JPEG goes to the evidence store, like a detector's, and the
// incident's flow gets a record with its URL, on record and announced, without
// changing the incident's status or version (no one's next action goes stale).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { ErrorBody, GwError } from '../../../device-registry/index.ts';
import { newSnapshot, type EvidenceStore } from '../../evidence/index.ts';
import type { IncidentService } from '../service.ts';

const OPS = ['admin', 'operator', 'dispatcher'] as const;
const MAX_JPEG_BYTES = 8 * 1024 * 1024;

export function snapshotRoute(app: FastifyInstance, deps: { service: IncidentService; evidence: EvidenceStore }): void {
  void app.register(async (scope) => {
    scope.addContentTypeParser('image/jpeg', { parseAs: 'buffer', bodyLimit: MAX_JPEG_BYTES }, (_req, body, done) => done(null, body));
    scope.post('/api/incidents/:id/snapshots', {
      config: { roles: OPS, scope: { by: 'incident', param: 'id' } },
      bodyLimit: MAX_JPEG_BYTES,
      schema: {
        tags: ['incidents'],
        summary: 'Save a snapshot to an incident (body: image/jpeg): kept with the evidence, a record on the flow with its URL; status and version stay',
        params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$', 'x-message': 'must be an incident id' }) }),
        querystring: Type.Object({ channelId: Type.Optional(Type.String({ maxLength: 64 })) }, { additionalProperties: false }),
        response: { 201: Type.Object({ url: Type.String(), incident: Type.Any() }), 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 415: ErrorBody },
      },
    }, async (req, reply) => {
      const { id } = req.params as { id: string };
      const { channelId } = req.query as { channelId?: string };
      const jpeg = req.body;
      if (!Buffer.isBuffer(jpeg)) throw new GwError('GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'send the picture as image/jpeg', 'content-type');
      await deps.service.get(id); // 404 before anything is stored
      const meta = await readJpeg(jpeg);
      if (meta?.format !== 'jpeg') throw new GwError('GW_ERR_VALIDATION', 'the body is not a JPEG picture', 'body');
      const { key, url } = newSnapshot(Date.now());
      await deps.evidence.put(key, jpeg, 'image/jpeg');
      // Facts as data, no sentence: the flow log says "snapshot" in the reader's language (action.snapshot).
      const data = { width: meta.width, height: meta.height, ...(channelId ? { channelId } : {}) };
      const incident = await deps.service.note(id, { action: 'snapshot', attachments: [url], data }, req.actor!);
      return reply.code(201).send({ url, incident });
    });
  });
}

/** The picture's format and size, or undefined when sharp cannot read it (a wrong body is the client's fault, not a 500). */
async function readJpeg(bytes: Buffer) {
  try {
    return await sharp(bytes).metadata();
  } catch {
    return undefined;
  }
}
