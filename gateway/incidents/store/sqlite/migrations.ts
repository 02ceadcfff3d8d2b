// The incident database (SQLite): incidents, their append-only flow log, the
// event log that SSE clients resume from, daily code sequences, webhook
// deliveries and the candidate ids already raised. Append new migrations;
// never edit one that has shipped. postgres/migrations.ts mirrors these.
import type { Migration } from '../../../../device-registry/index.ts';
import { ROLLUP_MIGRATION } from './rollup-migration.ts';

export const INCIDENT_MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'incidents, flow, events, codes, webhooks',
    sql: `
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  category TEXT,
  severity TEXT NOT NULL,
  sev_rank INTEGER NOT NULL,
  status TEXT NOT NULL,
  open INTEGER NOT NULL,
  title TEXT,
  description TEXT,
  source_kind TEXT NOT NULL,
  source_id TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  count INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  lat REAL,
  lng REAL,
  grid_code TEXT,
  department_id TEXT,
  assignee TEXT,
  dispatched_at INTEGER,
  sla_deadline INTEGER,
  escalated INTEGER NOT NULL DEFAULT 0,
  claim_by TEXT,
  claim_until INTEGER,
  evidence TEXT NOT NULL,
  cleared_at INTEGER,
  rating INTEGER,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  closed_at INTEGER
);
-- At most one open incident per dedupe key: the database enforces the dedupe rule.
CREATE UNIQUE INDEX incidents_open_dedupe ON incidents(dedupe_key) WHERE open = 1;
CREATE INDEX incidents_queue ON incidents(open, sev_rank, sla_deadline, first_seen);
CREATE INDEX incidents_closed ON incidents(dedupe_key, closed_at);
CREATE INDEX incidents_grid ON incidents(grid_code);
CREATE INDEX incidents_first_seen ON incidents(first_seen);
CREATE INDEX incidents_source ON incidents(source_kind, source_id);

CREATE TABLE flow (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL REFERENCES incidents(id),
  at INTEGER NOT NULL,
  actor_id TEXT,
  actor_name TEXT NOT NULL,
  actor_role TEXT,
  action TEXT NOT NULL,
  from_status TEXT,
  to_status TEXT,
  note TEXT,
  attachments TEXT NOT NULL,
  data TEXT
);
CREATE INDEX flow_incident ON flow(incident_id, seq);
CREATE TRIGGER flow_no_update BEFORE UPDATE ON flow BEGIN SELECT RAISE(ABORT, 'the flow log is append-only'); END;
CREATE TRIGGER flow_no_delete BEFORE DELETE ON flow BEGIN SELECT RAISE(ABORT, 'the flow log is append-only'); END;
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents BEGIN SELECT RAISE(ABORT, 'incidents are never deleted'); END;

CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  type TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  payload TEXT NOT NULL
);
CREATE INDEX events_at ON events(at);

CREATE TABLE codes (day TEXT PRIMARY KEY, last INTEGER NOT NULL);

CREATE TABLE webhooks (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  filter TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  webhook_id TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  event_type TEXT NOT NULL,
  body TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries(status, next_at);
CREATE INDEX deliveries_webhook ON deliveries(webhook_id, status);
`,
  },
  {
    version: 2,
    name: 'candidate ids already raised (idempotent raise)',
    sql: `
CREATE TABLE raised_candidates (
  candidate_id TEXT PRIMARY KEY,
  incident_id TEXT,
  outcome TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX raised_candidates_at ON raised_candidates(at);
`,
  },
  {
    version: 3,
    name: 'the signed-in person behind a flow step',
    sql: 'ALTER TABLE flow ADD COLUMN actor_user_id TEXT;',
  },
  {
    version: 4,
    name: 'dashboard (研判) indexes: counts, SLA by department or cell and the feedback step read from the index alone',
    sql: `
CREATE INDEX incidents_stats ON incidents(first_seen, grid_code, type, severity, source_kind, status);
CREATE INDEX incidents_dispatched ON incidents(dispatched_at, grid_code, department_id, sla_deadline, id);
CREATE INDEX flow_step ON flow(incident_id, to_status, at);
`,
  },
  ROLLUP_MIGRATION,
];
