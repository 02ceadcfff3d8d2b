// Migration 5 (SQLite): what keeps the dashboard (研判) fast over millions of
// incidents, each kept by triggers in the same transaction as the write, so no
// write path (the door, a transition, a cluster node, a bulk load) can forget it:
// - incidents.feedback_at, the first 反馈 feedback (the SLA's "fed back late");
// - incident_steps, one row per status step after the first (what
//   /api/stats/durations averages), with the incident's first_seen and cell;
// - incident_step_days, those steps summed per UTC day of first_seen, cell and status.
// The statistics read whole days from the rollup and the edges of a window
// from incident_steps (sqlite-stats.ts). Existing rows are rebuilt here.
import type { Migration } from '../../../../device-registry/index.ts';

/** SQL for the day bucket of an epoch-ms column (UTC days; first_seen is never negative). */
const day = (column: string) => `${column} / 86400000`;

/** Recomputes the day buckets of one (day, cell) from incident_steps (a step's incident moved to another cell or time). */
const rebuildBucket = (when: 'OLD' | 'NEW') => `
  DELETE FROM incident_step_days WHERE day = ${day(`${when}.first_seen`)} AND grid_key = COALESCE(${when}.grid_code, '');
  INSERT INTO incident_step_days (day, grid_key, to_status, steps, incidents, took_sum, took_max)
    SELECT ${day('first_seen')}, COALESCE(grid_code, ''), to_status, COUNT(*), SUM(1 - again), SUM(took_ms), MAX(took_ms) FROM incident_steps
    WHERE first_seen >= ${day(`${when}.first_seen`)} * 86400000 AND first_seen < (${day(`${when}.first_seen`)} + 1) * 86400000
      AND COALESCE(grid_code, '') = COALESCE(${when}.grid_code, '')
    GROUP BY 1, 2, 3;`;

export const ROLLUP_MIGRATION: Migration = {
  version: 5,
  name: 'dashboard (研判) rollups: first feedback time, status steps and their daily sums per cell, kept by triggers',
  sql: `
ALTER TABLE incidents ADD COLUMN feedback_at INTEGER;
UPDATE incidents SET feedback_at = (SELECT MIN(f.at) FROM flow f WHERE f.incident_id = incidents.id AND f.to_status = 'feedback')
  WHERE id IN (SELECT incident_id FROM flow WHERE to_status = 'feedback');
DROP INDEX incidents_dispatched;
DROP INDEX flow_step;
CREATE INDEX incidents_sla ON incidents(dispatched_at, grid_code, department_id, sla_deadline, feedback_at);
-- The SLA per cell or department, one stretch of the index per key (sqlite-stats.ts): no sort of the window's rows.
CREATE INDEX incidents_sla_grid ON incidents(grid_code, dispatched_at, sla_deadline, feedback_at) WHERE dispatched_at IS NOT NULL;
CREATE INDEX incidents_sla_department ON incidents(department_id, dispatched_at, grid_code, sla_deadline, feedback_at) WHERE dispatched_at IS NOT NULL;

-- again: 1 when the incident had reached this status before (a reopen, a refused dispatch); the step still counts in the times.
CREATE TABLE incident_steps (
  seq INTEGER PRIMARY KEY,
  incident_id TEXT NOT NULL,
  to_status TEXT NOT NULL,
  took_ms INTEGER NOT NULL,
  again INTEGER NOT NULL,
  first_seen INTEGER NOT NULL,
  grid_code TEXT
);
INSERT INTO incident_steps (seq, incident_id, to_status, took_ms, again, first_seen, grid_code)
  SELECT s.seq, s.incident_id, s.to_status, s.took, ROW_NUMBER() OVER (PARTITION BY s.incident_id, s.to_status ORDER BY s.seq) > 1, i.first_seen, i.grid_code
  FROM (SELECT seq, incident_id, to_status, at - LAG(at) OVER (PARTITION BY incident_id ORDER BY seq) AS took FROM flow WHERE to_status IS NOT NULL) s
  JOIN incidents i ON i.id = s.incident_id WHERE s.took IS NOT NULL;
CREATE INDEX incident_steps_window ON incident_steps(first_seen, grid_code, to_status, took_ms, again);
CREATE INDEX incident_steps_incident ON incident_steps(incident_id, to_status);

-- grid_key: the cell, '' for none (a scope never holds '').
CREATE TABLE incident_step_days (
  day INTEGER NOT NULL,
  grid_key TEXT NOT NULL,
  to_status TEXT NOT NULL,
  steps INTEGER NOT NULL,
  incidents INTEGER NOT NULL,
  took_sum INTEGER NOT NULL,
  took_max INTEGER NOT NULL,
  PRIMARY KEY (day, grid_key, to_status)
) WITHOUT ROWID;
INSERT INTO incident_step_days (day, grid_key, to_status, steps, incidents, took_sum, took_max)
  SELECT ${day('first_seen')}, COALESCE(grid_code, ''), to_status, COUNT(*), SUM(1 - again), SUM(took_ms), MAX(took_ms) FROM incident_steps GROUP BY 1, 2, 3;

-- A status step: the time since the incident's previous status record (as LAG over the flow by seq gives).
CREATE TRIGGER flow_steps AFTER INSERT ON flow WHEN NEW.to_status IS NOT NULL BEGIN
  INSERT INTO incident_steps (seq, incident_id, to_status, took_ms, again, first_seen, grid_code)
    SELECT NEW.seq, NEW.incident_id, NEW.to_status, NEW.at - p.at,
      EXISTS (SELECT 1 FROM incident_steps s WHERE s.incident_id = NEW.incident_id AND s.to_status = NEW.to_status), i.first_seen, i.grid_code
    FROM flow p JOIN incidents i ON i.id = NEW.incident_id
    WHERE p.incident_id = NEW.incident_id AND p.to_status IS NOT NULL AND p.seq < NEW.seq ORDER BY p.seq DESC LIMIT 1;
  UPDATE incidents SET feedback_at = NEW.at WHERE NEW.to_status = 'feedback' AND id = NEW.incident_id AND (feedback_at IS NULL OR feedback_at > NEW.at);
END;
CREATE TRIGGER incident_steps_days AFTER INSERT ON incident_steps BEGIN
  INSERT INTO incident_step_days (day, grid_key, to_status, steps, incidents, took_sum, took_max)
    VALUES (${day('NEW.first_seen')}, COALESCE(NEW.grid_code, ''), NEW.to_status, 1, 1 - NEW.again, NEW.took_ms, NEW.took_ms)
    ON CONFLICT (day, grid_key, to_status) DO UPDATE SET steps = steps + 1, incidents = incidents + excluded.incidents,
      took_sum = took_sum + excluded.took_sum, took_max = MAX(took_max, excluded.took_max);
END;
-- Nothing moves an incident to another cell or time today; should anything, its steps follow it.
CREATE TRIGGER incidents_steps_moved AFTER UPDATE OF grid_code, first_seen ON incidents
  WHEN OLD.grid_code IS NOT NEW.grid_code OR OLD.first_seen <> NEW.first_seen BEGIN
  UPDATE incident_steps SET grid_code = NEW.grid_code, first_seen = NEW.first_seen WHERE incident_id = NEW.id;
  ${rebuildBucket('OLD')}
  ${rebuildBucket('NEW')}
END;
`,
};
