// The export job store contract on SQLite (the recording index's file), on a real PostgreSQL (a fresh database per test) and in memory.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { postgresPerFile } from '../../../test/helpers/postgres.ts';
import { exportJobsContract } from './export-jobs.contract.ts';
import { MemoryExportJobs, SqlExportJobs } from './export-jobs.ts';
import { openPgIndex } from './pg-index.ts';
import { openSqliteIndex } from './sqlite-index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-exportjobs-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

exportJobsContract('SQLite', async () => {
  const index = openSqliteIndex(join(dir, `index-${++files}.db`));
  return { store: new SqlExportJobs(index.db), cleanup: () => index.close() };
});

const postgres = postgresPerFile('exportjobs');
exportJobsContract('PostgreSQL', async () => {
  const index = await openPgIndex(await postgres.freshDatabase(), { max: 2 });
  return { store: new SqlExportJobs(index.db), cleanup: () => index.close() };
});

exportJobsContract('memory', async () => ({ store: new MemoryExportJobs(), cleanup: async () => {} }));
