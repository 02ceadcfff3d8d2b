// Bulk import: every row is checked and reported; then, as the caller chose,
// nothing (dry run), all rows or none (mode=all), or the valid rows (mode=valid)
// are written in one transaction.
import type { FieldError } from '../errors.ts';
import { say } from '../messages.ts';
import type { Evaluated, RegistryService } from '../service/registry-service.ts';
import { mergePatch } from '../service/merge-patch.ts';
import type { Actor, StoredRow } from '../store/registry-store.ts';
import type { ImportableEntity } from './columns.ts';
import type { ParsedRow } from './parse.ts';

export interface ImportOptions {
  dryRun: boolean;
  /** all: any bad row and nothing is written. valid: the good rows are written, the bad reported. */
  mode: 'all' | 'valid';
  /** fail: an existing id is an error. update: the row updates it (blank cells keep their values). */
  onConflict: 'fail' | 'update';
  /** More problems with a row from its caller (one whose scope it leaves: auth/scope.ts). */
  rowCheck?: (input: Record<string, unknown>, existing: StoredRow | undefined) => Promise<FieldError[]>;
}

export interface RowReport {
  row: number;
  id: string;
  action: 'create' | 'update' | 'error';
  errors?: FieldError[];
}

export interface ImportReport {
  entity: ImportableEntity;
  dryRun: boolean;
  mode: ImportOptions['mode'];
  total: number;
  valid: number;
  invalid: number;
  written: number;
  rows: RowReport[];
  /** One line per problem, e.g. "row 17: source.url: not an rtsp:// URL". */
  problems: string[];
}

export async function runImport(
  service: RegistryService, entity: ImportableEntity, rows: ParsedRow[], options: ImportOptions, actor: Actor,
): Promise<ImportReport> {
  const desc = service.descriptor(entity);
  const lookup = service.cachedLookup();
  const givenIds = rows.map((r) => r.input?.[desc.idField]).filter((id): id is string => typeof id === 'string');
  const existingRows = await service.store.getMany(entity, givenIds);
  const firstRowOf = new Map<string, number>();
  const altKeyRow = new Map<string, number>();
  const reports: RowReport[] = [];
  const good: Array<{ evaluated: Evaluated; existing?: StoredRow }> = [];

  // Other rooms' rows first (an ONVIF camera read into an RTSP channel); a row they fail is reported with the rest.
  const resolved = await service.resolveImportRows(entity, rows.map((r) => r.input));
  for (const [i, { row }] of rows.entries()) {
    const { input, errors: resolveErrors } = resolved[i]!;
    const id = typeof input?.[desc.idField] === 'string' ? (input[desc.idField] as string) : undefined;
    const existing = id ? existingRows.get(id) : undefined;
    if (resolveErrors.length) {
      reports.push({ row, id: id ?? '', action: 'error', errors: resolveErrors });
      if (id && !firstRowOf.has(id)) firstRowOf.set(id, row);
      continue;
    }
    const errors: FieldError[] = [];
    if (id && firstRowOf.has(id)) errors.push({ field: desc.idField, ...say('import_duplicate_row', { row: firstRowOf.get(id)! }) });
    if (existing && options.onConflict === 'fail') errors.push({ field: desc.idField, ...say('import_exists') });
    if (id && !firstRowOf.has(id)) firstRowOf.set(id, row);

    // An update keeps what the row leaves blank, including stored secrets.
    const { [desc.idField]: _id, ...fields } = input ?? {};
    const candidate = existing && options.onConflict === 'update' ? mergePatch(desc.toInput(existing), fields) : input;
    const evaluated = await service.evaluate(entity, candidate, existing && options.onConflict === 'update' ? existing : undefined, lookup);
    errors.push(...evaluated.errors);
    // One message per field: a cell already reported as missing is not reported again as out of scope.
    if (options.rowCheck && input) errors.push(...(await options.rowCheck((candidate ?? input) as Record<string, unknown>, existing)).filter((x) => !errors.some((e) => e.field === x.field)));
    const altKey = evaluated.prepared?.columns.altKey;
    if (altKey && errors.length === 0) {
      if (altKeyRow.has(altKey)) errors.push({ field: desc.altKeyField ?? 'id', ...say('import_same_as_row', { row: altKeyRow.get(altKey)! }) });
      else altKeyRow.set(altKey, row);
    }
    if (errors.length) {
      reports.push({ row, id: id ?? evaluated.id, action: 'error', errors });
    } else {
      reports.push({ row, id: evaluated.id, action: existing ? 'update' : 'create' });
      good.push({ evaluated, existing: options.onConflict === 'update' ? existing : undefined });
    }
  }

  const invalid = reports.filter((r) => r.action === 'error').length;
  const write = !options.dryRun && good.length > 0 && (options.mode === 'valid' || invalid === 0);
  if (write) await service.commitImport(entity, good, actor);
  return {
    entity,
    dryRun: options.dryRun,
    mode: options.mode,
    total: rows.length,
    valid: good.length,
    invalid,
    written: write ? good.length : 0,
    rows: reports,
    problems: reports.flatMap((r) => (r.errors ?? []).map((e) => `row ${r.row}: ${e.field}: ${e.message}`)),
  };
}
