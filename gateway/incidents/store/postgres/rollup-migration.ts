// Migration 5 (PostgreSQL), mirroring sqlite/rollup-migration.ts: the first
// feedback time on the incident, incident_steps (one row per status step
// after the first) and incident_step_days (their sums per UTC day of
// first_seen, cell and status), kept by triggers in the writing transaction.
// The flow trigger is per statement over the inserted rows, so a bulk load is
// one pass. Concurrent steps of one day and cell meet on the rollup row's
// upsert; a transition holds its incident's row, so one incident's steps never race.
import type { PgMigration } from '../../../../device-registry/index.ts';

const DAY = 'first_seen / 86400000';

/** Recomputes the buckets of one (day, cell) from incident_steps. */
const rebuildBucket = (when: 'OLD' | 'NEW') => `
  DELETE FROM incident_step_days WHERE day = ${when}.${DAY} AND grid_key = COALESCE(${when}.grid_code, '');
  INSERT INTO incident_step_days (day, grid_key, to_status, steps, incidents, took_sum, took_max)
    SELECT ${DAY}, COALESCE(grid_code, ''), to_status, COUNT(*), COUNT(*) FILTER (WHERE NOT again), SUM(took_ms), MAX(took_ms) FROM incident_steps
    WHERE first_seen >= ${when}.${DAY} * 86400000 AND first_seen < (${when}.${DAY} + 1) * 86400000 AND COALESCE(grid_code, '') = COALESCE(${when}.grid_code, '')
    GROUP BY 1, 2, 3
    ON CONFLICT (day, grid_key, to_status) DO UPDATE SET steps = excluded.steps, incidents = excluded.incidents, took_sum = excluded.took_sum, took_max = excluded.took_max;`;

export const PG_ROLLUP_MIGRATION: PgMigration = {
  version: 5,
  name: 'dashboard (研判) rollups: first feedback time, status steps and their daily sums per cell, kept by triggers',
  sql: `
ALTER TABLE incidents ADD COLUMN feedback_at bigint;
UPDATE incidents i SET feedback_at = f.at FROM (SELECT incident_id, MIN(at) AS at FROM incident_flow WHERE to_status = 'feedback' GROUP BY incident_id) f
  WHERE i.id = f.incident_id;
DROP INDEX incidents_dispatched;
DROP INDEX incident_flow_step;
CREATE INDEX incidents_sla ON incidents(dispatched_at, grid_code, department_id, sla_deadline, feedback_at);

-- again: the incident had reached this status before (a reopen, a refused dispatch); the step still counts in the times.
CREATE TABLE incident_steps (
  seq         bigint PRIMARY KEY,
  incident_id text NOT NULL,
  to_status   text NOT NULL,
  took_ms     bigint NOT NULL,
  again       boolean NOT NULL,
  first_seen  bigint NOT NULL,
  grid_code   text
);
INSERT INTO incident_steps (seq, incident_id, to_status, took_ms, again, first_seen, grid_code)
  SELECT s.seq, s.incident_id, s.to_status, s.took, ROW_NUMBER() OVER (PARTITION BY s.incident_id, s.to_status ORDER BY s.seq) > 1, i.first_seen, i.grid_code
  FROM (SELECT seq, incident_id, to_status, at - LAG(at) OVER (PARTITION BY incident_id ORDER BY seq) AS took FROM incident_flow WHERE to_status IS NOT NULL) s
  JOIN incidents i ON i.id = s.incident_id WHERE s.took IS NOT NULL;
CREATE INDEX incident_steps_window ON incident_steps(first_seen, grid_code, to_status, took_ms, again);
CREATE INDEX incident_steps_incident ON incident_steps(incident_id, to_status);

-- grid_key: the cell, '' for none (a scope never holds '').
CREATE TABLE incident_step_days (
  day       bigint NOT NULL,
  grid_key  text NOT NULL,
  to_status text NOT NULL,
  steps     bigint NOT NULL,
  incidents bigint NOT NULL,
  took_sum  bigint NOT NULL,
  took_max  bigint NOT NULL,
  PRIMARY KEY (day, grid_key, to_status)
);
INSERT INTO incident_step_days (day, grid_key, to_status, steps, incidents, took_sum, took_max)
  SELECT ${DAY}, COALESCE(grid_code, ''), to_status, COUNT(*), COUNT(*) FILTER (WHERE NOT again), SUM(took_ms), MAX(took_ms) FROM incident_steps GROUP BY 1, 2, 3;

-- A status step: the time since the incident's previous status record (as LAG over the flow by seq gives).
CREATE FUNCTION incident_flow_steps() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  WITH steps AS (
    SELECT n.seq, n.incident_id, n.to_status, n.at - p.at AS took_ms,
      (ROW_NUMBER() OVER (PARTITION BY n.incident_id, n.to_status ORDER BY n.seq) > 1
        OR EXISTS (SELECT 1 FROM incident_steps s WHERE s.incident_id = n.incident_id AND s.to_status = n.to_status)) AS again,
      i.first_seen, i.grid_code
    FROM new_flow n
    JOIN incidents i ON i.id = n.incident_id
    CROSS JOIN LATERAL (SELECT f.at FROM incident_flow f WHERE f.incident_id = n.incident_id AND f.to_status IS NOT NULL AND f.seq < n.seq
      ORDER BY f.seq DESC LIMIT 1) p
    WHERE n.to_status IS NOT NULL
  ), added AS (
    INSERT INTO incident_steps (seq, incident_id, to_status, took_ms, again, first_seen, grid_code)
      SELECT seq, incident_id, to_status, took_ms, again, first_seen, grid_code FROM steps RETURNING *
  )
  INSERT INTO incident_step_days (day, grid_key, to_status, steps, incidents, took_sum, took_max)
    SELECT ${DAY}, COALESCE(grid_code, ''), to_status, COUNT(*), COUNT(*) FILTER (WHERE NOT again), SUM(took_ms), MAX(took_ms) FROM added GROUP BY 1, 2, 3
    ON CONFLICT (day, grid_key, to_status) DO UPDATE SET steps = incident_step_days.steps + excluded.steps,
      incidents = incident_step_days.incidents + excluded.incidents, took_sum = incident_step_days.took_sum + excluded.took_sum,
      took_max = GREATEST(incident_step_days.took_max, excluded.took_max);
  UPDATE incidents i SET feedback_at = f.at FROM (SELECT incident_id, MIN(at) AS at FROM new_flow WHERE to_status = 'feedback' GROUP BY incident_id) f
    WHERE i.id = f.incident_id AND (i.feedback_at IS NULL OR i.feedback_at > f.at);
  RETURN NULL;
END $$;
CREATE TRIGGER incident_flow_steps AFTER INSERT ON incident_flow REFERENCING NEW TABLE AS new_flow FOR EACH STATEMENT EXECUTE FUNCTION incident_flow_steps();

-- Nothing moves an incident to another cell or time today; should anything, its steps follow it.
CREATE FUNCTION incident_steps_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE incident_steps SET grid_code = NEW.grid_code, first_seen = NEW.first_seen WHERE incident_id = NEW.id;
  ${rebuildBucket('OLD')}
  ${rebuildBucket('NEW')}
  RETURN NULL;
END $$;
CREATE TRIGGER incidents_steps_moved AFTER UPDATE OF grid_code, first_seen ON incidents FOR EACH ROW
  WHEN (OLD.grid_code IS DISTINCT FROM NEW.grid_code OR OLD.first_seen <> NEW.first_seen) EXECUTE FUNCTION incident_steps_moved();
`,
};
