// Versioned schema migrations, applied in order inside one transaction each.
// Append new migrations; never edit one that has shipped.

import type { Migration } from './migrate.ts';

// Every entity table has the same shape: indexed columns for filters and
// constraints, the entity itself as JSON in `doc`, and write-only secrets
// (password hash, RTSP password, push key) in `secret`, never read back by the API.
const entityTable = (name: string) => `
CREATE TABLE ${name} (
  id            TEXT PRIMARY KEY,
  name          TEXT NOT NULL,
  kind          TEXT,
  grid_code     TEXT REFERENCES grids(id) ON DELETE RESTRICT,
  parent_code   TEXT REFERENCES grids(id) ON DELETE RESTRICT,
  department_id TEXT REFERENCES departments(id) ON DELETE RESTRICT,
  enabled       INTEGER,
  alt_key       TEXT UNIQUE,
  status        TEXT NOT NULL DEFAULT 'unknown',
  status_reason TEXT,
  status_at     INTEGER,
  doc           TEXT NOT NULL,
  secret        TEXT,
  version       INTEGER NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
);
CREATE INDEX ${name}_grid ON ${name}(grid_code);
CREATE INDEX ${name}_parent ON ${name}(parent_code);
CREATE INDEX ${name}_department ON ${name}(department_id);
CREATE INDEX ${name}_kind ON ${name}(kind);
CREATE INDEX ${name}_status ON ${name}(status);
`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'registry entities, api keys, audit log',
    sql: `
${entityTable('departments')}
${entityTable('grids')}
${entityTable('channels')}
${entityTable('sensors')}

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  role         TEXT NOT NULL,
  secret_hash  TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL,
  created_by   TEXT,
  last_used_at INTEGER,
  revoked_at   INTEGER
);

CREATE TABLE audit (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  at         INTEGER NOT NULL,
  actor_id   TEXT,
  actor_name TEXT NOT NULL,
  actor_role TEXT,
  action     TEXT NOT NULL,
  entity     TEXT NOT NULL,
  entity_id  TEXT NOT NULL,
  before     TEXT,
  after      TEXT
);
CREATE INDEX audit_entity ON audit(entity, entity_id);
CREATE INDEX audit_at ON audit(at);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`,
  },
  {
    version: 2,
    name: 'GB28181 devices',
    sql: entityTable('gbDevices'),
  },
  {
    version: 3,
    name: 'users, sessions, sign-in throttle; the person on audit rows; API key scope',
    sql: `
CREATE TABLE users (
  id                   TEXT PRIMARY KEY,
  username             TEXT NOT NULL,
  username_key         TEXT NOT NULL UNIQUE,
  display_name         TEXT NOT NULL,
  role                 TEXT NOT NULL,
  department_id        TEXT REFERENCES departments(id) ON DELETE RESTRICT,
  scope                TEXT,
  source               TEXT NOT NULL,
  issuer               TEXT,
  subject              TEXT,
  password_hash        TEXT,
  must_change_password INTEGER NOT NULL,
  disabled             INTEGER NOT NULL,
  version              INTEGER NOT NULL,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL,
  last_sign_in_at      INTEGER,
  UNIQUE (issuer, subject)
);

CREATE TABLE sessions (
  id_hash      TEXT PRIMARY KEY,
  ref          TEXT NOT NULL UNIQUE,
  user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  address      TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE sign_in_throttle (
  key             TEXT PRIMARY KEY,
  failures        INTEGER NOT NULL,
  locked_until    INTEGER,
  last_failure_at INTEGER NOT NULL
);

ALTER TABLE audit ADD COLUMN actor_user_id TEXT;
CREATE INDEX audit_actor_user ON audit(actor_user_id);
ALTER TABLE api_keys ADD COLUMN scope TEXT;
`,
  },
  {
    version: 4,
    name: 'channel GB/T 28181 codes (gbCode) unique',
    // The 20-digit code a channel is shared upward under (gateway/gb28181/cascade); absent on most rows.
    sql: `CREATE UNIQUE INDEX channels_gb_code ON channels(json_extract(doc, '$.gbCode')) WHERE json_extract(doc, '$.gbCode') IS NOT NULL;`,
  },
];
