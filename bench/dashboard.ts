// Dashboard (研判) query times over 1,000,000 incidents, on SQLite and on
// PostgreSQL (a server of its own, as test/helpers/postgres.ts starts it).
// The incidents are seeded in SQL (deterministic from their number, the same
// rows on both engines): 90 days, 7 types, 4 severities, 5 source kinds,
// 1,000 grid cells in 10 streets, 12 departments; 60% dispatched with an SLA
// deadline, their flow (受理 accepted, 派遣 dispatched, 处置 handling, 反馈
// feedback) in the flow log. Each query runs through the stores' own stats
// (what /api/stats/* calls), for today, 7 days and 30 days, for everything and
// for one street (100 cells, a scoped caller), median of `--runs` runs, ms.
//   node --import tsx bench/dashboard.ts [--count 1000000] [--runs 3] [--engines sqlite,postgres]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { IncidentStore } from '../gateway/incidents/store/incident-store.ts';
import { PgIncidentStore } from '../gateway/incidents/store/postgres/pg-incident-store.ts';
import { SqliteIncidentStore } from '../gateway/incidents/store/sqlite/sqlite-incident-store.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { round } from './proc.ts';

const { values } = parseArgs({ options: { count: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, engines: { type: 'string', default: 'sqlite,postgres' } } });
const COUNT = Number(values.count);
const RUNS = Number(values.runs);
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 7, 4);
const START = NOW - 90 * DAY;
const STEP = Math.floor((90 * DAY) / COUNT);
/** One street's 100 cells (cells are s<street>-c<n>). */
const STREET = Array.from({ length: 100 }, (_, i) => `s3-c${i}`);
const TYPES = ['intrusion', 'gas_leak', 'smoke', 'water_level_high', 'illegal_parking', 'garbage', 'crowd'];

// The columns of one incident from its number n (1..COUNT), as SQL both engines read
// (integer arithmetic; CASE for the lists), and its flow steps.
const col = {
  first: `${START} + n * ${STEP}`,
  type: `CASE n % 7 ${TYPES.map((t, i) => `WHEN ${i} THEN '${t}'`).join(' ')} END`,
  severity: "CASE n % 4 WHEN 0 THEN 'critical' WHEN 1 THEN 'major' WHEN 2 THEN 'minor' ELSE 'warning' END",
  source: "CASE n % 5 WHEN 0 THEN 'sensor' WHEN 1 THEN 'manual' WHEN 2 THEN 'gb28181' ELSE 'detector' END",
  grid: "'s' || ((n * 7919) % 1000 / 100) || '-c' || ((n * 7919) % 100)",
  dispatched: 'n % 5 < 3',
  status: "CASE WHEN n % 5 < 3 THEN (CASE WHEN n % 3 = 0 THEN 'feedback' ELSE 'handling' END) ELSE 'reported' END",
};
/** Flow steps: [to_status, ms after first_seen]; dispatched ones only beyond 'reported'; feedback on one in three. */
const STEPS: Array<[string, string, string]> = [
  ['accepted', '60000 + (n % 600) * 1000', 'n % 5 < 3'],
  ['dispatched', '180000 + (n % 900) * 1000', 'n % 5 < 3'],
  ['handling', '900000 + (n % 1800) * 1000', 'n % 5 < 3'],
  ['feedback', '1800000 + (n % 7200) * 1000', 'n % 5 < 3 AND n % 3 = 0'],
];

async function seedSqlite(store: SqliteIncidentStore): Promise<void> {
  const db = store.db;
  const numbers = `WITH RECURSIVE nums(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM nums WHERE n < ${COUNT})`;
  db.exec('BEGIN');
  db.exec(`${numbers} INSERT INTO incidents (id, code, type, category, severity, sev_rank, status, open, title, source_kind, source_id, dedupe_key, count,
      first_seen, last_seen, grid_code, department_id, dispatched_at, sla_deadline, evidence, version, created_at, updated_at)
    SELECT 'inc-' || n, 'B' || n, ${col.type}, 'bench', ${col.severity}, n % 4, ${col.status}, 1, 'bench ' || n, ${col.source}, 'src-' || (n % 5000), 'bench-' || n, 1,
      ${col.first}, ${col.first}, ${col.grid}, CASE WHEN ${col.dispatched} THEN 'dept-' || (n % 12) END,
      CASE WHEN ${col.dispatched} THEN ${col.first} + 180000 + (n % 900) * 1000 END, CASE WHEN ${col.dispatched} THEN ${col.first} + 3600000 * (1 + n % 3) END,
      '{}', 1, ${col.first}, ${col.first} FROM nums`);
  for (const [to, after, when] of STEPS) {
    db.exec(`${numbers} INSERT INTO flow (incident_id, at, actor_name, action, to_status, attachments)
      SELECT 'inc-' || n, ${col.first} + ${after}, 'bench', 'to-${to}', '${to}', '[]' FROM nums WHERE ${when}`);
  }
  db.exec('COMMIT');
  db.exec('ANALYZE');
}

async function seedPostgres(url: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const numbers = `FROM generate_series(1::bigint, ${COUNT}::bigint) AS n`;
    await client.query(`INSERT INTO incidents (id, code, type, category, severity, sev_rank, status, open, title, source_kind, source_id, dedupe_key, count,
        first_seen, last_seen, grid_code, department_id, dispatched_at, sla_deadline, evidence, version, created_at, updated_at)
      SELECT 'inc-' || n, 'B' || n, ${col.type}, 'bench', ${col.severity}, n % 4, ${col.status}, true, 'bench ' || n, ${col.source}, 'src-' || (n % 5000), 'bench-' || n, 1,
        ${col.first}, ${col.first}, ${col.grid}, CASE WHEN ${col.dispatched} THEN 'dept-' || (n % 12) END,
        CASE WHEN ${col.dispatched} THEN ${col.first} + 180000 + (n % 900) * 1000 END, CASE WHEN ${col.dispatched} THEN ${col.first} + 3600000 * (1 + n % 3) END,
        '{}', 1, ${col.first}, ${col.first} ${numbers}`);
    for (const [to, after, when] of STEPS) {
      await client.query(`INSERT INTO incident_flow (incident_id, at, actor_name, action, to_status, attachments)
        SELECT 'inc-' || n, ${col.first} + ${after}, 'bench', 'to-${to}', '${to}', '[]' ${numbers} WHERE ${when}`);
    }
    await client.query('VACUUM ANALYZE incidents');
    await client.query('VACUUM ANALYZE incident_flow');
    // The rollups the triggers filled (autovacuum would get to them; the figures should not wait for it).
    await client.query('VACUUM ANALYZE incident_steps');
    await client.query('VACUUM ANALYZE incident_step_days');
  } finally {
    await client.end();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Every dashboard query, for one window and scope: ms (median of RUNS) and the rows it gave. */
async function timeQueries(store: IncidentStore, from: number, to: number, grids?: readonly string[]) {
  const s = store.stats;
  const queries: Record<string, () => Promise<unknown>> = {
    byType: () => s.counts('type', from, to, grids),
    bySource: () => s.counts('source', from, to, grids),
    byGrid: () => s.counts('grid', from, to, grids),
    bySeverity: () => s.counts('severity', from, to, grids),
    hourly: () => s.counts('hour', from, to, grids),
    sensorAlarms: () => s.counts('type', from, to, grids, 'sensor'),
    steps: () => s.durations(from, to, grids),
    sla: () => s.sla(from, to, NOW, grids),
    slaByDepartment: () => s.slaBy('department', from, to, NOW, grids),
    slaByGrid: () => s.slaBy('grid', from, to, NOW, grids),
  };
  const out: Record<string, { ms: number; rows: number }> = {};
  for (const [name, run] of Object.entries(queries)) {
    const times: number[] = [];
    let rows = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const r = await run();
      times.push(performance.now() - t0);
      rows = Array.isArray(r) ? r.length : 1;
    }
    out[name] = { ms: round(median(times), 1), rows };
  }
  return out;
}

async function measure(store: IncidentStore) {
  const windows = { today: [NOW - (NOW % DAY), NOW + 1], '7d': [NOW - 7 * DAY, NOW + 1], '30d': [NOW - 30 * DAY, NOW + 1] } as const;
  const result: Record<string, unknown> = {};
  for (const [name, [from, to]] of Object.entries(windows)) {
    result[name] = { all: await timeQueries(store, from, to), street: await timeQueries(store, from, to, STREET) };
  }
  return result;
}

const slowest = (r: Record<string, unknown>) => Math.max(...JSON.stringify(r).match(/"ms":[\d.]+/g)!.map((m) => Number(m.slice(5))));
const engines = values.engines.split(',');
const out: Record<string, unknown> = { benchmark: 'dashboard', incidents: COUNT, runs: RUNS, days: 90, cells: 1000, streetCells: STREET.length };
const dir = mkdtempSync(join(tmpdir(), 'bench-dashboard-'));
try {
  if (engines.includes('sqlite')) {
    const store = new SqliteIncidentStore(join(dir, 'incidents.db'), 'Asia/Shanghai');
    const t0 = performance.now();
    await seedSqlite(store);
    const seedSeconds = round((performance.now() - t0) / 1000, 1);
    const queries = await measure(store);
    out.sqlite = { seedSeconds, slowestMs: slowest(queries), queries };
    await store.close();
    process.stderr.write(`bench dashboard: sqlite done (slowest ${String((out.sqlite as { slowestMs: number }).slowestMs)} ms)\n`);
  }
  if (engines.includes('postgres')) {
    const server = await startPostgres();
    try {
      const url = await server.createDatabase('bench_dashboard');
      const store = await PgIncidentStore.open(url, 'Asia/Shanghai');
      const t0 = performance.now();
      await seedPostgres(url);
      const seedSeconds = round((performance.now() - t0) / 1000, 1);
      const queries = await measure(store);
      out.postgres = { seedSeconds, slowestMs: slowest(queries), queries };
      await store.close();
    } finally {
      await server.close();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
