// The recording index contract on SQLite (a fresh file per test) and on a real PostgreSQL (a fresh database per test).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { postgresPerFile } from '../../../test/helpers/postgres.ts';
import { openPgIndex } from './pg-index.ts';
import { recordingIndexContract } from './recording-index.contract.ts';
import { openSqliteIndex } from './sqlite-index.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-recidx-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

recordingIndexContract('SQLite', async () => ({ store: openSqliteIndex(join(dir, `index-${++files}.db`)), cleanup: async () => {} }));

const postgres = postgresPerFile('recidx');
recordingIndexContract('PostgreSQL', async () => ({ store: await openPgIndex(await postgres.freshDatabase(), { max: 2 }), cleanup: async () => {} }));
