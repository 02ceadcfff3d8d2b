// The registry schema in PostgreSQL, mirroring sqlite/migrations.ts: the same
// tables, indexes, unique keys and ON DELETE RESTRICT references. Append new
// migrations; never edit one that has shipped.
import type pg from 'pg';
import type { EntityName } from '../registry-store.ts';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

/** Entity → table. PostgreSQL folds unquoted names to lower case, so gbDevices gets a snake_case table. */
export const PG_TABLES: Readonly<Record<EntityName, string>> = {
  channels: 'channels',
  sensors: 'sensors',
  grids: 'grids',
  departments: 'departments',
  gbDevices: 'gb_devices',
};

// Same shape as the SQLite tables: indexed columns for filters and constraints,
// the entity as jsonb in `doc`, write-only secrets in `secret`, times in epoch ms.
// alt_key is unique per table, i.e. per entity.
const entityTable = (name: string) => `
CREATE TABLE ${name} (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  kind          text,
  grid_code     text,
  parent_code   text,
  department_id text,
  enabled       boolean,
  alt_key       text UNIQUE,
  status        text NOT NULL DEFAULT 'unknown',
  status_reason text,
  status_at     bigint,
  doc           jsonb NOT NULL,
  secret        jsonb,
  version       integer NOT NULL,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL
);
CREATE INDEX ${name}_grid ON ${name}(grid_code);
CREATE INDEX ${name}_parent ON ${name}(parent_code);
CREATE INDEX ${name}_department ON ${name}(department_id);
CREATE INDEX ${name}_kind ON ${name}(kind);
CREATE INDEX ${name}_status ON ${name}(status);
`;

// Added after all tables exist: grids and departments reference each other.
const entityReferences = (name: string) => `
ALTER TABLE ${name}
  ADD FOREIGN KEY (grid_code) REFERENCES grids(id) ON DELETE RESTRICT,
  ADD FOREIGN KEY (parent_code) REFERENCES grids(id) ON DELETE RESTRICT,
  ADD FOREIGN KEY (department_id) REFERENCES departments(id) ON DELETE RESTRICT;
`;

export const PG_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'registry entities, api keys, audit log',
    sql: `
${entityTable('departments')}
${entityTable('grids')}
${entityTable('channels')}
${entityTable('sensors')}
${['departments', 'grids', 'channels', 'sensors'].map(entityReferences).join('')}

CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  name         text NOT NULL,
  role         text NOT NULL,
  secret_hash  text NOT NULL UNIQUE,
  created_at   bigint NOT NULL,
  created_by   text,
  last_used_at bigint,
  revoked_at   bigint
);

CREATE TABLE audit (
  seq        bigserial PRIMARY KEY,
  at         bigint NOT NULL,
  actor_id   text,
  actor_name text NOT NULL,
  actor_role text,
  action     text NOT NULL,
  entity     text NOT NULL,
  entity_id  text NOT NULL,
  before     jsonb,
  after      jsonb
);
CREATE INDEX audit_entity ON audit(entity, entity_id);
CREATE INDEX audit_at ON audit(at);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit FOR EACH ROW EXECUTE FUNCTION audit_append_only();
`,
  },
  {
    version: 2,
    name: 'GB28181 devices',
    sql: entityTable('gb_devices') + entityReferences('gb_devices'),
  },
  {
    version: 3,
    name: 'channel leases (owned by the cluster module; created here so fenced status writes always compile)',
    sql: `
CREATE TABLE IF NOT EXISTS channel_leases (
  channel_id text PRIMARY KEY,
  node_id    text NOT NULL,
  version    bigint NOT NULL,
  expires_at bigint NOT NULL
);
`,
  },
];

// Gateway nodes that start at once race on the schema: one holds this lock and
// migrates, the others wait for it and then find nothing left to do.
const MIGRATION_LOCK = 0x67_77_72_67; // "gwrg"

/**
 * Applies pending migrations, each in its own transaction, on one connection
 * holding the advisory lock; refuses a database a newer release has migrated
 * further. Returns the schema version the database is at afterwards.
 */
export async function migrate(client: pg.ClientBase, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
    const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_version');
    const current = rows[0]?.v ?? 0;
    const latest = migrations[migrations.length - 1]!.version;
    if (current > latest) {
      throw new Error(`the registry database is at schema version ${current}, newer than this gateway knows (${latest}); upgrade the gateway`);
    }
    for (const m of migrations.filter((m) => m.version > current)) {
      await client.query('BEGIN');
      try {
        await client.query(m.sql);
        await client.query('INSERT INTO schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`registry migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
    }
    return Math.max(current, latest);
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
