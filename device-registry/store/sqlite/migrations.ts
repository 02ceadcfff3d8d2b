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
];
