// The WHERE clause of an incident list, for either engine: `bind` adds a value
// and returns its placeholder (`?` or `$n`); `truth` is how the engine stores
// a boolean; `like` is its case-insensitive LIKE.
import type { IncidentFilter } from './types.ts';

export interface Dialect {
  bind(value: unknown): string;
  truth(value: boolean): unknown;
  like: 'LIKE' | 'ILIKE';
}

/** The key the statistics give incidents with no department (or cell). */
export const NONE = '(none)';

/** The steps' own copy of first_seen bounds the sub-select, so it reads the window's steps only. */
const stepWindow = (f: IncidentFilter, d: Dialect) =>
  f.sla ? '' : `${f.from === undefined ? '' : ` AND first_seen >= ${d.bind(f.from)}`}${f.to === undefined ? '' : ` AND first_seen < ${d.bind(f.to)}`}`;

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export function listWhere(f: IncidentFilter, d: Dialect): string {
  const where: string[] = [];
  const list = (values: readonly unknown[]) => values.map((v) => d.bind(v)).join(', ');
  if (f.status?.length) where.push(`status IN (${list(f.status)})`);
  if (f.open !== undefined) where.push(`open = ${d.bind(d.truth(f.open))}`);
  if (f.type) where.push(`type = ${d.bind(f.type)}`);
  if (f.severity) where.push(`severity = ${d.bind(f.severity)}`);
  if (f.grid?.length) where.push(`grid_code IN (${list(f.grid)})`);
  if (f.sourceKind) where.push(`source_kind = ${d.bind(f.sourceKind)}`);
  if (f.sourceId) where.push(`source_id = ${d.bind(f.sourceId)}`);
  if (f.departmentId) where.push(`department_id = ${d.bind(f.departmentId)}`);
  if (f.department !== undefined) where.push(f.department === NONE ? 'department_id IS NULL' : `department_id = ${d.bind(f.department)}`);
  // The SLA figures count by dispatch time; every other figure by first report.
  const time = f.sla ? 'dispatched_at' : 'first_seen';
  if (f.sla) where.push('dispatched_at IS NOT NULL');
  if (f.sla === 'breached') where.push(`COALESCE(feedback_at, ${d.bind(f.now ?? Date.now())}) > sla_deadline`);
  if (f.from !== undefined) where.push(`${time} >= ${d.bind(f.from)}`);
  if (f.to !== undefined) where.push(`${time} < ${d.bind(f.to)}`);
  if (f.reached) where.push(`id IN (SELECT incident_id FROM incident_steps WHERE to_status = ${d.bind(f.reached)} AND again = ${d.bind(d.truth(false))}${stepWindow(f, d)})`);
  if (f.q) {
    const pattern = `%${escapeLike(f.q)}%`;
    where.push(`(code ${d.like} ${d.bind(pattern)} ESCAPE '\\' OR title ${d.like} ${d.bind(pattern)} ESCAPE '\\')`);
  }
  return where.length ? `WHERE ${where.join(' AND ')}` : '';
}
