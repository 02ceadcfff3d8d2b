// Turns an uploaded file into rows: text (encoding.ts decodes the bytes) →
// CSV records, or JSON items.
import { parse } from 'csv-parse/sync';
import { GwError } from '../errors.ts';
import { COLUMNS, convertCell, setPath, type ImportableEntity } from './columns.ts';

export interface ParsedRow {
  /** Spreadsheet row number (the header is row 1) or JSON item number (from 1). */
  row: number;
  input: Record<string, unknown>;
}

export function parseCsv(text: string, entity: ImportableEntity): ParsedRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, { info: true, relax_column_count: false, skip_empty_lines: true, trim: true }) as unknown as typeof records;
  } catch (err) {
    const e = err as { message: string; lines?: number };
    throw new GwError('GW_ERR_BAD_CSV', `the CSV cannot be read: ${e.message}`, e.lines ? `row ${e.lines}` : 'body');
  }
  const [header, ...rows] = records;
  if (!header) throw new GwError('GW_ERR_BAD_CSV', 'the CSV is empty; the first row must name the columns', 'body');
  const known = new Map(COLUMNS[entity].map((c) => [c.path, c]));
  const columns = header.record.map((name) => {
    const column = known.get(name);
    if (!column) {
      throw new GwError('GW_ERR_BAD_CSV', `unknown column '${name}'; known columns: ${[...known.keys()].join(', ')}`, `header.${name}`);
    }
    return column;
  });
  return rows.map(({ record, info }) => {
    const input: Record<string, unknown> = {};
    record.forEach((cell, i) => {
      if (cell !== '') setPath(input, columns[i]!.path, convertCell(cell, columns[i]!.type));
    });
    return { row: info.lines, input };
  });
}

/** Rows from a JSON body: an array of entities, or {"items": [...]}. */
export function jsonRows(data: unknown): ParsedRow[] {
  const items = Array.isArray(data) ? data : (data as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) throw new GwError('GW_ERR_VALIDATION', 'expected a JSON array of entities, or {"items": [...]}', 'body');
  return items.map((input, i) => ({ row: i + 1, input: input as Record<string, unknown> }));
}
