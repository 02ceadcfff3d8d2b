// Bulk import and export of channels and sensors, as CSV or JSON.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { inCoverage } from '../auth/scope.ts';
import { coded, GwError, type FieldError } from '../errors.ts';
import { IMPORTABLE, type ImportableEntity } from '../import/columns.ts';
import { toCsv, toImportJson } from '../import/export.ts';
import { decodeCsv } from '../import/encoding.ts';
import { jsonRows, parseCsv } from '../import/parse.ts';
import { runImport } from '../import/run-import.ts';
import { say } from '../messages.ts';
import { ErrorBody } from '../schemas/common.ts';
import type { RegistryService } from '../service/registry-service.ts';
import type { StoredRow } from '../store/registry-store.ts';
import { WRITE_ROLES } from './roles.ts';

const IMPORT_BODY_LIMIT = 16 * 1024 * 1024;
const Entity = Type.Union(IMPORTABLE.map((e) => Type.Literal(e)));

const ImportQuery = Type.Object(
  {
    entity: Entity,
    dryRun: Type.Boolean({ default: false, description: 'Check and report; write nothing' }),
    mode: Type.Union([Type.Literal('all'), Type.Literal('valid')], {
      default: 'all', description: 'all: one bad row and nothing is written; valid: write the good rows, report the bad',
    }),
    onConflict: Type.Union([Type.Literal('fail'), Type.Literal('update')], { default: 'fail' }),
  },
  { additionalProperties: false },
);

/** A row's problem: the English `message`, and its code and params in the message catalogue for clients that say it in their language. */
const RowError = Type.Object({
  field: Type.String(), message: Type.String(),
  code: Type.Optional(Type.String()), params: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
});

const ImportReport = Type.Object({
  // A refused import (422) also says why, coded (import_rejected).
  code: Type.Optional(Type.String()), message: Type.Optional(Type.String()),
  messageCode: Type.Optional(Type.String()), messageParams: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number()]))),
  entity: Entity, dryRun: Type.Boolean(), mode: Type.String(), total: Type.Integer(), valid: Type.Integer(), invalid: Type.Integer(),
  written: Type.Integer(), problems: Type.Array(Type.String()),
  encoding: Type.Optional(Type.Object({
    charset: Type.String(),
    detected: Type.Optional(Type.String({ description: 'Why the file was read in another charset than the request said' })),
    detectedCode: Type.Optional(Type.String({ description: "`detected`'s code in the message catalogue (csv_read_as_gb18030)" })),
  })),
  rows: Type.Array(Type.Object({ row: Type.Integer(), id: Type.String(), action: Type.String(), errors: Type.Optional(Type.Array(RowError)) })),
});

const charsetOf = (contentType: string | undefined) => /charset=([^;]+)/i.exec(contentType ?? '')?.[1]?.trim().replace(/"/g, '');

export function importRoutes(app: FastifyInstance, service: RegistryService): void {
  // CSV arrives as raw bytes: the charset decides how to read it.
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'buffer', bodyLimit: IMPORT_BODY_LIMIT }, (_req, body, done) => done(null, body));

  app.post('/api/import', {
    config: { roles: WRITE_ROLES, scope: 'filtered' },
    bodyLimit: IMPORT_BODY_LIMIT,
    schema: {
      tags: ['import'],
      summary: 'Bulk import channels or sensors from CSV (text/csv; charset=utf-8 or gb18030) or JSON, with a per-row report',
      querystring: ImportQuery,
      response: { 200: ImportReport, 422: ImportReport, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 413: ErrorBody, 415: ErrorBody },
    },
  }, async (req, reply) => {
    const q = req.query as { entity: ImportableEntity; dryRun: boolean; mode: 'all' | 'valid'; onConflict: 'fail' | 'update' };
    const type = req.headers['content-type'] ?? '';
    let rows;
    let encoding: { charset: string; detected?: string; detectedCode?: string } | undefined;
    if (/^(text|application)\/csv/i.test(type)) {
      const decoded = decodeCsv(req.body as Buffer, charsetOf(type));
      encoding = { charset: decoded.charset, ...(decoded.detected ? { detected: decoded.detected, detectedCode: decoded.detectedCode } : {}) };
      rows = parseCsv(decoded.text, q.entity);
    } else if (/^application\/json/i.test(type)) rows = jsonRows(req.body);
    else throw new GwError('GW_ERR_UNSUPPORTED_MEDIA_TYPE', 'send text/csv or application/json', 'content-type');
    // A scoped caller imports into their own cells, and updates only what is in them (an existing id outside is as taken).
    const scopes = app.scopes;
    const rowCheck = async (input: Record<string, unknown>, existing: StoredRow | undefined): Promise<FieldError[]> => {
      if (existing && (await scopes.check(req.actor, q.entity, existing.id)) === 'out') return [{ field: 'id', ...say('import_exists') }];
      const problem = await scopes.placementError(req.actor, 'gridCode', input.gridCode);
      return problem ? [problem] : [];
    };
    const report = { ...(await runImport(service, q.entity, rows, { ...q, rowCheck }, req.actor!)), ...(encoding ? { encoding } : {}) };
    const rejected = !q.dryRun && q.mode === 'all' && report.invalid > 0;
    req.log.info({ entity: q.entity, total: report.total, invalid: report.invalid, written: report.written, dryRun: q.dryRun }, 'import');
    return reply.code(rejected ? 422 : 200).send(rejected ? { ...coded('GW_ERR_IMPORT_REJECTED', say('import_rejected', { invalid: report.invalid, total: report.total })).toBody(), ...report } : report);
  });

  app.get('/api/export', {
    config: { roles: WRITE_ROLES, scope: 'filtered' },
    schema: {
      tags: ['import'], summary: 'Export channels or sensors in the import formats (secrets left blank)',
      querystring: Type.Object({ entity: Entity, format: Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv' }) }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    const { entity, format } = req.query as { entity: ImportableEntity; format: 'csv' | 'json' };
    const desc = service.descriptor(entity);
    const items: Record<string, unknown>[] = [];
    const coverage = await app.scopes.covered(req.actor);
    for await (const row of service.all(entity)) if (inCoverage(coverage, row.doc.gridCode as string | undefined)) items.push(desc.toPublic(row));
    const file = `${entity}-${new Date().toISOString().slice(0, 10)}.${format}`;
    reply.header('content-disposition', `attachment; filename="${file}"`);
    if (format === 'json') return reply.type('application/json; charset=utf-8').send(JSON.stringify(toImportJson(items), null, 2));
    return reply.type('text/csv; charset=utf-8').send(`\uFEFF${toCsv(entity, items)}`); // BOM so Excel reads UTF-8
  });
}
