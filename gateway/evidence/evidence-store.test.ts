// The evidence stores on real engines: the contract on a directory and on
// PostgreSQL (a real server, a fresh database per test); what only
// PostgreSQL does (nodes see each other's evidence; nodes starting at once
// migrate once); and the spool: evidence taken while PostgreSQL is down is
// kept on the node, served by it, and moved in when PostgreSQL returns.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import pg from 'pg';
import { postgresPerFile } from '../../test/helpers/postgres.ts';
import { waitFor } from '../../test/helpers/video.ts';
import { DirectoryEvidenceStore } from './directory-store.ts';
import { evidenceStoreContract } from './evidence-store.contract.ts';
import { PostgresEvidenceStore } from './postgres-store.ts';
import { SpooledEvidenceStore } from './spooled-store.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-evidence-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(dir, `store-${++dirs}`);

const postgres = postgresPerFile('evidence');
const openPg = async (url?: string) => PostgresEvidenceStore.open(url ?? (await postgres.freshDatabase()), { max: 2, name: 'evidence-test' });

evidenceStoreContract('directory', async () => {
  const root = freshDir();
  return { store: new DirectoryEvidenceStore(root), cleanup: async () => rmSync(root, { recursive: true, force: true }) };
});
evidenceStoreContract('PostgreSQL', async () => ({ store: await openPg(), cleanup: async () => {} }));

const KEY = 'snapshots/20250105/11111111-2222-4333-8444-555555555555.jpg';

describe('PostgresEvidenceStore only', () => {
  test('three nodes opening one new database at once migrate it once and see each other\'s evidence', async () => {
    const url = await postgres.freshDatabase();
    const nodes = await Promise.all([1, 2, 3].map(() => openPg(url)));
    try {
      await nodes[0]!.put(KEY, Buffer.from('jpeg of node 1'), 'image/jpeg');
      for (const node of nodes) assert.equal((await node.get(KEY))?.bytes.toString(), 'jpeg of node 1');
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<{ version: number }>('SELECT version FROM evidence_schema_version');
      await client.end();
      assert.deepEqual(rows.map((r) => r.version), [1]);
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });
});

describe('SpooledEvidenceStore: PostgreSQL with this node\'s directory while it is away', () => {
  test('PostgreSQL down: put succeeds on this node, get serves it here and 503s for the rest; back: the spool drains and every node serves it', async () => {
    const url = await postgres.freshDatabase();
    const spoolDir = freshDir();
    const log = pino({ level: 'silent' });
    const nodeA = new SpooledEvidenceStore(await openPg(url), new DirectoryEvidenceStore(spoolDir), { folders: ['snapshots'], retryMs: 300, log });
    const nodeB = await openPg(url);
    try {
      await postgres.server().stop();
      await nodeA.put(KEY, Buffer.from('taken during the outage'), 'image/jpeg');
      assert.ok(existsSync(join(spoolDir, KEY)), 'kept on this node\'s disk');
      assert.equal((await nodeA.get(KEY))?.bytes.toString(), 'taken during the outage', 'served by the node that has it');
      await assert.rejects(nodeA.get('snapshots/20250105/00000000-0000-4000-8000-000000000000.jpg'), { code: 'GW_ERR_UNAVAILABLE' }, 'not here, maybe there: 503, not 404');
      await assert.rejects(nodeB.get(KEY), { code: 'GW_ERR_UNAVAILABLE' });

      await postgres.server().start();
      await waitFor(async () => (await nodeB.get(KEY).catch(() => undefined))?.bytes.toString() === 'taken during the outage' || undefined, 30_000, 'the spooled snapshot in PostgreSQL');
      await waitFor(() => !existsSync(join(spoolDir, KEY)) || undefined, 10_000, 'the spool emptied');
      assert.equal((await nodeA.get(KEY))?.bytes.toString(), 'taken during the outage');
    } finally {
      await nodeA.close();
      await nodeB.close();
    }
  });

  test('at start the drain moves what an earlier run left in the directory (a crash, the single-node days) and leaves files that are not evidence', async () => {
    const url = await postgres.freshDatabase();
    const spoolDir = freshDir();
    const local = new DirectoryEvidenceStore(spoolDir);
    await local.put(KEY, Buffer.from('from before'));
    const stray = join(spoolDir, 'snapshots', 'notes.txt~');
    writeFileSync(stray, 'not evidence');
    const store = new SpooledEvidenceStore(await openPg(url), local, { folders: ['snapshots'], retryMs: 300, log: pino({ level: 'silent' }) });
    try {
      await store.drain();
      const other = await openPg(url);
      assert.equal((await other.get(KEY))?.bytes.toString(), 'from before');
      await other.close();
      assert.equal(existsSync(join(spoolDir, KEY)), false, 'moved, not copied');
      assert.equal(existsSync(stray), true, 'a file that is no evidence key stays where it is');
    } finally {
      await store.close();
    }
  });
});
