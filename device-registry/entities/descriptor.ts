// What the registry service needs to know about one kind of entity. The
// service is generic; each entity file says how its input becomes a stored row
// (secrets split off), what it references and how it is shown.
import type { TSchema } from '@sinclair/typebox';
import type { FieldError } from '../errors.ts';
import type { EntityName, IndexColumns, StoredRow } from '../store/registry-store.ts';

export interface Prepared {
  doc: Record<string, unknown>;
  secret: Record<string, unknown> | null;
  columns: IndexColumns;
  /** Secrets generated on create that the caller sees this once (e.g. an RTMP push key). */
  revealed?: Record<string, string>;
  errors: FieldError[];
}

export interface Reference {
  field: string;
  entity: 'grids' | 'departments';
  id: string;
}

export type Lookup = (entity: EntityName, id: string) => Promise<StoredRow | undefined>;

export interface EntityDescriptor {
  entity: EntityName;
  /** Singular, for messages: "channel 'cam-1' does not exist". */
  label: string;
  idField: 'id' | 'code';
  idPrefix: string;
  /** The HTTP collection under /api when it is not the entity name. */
  path?: string;
  inputSchema: TSchema;
  patchSchema: TSchema;
  publicSchema: TSchema;
  /** The field that the altKey column is derived from, to name it in a conflict. */
  altKeyField?: string;
  /** Turns validated input into what is stored; `existing` is set on updates. */
  prepare(input: Record<string, unknown>, id: string, existing: StoredRow | undefined): Prepared;
  /** The input-shaped view of a stored row that a PATCH is merged into (with its id and reusable secrets). */
  toInput(row: StoredRow): Record<string, unknown>;
  toPublic(row: StoredRow): Record<string, unknown>;
  references(doc: Record<string, unknown>): Reference[];
  /** Checks that need other rows (a grid's parent level, cycles). */
  crossCheck?(doc: Record<string, unknown>, id: string, lookup: Lookup): Promise<FieldError[]>;
}

export const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The fields every public entity carries. */
export const meta = (row: StoredRow) => ({
  version: row.version,
  createdAt: iso(row.createdAt)!,
  updatedAt: iso(row.updatedAt)!,
});

export const publicStatus = (row: StoredRow) => ({
  state: row.status.state,
  ...(row.status.reason ? { reason: row.status.reason } : {}),
  ...(row.status.since ? { since: iso(row.status.since) } : {}),
});

/** Removes keys whose value is undefined, so stored JSON stays minimal. */
export const compact = <T extends Record<string, unknown>>(obj: T): T =>
  Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
