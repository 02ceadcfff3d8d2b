// Builds the WHERE clause for registry list filters. Every value is a bound
// parameter; LIKE wildcards in user text are escaped.
import type { EntityName, ListFilter } from '../registry-store.ts';

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function buildListWhere(entity: EntityName, filter: ListFilter): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.grid !== undefined) {
    // A grid filter includes every cell below it (street → its communities → their grids).
    const column = entity === 'grids' ? 'id' : 'grid_code';
    clauses.push(`${column} IN (
      WITH RECURSIVE sub(code) AS (SELECT ? UNION SELECT g.id FROM grids g JOIN sub ON g.parent_code = sub.code)
      SELECT code FROM sub)`);
    params.push(filter.grid);
  }
  if (filter.inGrids !== undefined) {
    // One bound JSON array however many cells a scope covers (SQLite limits bound values per statement).
    clauses.push(`${entity === 'grids' ? 'id' : 'grid_code'} IN (SELECT value FROM json_each(?))`);
    params.push(JSON.stringify(filter.inGrids));
  }
  if (filter.parent !== undefined) {
    clauses.push('parent_code = ?');
    params.push(filter.parent);
  }
  if (filter.kind !== undefined) {
    clauses.push('kind = ?');
    params.push(filter.kind);
  }
  if (filter.status !== undefined) {
    clauses.push('status = ?');
    params.push(filter.status);
  }
  if (filter.enabled !== undefined) {
    clauses.push('enabled = ?');
    params.push(filter.enabled ? 1 : 0);
  }
  if (filter.tag !== undefined) {
    clauses.push(`EXISTS (SELECT 1 FROM json_each(doc, '$.tags') t WHERE t.value = ?)`);
    params.push(filter.tag);
  }
  if (filter.q !== undefined && filter.q !== '') {
    const like = `%${escapeLike(filter.q)}%`;
    clauses.push(`(name LIKE ? ESCAPE '\\' OR id LIKE ? ESCAPE '\\')`);
    params.push(like, like);
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}
