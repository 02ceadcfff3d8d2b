// CRUD routes for the registry entities, one generic set per entity.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GwError, invalid } from '../errors.ts';
import { ErrorBody, GridCode, Id, ListQuery, Page } from '../schemas/common.ts';
import { GridLevel } from '../schemas/grid.ts';
import type { RegistryService } from '../service/registry-service.ts';
import type { EntityName, ListFilter } from '../store/registry-store.ts';
import { READ_ROLES, WRITE_ROLES } from './roles.ts';

const paging = { limit: ListQuery.properties.limit, offset: ListQuery.properties.offset };
const QUERIES: Record<EntityName, ReturnType<typeof Type.Object>> = {
  channels: ListQuery,
  sensors: ListQuery,
  grids: Type.Object(
    { grid: Type.Optional(GridCode), parent: Type.Optional(GridCode), level: Type.Optional(GridLevel), q: ListQuery.properties.q, ...paging },
    { additionalProperties: false },
  ),
  departments: Type.Object({ q: ListQuery.properties.q, ...paging }, { additionalProperties: false }),
  gbDevices: ListQuery,
};

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** `If-Match: 3` or `If-Match: "3"` → 3; absent → undefined. */
function ifMatch(req: FastifyRequest): number | undefined {
  const raw = req.headers['if-match'];
  if (raw === undefined) return undefined;
  const n = Number(String(raw).replace(/^W\//, '').replace(/"/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new GwError('GW_ERR_VALIDATION', 'If-Match must be an entity version number', 'If-Match');
  return n;
}

/** The field that places each entity in a grid cell (departments have none: a directory of dispatch targets). */
const PLACED_BY: Partial<Record<EntityName, string>> = { channels: 'gridCode', sensors: 'gridCode', gbDevices: 'gridCode', grids: 'parentCode' };
const SCOPED_AS = { channels: 'channel', sensors: 'sensor', gbDevices: 'gbDevice', grids: 'grid' } as const;

const withEtag = (reply: FastifyReply, item: Record<string, unknown>) => reply.header('etag', `"${String(item.version)}"`);

export function entityRoutes(app: FastifyInstance, service: RegistryService, entity: EntityName): void {
  const desc = service.descriptor(entity);
  const key = desc.idField;
  const path = `/api/${desc.path ?? entity}`;
  const tags = [desc.path ?? entity];
  const params = Type.Object({ [key]: key === 'code' ? GridCode : Id });
  const idOf = (req: FastifyRequest) => (req.params as Record<string, string>)[key]!;
  const placedBy = PLACED_BY[entity];
  const one = entity === 'departments' ? ('global' as const) : { by: SCOPED_AS[entity], param: key };
  /** A create, or a patch that moves it, must stay within the caller's scope (auth/scope.ts placementError). */
  const checkPlacement = async (req: FastifyRequest, body: unknown, creating: boolean) => {
    if (!placedBy || !body || typeof body !== 'object' || (!creating && !(placedBy in body))) return;
    const problem = await req.server.scopes.placementError(req.actor, placedBy, (body as Record<string, unknown>)[placedBy]);
    if (problem) throw invalid([problem]);
  };

  app.get(path, {
    config: { roles: READ_ROLES, scope: entity === 'departments' ? 'global' : 'filtered' },
    schema: { tags, summary: `List ${entity} with filters and paging`, querystring: QUERIES[entity], response: { 200: Page(desc.publicSchema), ...errors } },
  }, async (req) => {
    const q = req.query as ListFilter & { level?: string };
    const coverage = entity === 'departments' ? null : await req.server.scopes.covered(req.actor);
    return service.list(entity, { ...q, kind: q.kind ?? q.level, ...(coverage ? { inGrids: [...coverage] } : {}) });
  });

  app.get(`${path}/:${key}`, {
    config: { roles: READ_ROLES, scope: one },
    schema: { tags, summary: `Read one ${desc.label}`, params, response: { 200: desc.publicSchema, ...errors } },
  }, async (req, reply) => {
    const item = await service.get(entity, idOf(req));
    withEtag(reply, item);
    return item;
  });

  app.post(path, {
    config: { roles: WRITE_ROLES, scope: placedBy ? 'filtered' : 'global' },
    schema: { tags, summary: `Create a ${desc.label}`, body: desc.inputSchema, response: { 201: desc.publicSchema, ...errors } },
  }, async (req, reply) => {
    await checkPlacement(req, req.body, true);
    const { item, revealed } = await service.create(entity, req.body, req.actor!);
    withEtag(reply, item).code(201).header('location', `${path}/${encodeURIComponent(String(item[key]))}`);
    // A generated secret (an RTMP push key) is shown in this response only.
    return revealed ? { ...item, revealedOnce: revealed } : item;
  });

  app.patch(`${path}/:${key}`, {
    config: { roles: WRITE_ROLES, scope: one },
    schema: {
      tags, summary: `Change a ${desc.label} (JSON merge patch; If-Match: <version> to guard against lost updates)`,
      params, body: desc.patchSchema, response: { 200: desc.publicSchema, ...errors },
    },
  }, async (req, reply) => {
    await checkPlacement(req, req.body, false);
    const item = await service.update(entity, idOf(req), req.body, req.actor!, ifMatch(req));
    withEtag(reply, item);
    return item;
  });

  app.delete(`${path}/:${key}`, {
    config: { roles: WRITE_ROLES, scope: one },
    schema: { tags, summary: `Delete a ${desc.label}`, params, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    await service.remove(entity, idOf(req), req.actor!, ifMatch(req));
    return reply.code(204).send();
  });
}
