// Export in the import formats, so an export can be edited and imported back.
// Secrets are never exported: their columns stay blank.
import { stringify } from 'csv-stringify/sync';
import { COLUMNS, getPath, type ImportableEntity } from './columns.ts';

const FIELDS_NOT_IMPORTED = ['status', 'version', 'createdAt', 'updatedAt'];

function cell(value: unknown, type: string): string {
  if (value === undefined || value === null) return '';
  if (type === 'list') return (value as string[]).join(';');
  if (type === 'json') return Object.keys(value as object).length ? JSON.stringify(value) : '';
  return String(value);
}

export function toCsv(entity: ImportableEntity, items: Record<string, unknown>[]): string {
  const columns = COLUMNS[entity];
  const rows = items.map((item) => columns.map((c) => (c.secret ? '' : cell(getPath(item, c.path), c.type))));
  return stringify([columns.map((c) => c.path), ...rows]);
}

/** The importable form of public entities: runtime fields and secret flags removed. */
export function toImportJson(items: Record<string, unknown>[]): Record<string, unknown>[] {
  return items.map((item) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) if (!FIELDS_NOT_IMPORTED.includes(k)) out[k] = v;
    if (out.source) {
      const { credentialsSet: _c, ...source } = out.source as Record<string, unknown>;
      out.source = source;
    }
    if (out.subSource) {
      const { credentialsSet: _c, ...subSource } = out.subSource as Record<string, unknown>;
      out.subSource = subSource;
    }
    if (out.mqtt) {
      const { passwordSet: _p, ...mqtt } = out.mqtt as Record<string, unknown>;
      out.mqtt = mqtt;
    }
    return out;
  });
}
