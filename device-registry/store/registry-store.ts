// The registry's storage contract. The embedded implementation is SQLite
// (sqlite/); PostgreSQL implements the same interface for scale-out. Every
// method that changes data writes its audit entries in the same transaction.
import type { Role } from '../schemas/common.ts';
import type { AccountStore } from './account-store.ts';

export type { AccountStore, EndSessions, SessionRow, ThrottleRow, UserRow } from './account-store.ts';

export type EntityName = 'channels' | 'sensors' | 'grids' | 'departments' | 'gbDevices';
export const ENTITY_NAMES: readonly EntityName[] = ['channels', 'sensors', 'grids', 'departments', 'gbDevices'];
/** Entities whose rooms report a runtime status (online/offline with a reason). */
export type StatusEntity = 'channels' | 'sensors' | 'gbDevices';

/** Columns the store indexes and constrains; the rest of the entity lives in `doc`. */
export interface IndexColumns {
  name: string;
  kind?: string | null;
  gridCode?: string | null;
  parentCode?: string | null;
  departmentId?: string | null;
  enabled?: boolean | null;
  /** A second unique key (an MQTT client id, a GB28181 channel) and the field it comes from. */
  altKey?: string | null;
}

export interface StatusRow {
  state: 'unknown' | 'starting' | 'online' | 'offline' | 'idle';
  reason?: string;
  since?: number;
}

export interface StoredRow {
  id: string;
  doc: Record<string, unknown>;
  secret: Record<string, unknown> | null;
  status: StatusRow;
  version: number;
  createdAt: number;
  updatedAt: number;
}

export type Change =
  | { op: 'insert'; entity: EntityName; id: string; columns: IndexColumns; doc: object; secret: object | null }
  | { op: 'update'; entity: EntityName; id: string; columns: IndexColumns; doc: object; secret: object | null; expectedVersion: number }
  | { op: 'delete'; entity: EntityName; id: string; expectedVersion: number };

export interface Actor {
  /** The API key behind the call (machines, scripts), or null. */
  keyId: string | null;
  /** The signed-in person behind the call (a session cookie or a URL token issued to one), or null. */
  userId?: string | null;
  name: string;
  role: Role | null;
  /** Grid codes the actor may see and act on, each with every cell below it; null or absent: everything. */
  scope?: readonly string[] | null;
}

export interface AuditInput {
  actor: Actor;
  action: 'create' | 'update' | 'delete' | 'revoke';
  entity: string;
  entityId: string;
  before: object | null;
  after: object | null;
}

export interface AuditRow extends AuditInput {
  seq: number;
  at: number;
}

export interface ListFilter {
  grid?: string;
  kind?: string;
  tag?: string;
  status?: string;
  enabled?: boolean;
  q?: string;
  parent?: string;
  /** Only rows in one of these cells (grids: whose code is one of them); the caller's scope, worked out (auth/scope.ts). */
  inGrids?: readonly string[];
  limit: number;
  offset: number;
}

export interface AuditFilter {
  entity?: string;
  entityId?: string;
  /** An API key id or a user id. */
  actor?: string;
  action?: string;
  from?: number;
  to?: number;
  limit: number;
  offset: number;
}

export interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  secretHash: string;
  createdAt: number;
  createdBy: string | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
  /** Grid codes the key may see and act on; null: everything. */
  scope: string[] | null;
}

/** A status write only lands while this node holds the channel's lease at this version (scale-out; see gateway/cluster). */
export interface StatusFence { nodeId: string; version: number }

export interface RegistryStore {
  get(entity: EntityName, id: string): Promise<StoredRow | undefined>;
  getMany(entity: EntityName, ids: string[]): Promise<Map<string, StoredRow>>;
  /** Ids among `altKeys` already taken, mapped to the id that holds each. */
  findAltKeys(entity: EntityName, altKeys: string[]): Promise<Map<string, string>>;
  list(entity: EntityName, filter: ListFilter): Promise<{ rows: StoredRow[]; total: number }>;
  /** Who points at this grid or department, counted per entity. */
  referencesTo(entity: 'grids' | 'departments', id: string): Promise<Partial<Record<EntityName, number>>>;
  /** Applies all changes and audit entries atomically, or none. */
  apply(changes: Change[], audit: AuditInput[]): Promise<void>;
  setStatus(entity: StatusEntity, id: string, status: StatusRow, fence?: StatusFence): Promise<boolean>;

  insertApiKey(key: ApiKeyRow, audit: AuditInput): Promise<void>;
  findApiKeyByHash(secretHash: string): Promise<ApiKeyRow | undefined>;
  listApiKeys(): Promise<ApiKeyRow[]>;
  revokeApiKey(id: string, at: number, audit: AuditInput): Promise<boolean>;
  touchApiKey(id: string, at: number): Promise<void>;
  countActiveAdminKeys(): Promise<number>;

  /** People, sessions and the sign-in throttle (account-store.ts). */
  readonly accounts: AccountStore;

  queryAudit(filter: AuditFilter): Promise<{ rows: AuditRow[]; total: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
