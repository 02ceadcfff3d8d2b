// Evidence snapshots on this machine: JPEG-sized objects (random bytes, as
// incompressible as a JPEG) written and read through the gateway's evidence
// stores: PostgreSQL (the cluster default; directly and through the compose
// file's PgBouncer) and a directory (the embedded default, or a NAS mount).
// `concurrency` writers at once, as many channels raising alarms together.
// Prints per store: puts and gets per second, latency percentiles, and bytes
// kept per snapshot (PostgreSQL: the table with its TOAST, after the run).
// The test PostgreSQL runs with fsync off (test/helpers/postgres.ts): a
// durable server pays its WAL flush on every put as well.
//   node --import tsx bench/evidence.ts [--snapshots 2000] [--sizeKb 150] [--concurrency 8]
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { percentile, round } from './proc.ts';
import { DirectoryEvidenceStore } from '../gateway/evidence/directory-store.ts';
import { PostgresEvidenceStore } from '../gateway/evidence/postgres-store.ts';
import type { EvidenceStore } from '../gateway/evidence/store.ts';
import { startPgBouncer } from '../test/helpers/pgbouncer.ts';
import { startPostgres } from '../test/helpers/postgres.ts';

const { values } = parseArgs({ options: { snapshots: { type: 'string', default: '2000' }, sizeKb: { type: 'string', default: '150' }, concurrency: { type: 'string', default: '8' } } });
const SNAPSHOTS = Number(values.snapshots);
const SIZE = Number(values.sizeKb) * 1024;
const CONCURRENCY = Number(values.concurrency);

/** Runs `op` for every index with `CONCURRENCY` at once; per-call milliseconds and the rate. */
async function timed(count: number, op: (i: number) => Promise<void>): Promise<{ perSecond: number; p50Ms: number; p95Ms: number; p99Ms: number }> {
  const ms: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < count; i = next++) {
      const t = performance.now();
      await op(i);
      ms.push(performance.now() - t);
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  return { perSecond: round(count / seconds, 1), p50Ms: round(percentile(ms, 50)), p95Ms: round(percentile(ms, 95)), p99Ms: round(percentile(ms, 99)) };
}

async function measure(store: EvidenceStore): Promise<Record<string, unknown>> {
  const blob = randomBytes(SIZE);
  const keys = Array.from({ length: SNAPSHOTS }, () => `snapshots/20250101/${randomUUID()}.jpg`);
  const put = await timed(SNAPSHOTS, (i) => store.put(keys[i]!, blob, 'image/jpeg'));
  const get = await timed(SNAPSHOTS, async (i) => {
    const found = await store.get(keys[(i * 7919) % SNAPSHOTS]!); // not in write order
    if (found?.bytes.length !== SIZE) throw new Error('a snapshot came back wrong');
  });
  return { put, get };
}

const postgres = await startPostgres();
const dir = mkdtempSync(join(tmpdir(), 'gw-bench-evidence-'));
const out: Record<string, unknown> = { snapshots: SNAPSHOTS, sizeKb: SIZE / 1024, concurrency: CONCURRENCY, postgresFsync: false };
try {
  const url = await postgres.createDatabase('evidence');
  const direct = await PostgresEvidenceStore.open(url, { max: CONCURRENCY, name: 'bench evidence' });
  out.postgres = await measure(direct);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('evidence_objects') AS bytes");
  await client.end();
  (out.postgres as Record<string, unknown>).bytesPerSnapshot = Math.round(Number(rows[0]!.bytes) / SNAPSHOTS);
  await direct.close();

  const bouncer = await startPgBouncer({ port: postgres.port, user: 'gw' }, 'evidence');
  try {
    const pooled = await PostgresEvidenceStore.open(bouncer.url, { max: CONCURRENCY, name: 'bench evidence via pgbouncer' });
    out.postgresViaPgBouncer = await measure(pooled);
    await pooled.close();
  } finally {
    await bouncer.close();
  }

  out.directory = await measure(new DirectoryEvidenceStore(join(dir, 'evidence')));
} finally {
  await postgres.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(out, null, 2));
