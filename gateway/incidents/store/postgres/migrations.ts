// The incident schema in PostgreSQL, mirroring sqlite/migrations.ts. Shares a
// database with the registry (device-registry/store/postgres/migrations.ts) and
// the cluster's leases, so every table is `incident…` and the schema version is
// its own (incident_schema_version). Append new migrations; never edit one that
// has shipped. JSON columns are `json`, not `jsonb`: kept as written (key
// order, \u0000) like SQLite's text, and never queried inside.
import type pg from 'pg';

export interface PgMigration {
  version: number;
  name: string;
  sql: string;
}

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
];

// Nodes starting at once race on the schema: the first takes this lock inside
// its migration transaction; the others wait, then find nothing left to do.
const MIGRATION_LOCK = 0x67_77_69_6e; // "gwin"

/**
 * Applies the pending migrations in one transaction holding a transaction-level
 * advisory lock (released by COMMIT or ROLLBACK, or when the connection dies);
 * refuses a database a newer release has migrated further. Returns the version.
 */
export async function migrateIncidents(client: pg.ClientBase, migrations: readonly PgMigration[] = INCIDENT_PG_MIGRATIONS): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS incident_schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)');
    const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM incident_schema_version');
    const current = rows[0]?.v ?? 0;
    const latest = migrations[migrations.length - 1]!.version;
    if (current > latest) {
      throw new Error(`the incident database is at schema version ${current}, newer than this gateway knows (${latest}); upgrade the gateway`);
    }
    for (const m of migrations.filter((m) => m.version > current)) {
      try {
        await client.query(m.sql);
      } catch (err) {
        throw new Error(`incident migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, { cause: err });
      }
      await client.query('INSERT INTO incident_schema_version (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, Date.now()]);
    }
    await client.query('COMMIT');
    return Math.max(current, latest);
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackErr) {
      throw new Error(`${(err as Error).message} (the rollback failed too: ${(rollbackErr as Error).message})`, { cause: err });
    }
    throw err;
  }
}
