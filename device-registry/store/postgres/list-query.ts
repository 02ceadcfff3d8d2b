// The registry's list filters as a PostgreSQL WHERE clause, the same filters
// sqlite/list-query.ts builds for SQLite.
import type { EntityName, ListFilter } from '../registry-store.ts';

/** Collects bound values and hands out their $n placeholders. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The WHERE clause for list filters, as sqlite/list-query.ts builds it. */
export function listWhere(entity: EntityName, filter: ListFilter, p: Params): string {
  const clauses: string[] = [];
  if (filter.grid !== undefined) {
    // A grid filter includes every cell below it (street → its communities → their grids).
    const column = entity === 'grids' ? 'id' : 'grid_code';
    clauses.push(`${column} IN (
      WITH RECURSIVE sub(code) AS (SELECT ${p.add(filter.grid)}::text UNION SELECT g.id FROM grids g JOIN sub ON g.parent_code = sub.code)
      SELECT code FROM sub)`);
  }
  if (filter.inGrids !== undefined) clauses.push(`${entity === 'grids' ? 'id' : 'grid_code'} = ANY(${p.add([...filter.inGrids])}::text[])`);
  if (filter.parent !== undefined) clauses.push(`parent_code = ${p.add(filter.parent)}`);
  if (filter.kind !== undefined) clauses.push(`kind = ${p.add(filter.kind)}`);
  if (filter.status !== undefined) clauses.push(`status = ${p.add(filter.status)}`);
  if (filter.enabled !== undefined) clauses.push(`enabled = ${p.add(filter.enabled)}`);
  // SQLite's json_each(doc, '$.tags') matches an array element or a lone string; jsonb @> does both.
  if (filter.tag !== undefined) clauses.push(`doc->'tags' @> to_jsonb(${p.add(filter.tag)}::text)`);
  if (filter.q !== undefined && filter.q !== '') {
    // ILIKE: SQLite's LIKE ignores case too.
    const like = p.add(`%${escapeLike(filter.q)}%`);
    clauses.push(`(name ILIKE ${like} ESCAPE '\\' OR id ILIKE ${like} ESCAPE '\\')`);
  }
  return clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
}
