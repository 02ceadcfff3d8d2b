// Migration 5 rebuilds the dashboard's rollups for incidents written before it:
// on each engine a database worked through the loop is taken back to schema 4
// (the rollups, triggers and feedback column dropped, as a gateway before them
// left it), opened again, and gives the same figures as it did, over whole
// days and edges; the figures also survive a plain restart.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pg from 'pg';
import { postgresPerFile } from '../../../test/helpers/postgres.ts';
import { candidate, MIN, move, raised, T0, TIME_ZONE } from './contract-fixtures.ts';
import type { IncidentStore } from './incident-store.ts';
import { PgIncidentStore } from './postgres/pg-incident-store.ts';
import { SqliteIncidentStore } from './sqlite/sqlite-incident-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-incident-rollup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const postgres = postgresPerFile('incident_rollups');
const DAY = 86_400_000;

/** Ten incidents over five days in two cells, most dispatched, some fed back late, one reopened. */
async function workThroughTheLoop(store: IncidentStore): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const at = T0 + i * 12 * 60 * MIN;
    let r = (await raised(store, candidate({ gridCode: i % 2 ? 'G1' : 'G2', occurredAt: at }), at)).row;
    if (i === 9) continue;
    r = await move(store, r, 'accepted', {}, at + (i + 1) * MIN);
    r = await move(store, r, 'dispatched', { departmentId: i % 3 ? 'dept-a' : null, dispatchedAt: at + 20 * MIN, slaDeadline: at + 60 * MIN }, at + 20 * MIN);
    if (i % 4 === 3) continue;
    r = await move(store, await move(store, r, 'handling', {}, at + 30 * MIN), 'feedback', {}, at + (40 + 5 * i) * MIN);
    if (i === 2) await move(store, await move(store, r, 'handling', {}, at + 100 * MIN), 'feedback', {}, at + 120 * MIN);
  }
}

async function figures(store: IncidentStore) {
  const out: unknown[] = [];
  for (const [from, to] of [[T0 - DAY, T0 + 7 * DAY], [Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 4)], [T0 + 5 * 60 * MIN, T0 + 40 * 60 * MIN]] as const) {
    for (const grids of [undefined, ['G1']]) {
      out.push(await store.stats.durations(from, to, grids), await store.stats.sla(from, to, T0 + 3 * DAY, grids),
        await store.stats.slaBy('department', from, to, T0 + 3 * DAY, grids), await store.stats.slaBy('grid', from, to, T0 + 3 * DAY, grids));
    }
  }
  return out;
}

test('SQLite: migration 5 rebuilds the rollups of existing incidents; they survive a restart', async () => {
  const file = join(dir, 'incidents.db');
  let store = new SqliteIncidentStore(file, TIME_ZONE);
  await workThroughTheLoop(store);
  const before = await figures(store);
  assert.ok((before[0] as unknown[]).length >= 4, 'steps to compare');
  store.db.exec(`DROP TRIGGER flow_steps; DROP TRIGGER incident_steps_days; DROP TRIGGER incidents_steps_moved;
    DROP TABLE incident_steps; DROP TABLE incident_step_days; DROP INDEX incidents_sla; DROP INDEX incidents_sla_grid; DROP INDEX incidents_sla_department;
    ALTER TABLE incidents DROP COLUMN feedback_at;
    CREATE INDEX incidents_dispatched ON incidents(dispatched_at, grid_code, department_id, sla_deadline, id);
    CREATE INDEX flow_step ON flow(incident_id, to_status, at); DELETE FROM schema_migrations WHERE version = 5;`);
  await store.close();
  store = new SqliteIncidentStore(file, TIME_ZONE);
  assert.deepEqual(await figures(store), before);
  await store.close();
  store = new SqliteIncidentStore(file, TIME_ZONE);
  assert.deepEqual(await figures(store), before, 'after a restart');
  await store.close();
});

test('PostgreSQL: migration 5 rebuilds the rollups of existing incidents; they survive a restart', async () => {
  const url = await postgres.freshDatabase();
  let store = await PgIncidentStore.open(url, TIME_ZONE);
  await workThroughTheLoop(store);
  const before = await figures(store);
  await store.close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP TRIGGER incident_flow_steps ON incident_flow; DROP TRIGGER incidents_steps_moved ON incidents;
      DROP FUNCTION incident_flow_steps(); DROP FUNCTION incident_steps_moved(); DROP TABLE incident_steps; DROP TABLE incident_step_days;
      DROP INDEX incidents_sla; ALTER TABLE incidents DROP COLUMN feedback_at;
      CREATE INDEX incidents_dispatched ON incidents(dispatched_at, grid_code, department_id, sla_deadline, id);
      CREATE INDEX incident_flow_step ON incident_flow(incident_id, to_status, at); DELETE FROM incident_schema_version WHERE version = 5;`);
  } finally {
    await client.end();
  }
  store = await PgIncidentStore.open(url, TIME_ZONE);
  assert.deepEqual(await figures(store), before);
  await store.close();
  store = await PgIncidentStore.open(url, TIME_ZONE);
  assert.deepEqual(await figures(store), before, 'after a restart');
  await store.close();
});
