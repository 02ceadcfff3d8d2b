// The registry schema in PostgreSQL, mirroring sqlite/migrations.ts: the same
// tables, indexes, unique keys and ON DELETE RESTRICT references. Append new
// migrations; never edit one that has shipped.
import type pg from 'pg';
import type { EntityName } from '../registry-store.ts';
import { migratePostgres, type PgMigration } from './pg-migrate.ts';

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
  {
    version: 4,
    name: 'users, sessions, sign-in throttle; the person on audit rows; API key scope',
    sql: `
CREATE TABLE users (
  id                   text PRIMARY KEY,
  username             text NOT NULL,
  username_key         text NOT NULL UNIQUE,
  display_name         text NOT NULL,
  role                 text NOT NULL,
  department_id        text REFERENCES departments(id) ON DELETE RESTRICT,
  scope                jsonb,
  source               text NOT NULL,
  issuer               text,
  subject              text,
  password_hash        text,
  must_change_password boolean NOT NULL,
  disabled             boolean NOT NULL,
  version              integer NOT NULL,
  created_at           bigint NOT NULL,
  updated_at           bigint NOT NULL,
  last_sign_in_at      bigint,
  UNIQUE (issuer, subject)
);

CREATE TABLE sessions (
  id_hash      text PRIMARY KEY,
  ref          text NOT NULL UNIQUE,
  user_id      text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token   text NOT NULL,
  created_at   bigint NOT NULL,
  last_seen_at bigint NOT NULL,
  expires_at   bigint NOT NULL,
  address      text
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE sign_in_throttle (
  key             text PRIMARY KEY,
  failures        integer NOT NULL,
  locked_until    bigint,
  last_failure_at bigint NOT NULL
);

ALTER TABLE audit ADD COLUMN actor_user_id text;
CREATE INDEX audit_actor_user ON audit(actor_user_id);
ALTER TABLE api_keys ADD COLUMN scope jsonb;
`,
  },
  {
    version: 5,
    name: 'channel GB/T 28181 codes (gbCode) unique',
    sql: `CREATE UNIQUE INDEX channels_gb_code ON channels ((doc->>'gbCode')) WHERE doc->>'gbCode' IS NOT NULL;`,
  },
];

const MIGRATION_LOCK = 0x67_77_72_67; // "gwrg"

/** Brings the registry schema up to date (see pg-migrate.ts). */
export const migrate = (client: pg.ClientBase, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number> =>
  migratePostgres(client, { what: 'registry', versionTable: 'schema_version', lock: MIGRATION_LOCK, migrations });
