// The incident schema in PostgreSQL, mirroring sqlite/migrations.ts. Shares a
// database with the registry (device-registry/store/postgres/migrations.ts) and
// the cluster's leases, so every table is `incident…` and the schema version is
// its own (incident_schema_version). Append new migrations; never edit one that
// has shipped. JSON columns are `json`, not `jsonb`: kept as written (key
// order, \u0000) like SQLite's text, and never queried inside.
import type pg from 'pg';
import { migratePostgres, type PgMigration } from '../../../../device-registry/index.ts';
import { PG_ROLLUP_MIGRATION } from './rollup-migration.ts';

export const INCIDENT_PG_MIGRATIONS: PgMigration[] = [
  {
    version: 1,
    name: 'incidents, flow, events, codes, candidates, webhooks',
    sql: `
CREATE TABLE incidents (
  id            text PRIMARY KEY,
  code          text NOT NULL UNIQUE,
  type          text NOT NULL,
  category      text,
  severity      text NOT NULL,
  sev_rank      smallint NOT NULL,
  status        text NOT NULL,
  open          boolean NOT NULL,
  title         text,
  description   text,
  source_kind   text NOT NULL,
  source_id     text NOT NULL,
  dedupe_key    text NOT NULL,
  count         integer NOT NULL,
  first_seen    bigint NOT NULL,
  last_seen     bigint NOT NULL,
  lat           double precision,
  lng           double precision,
  grid_code     text,
  department_id text,
  assignee      text,
  dispatched_at bigint,
  sla_deadline  bigint,
  escalated     boolean NOT NULL DEFAULT false,
  claim_by      text,
  claim_until   bigint,
  evidence      json NOT NULL,
  cleared_at    bigint,
  rating        integer,
  version       integer NOT NULL,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL,
  closed_at     bigint
);
-- At most one open incident per dedupe key, across every node: the database enforces the dedupe rule.
CREATE UNIQUE INDEX incidents_open_dedupe ON incidents(dedupe_key) WHERE open;
CREATE INDEX incidents_queue ON incidents(open, sev_rank, sla_deadline, first_seen);
CREATE INDEX incidents_closed ON incidents(dedupe_key, closed_at);
CREATE INDEX incidents_grid ON incidents(grid_code);
CREATE INDEX incidents_first_seen ON incidents(first_seen);
CREATE INDEX incidents_source ON incidents(source_kind, source_id);

CREATE TABLE incident_flow (
  seq         bigserial PRIMARY KEY,
  incident_id text NOT NULL REFERENCES incidents(id),
  at          bigint NOT NULL,
  actor_id    text,
  actor_name  text NOT NULL,
  actor_role  text,
  action      text NOT NULL,
  from_status text,
  to_status   text,
  note        text,
  attachments json NOT NULL,
  data        json
);
CREATE INDEX incident_flow_incident ON incident_flow(incident_id, seq);
CREATE FUNCTION incident_flow_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the flow log is append-only'; END $$;
CREATE TRIGGER incident_flow_no_change BEFORE UPDATE OR DELETE ON incident_flow FOR EACH ROW EXECUTE FUNCTION incident_flow_append_only();
CREATE FUNCTION incidents_never_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'incidents are never deleted'; END $$;
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents FOR EACH ROW EXECUTE FUNCTION incidents_never_deleted();

CREATE TABLE incident_events (
  seq         bigserial PRIMARY KEY,
  at          bigint NOT NULL,
  type        text NOT NULL,
  incident_id text NOT NULL,
  payload     json NOT NULL
);
CREATE INDEX incident_events_at ON incident_events(at);

CREATE TABLE incident_codes (day text PRIMARY KEY, last integer NOT NULL);

-- Candidate ids already raised (at-least-once queues): a second raise with one changes nothing.
CREATE TABLE incident_candidates (
  candidate_id text PRIMARY KEY,
  incident_id  text,
  outcome      text NOT NULL,
  at           bigint NOT NULL
);
CREATE INDEX incident_candidates_at ON incident_candidates(at);

CREATE TABLE incident_webhooks (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  url        text NOT NULL,
  secret     text NOT NULL,
  filter     json NOT NULL,
  enabled    boolean NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE incident_deliveries (
  id          bigserial PRIMARY KEY,
  webhook_id  text NOT NULL,
  event_seq   bigint NOT NULL,
  event_type  text NOT NULL,
  body        text NOT NULL,
  status      text NOT NULL,
  attempts    integer NOT NULL,
  next_at     bigint NOT NULL,
  last_error  text,
  created_at  bigint NOT NULL,
  finished_at bigint
);
CREATE INDEX incident_deliveries_due ON incident_deliveries(status, next_at);
CREATE INDEX incident_deliveries_webhook ON incident_deliveries(webhook_id, status);
`,
  },
  {
    version: 2,
    name: 'event outbox: which events reached the cluster stream',
    sql: `
ALTER TABLE incident_events ADD COLUMN published boolean NOT NULL DEFAULT true;
ALTER TABLE incident_events ALTER COLUMN published SET DEFAULT false;
ALTER TABLE incident_events ADD COLUMN relay_at bigint;
CREATE INDEX incident_events_unpublished ON incident_events(seq) WHERE NOT published;
`,
  },
  {
    version: 3,
    name: 'the signed-in person behind a flow step',
    sql: 'ALTER TABLE incident_flow ADD COLUMN actor_user_id text;',
  },
  {
    version: 4,
    name: 'dashboard (研判) indexes: counts, SLA by department or cell and the feedback step read from the index alone',
    sql: `
CREATE INDEX incidents_stats ON incidents(first_seen, grid_code, type, severity, source_kind, status);
CREATE INDEX incidents_dispatched ON incidents(dispatched_at, grid_code, department_id, sla_deadline, id);
CREATE INDEX incident_flow_step ON incident_flow(incident_id, to_status, at);
`,
  },
  PG_ROLLUP_MIGRATION,
];

const MIGRATION_LOCK = 0x67_77_69_6e; // "gwin"

/** Brings the incident schema up to date (device-registry/store/postgres/pg-migrate.ts). */
export const migrateIncidents = (client: pg.ClientBase, migrations: readonly PgMigration[] = INCIDENT_PG_MIGRATIONS): Promise<number> =>
  migratePostgres(client, { what: 'incident', versionTable: 'incident_schema_version', lock: MIGRATION_LOCK, migrations });
