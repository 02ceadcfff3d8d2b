// What every export job store does, on SQLite, PostgreSQL and in memory (export-jobs.test.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { freshStoreFor, type Opened } from '../../../test/helpers/store-contract.ts';
import type { ExportJobStore, ExportRecord } from './export-jobs.ts';

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);
const job = (id: string, over: Partial<ExportRecord> = {}): ExportRecord => ({
  id, channelId: 'cam-a', channelName: '东门 a', from: T0, to: T0 + 60_000,
  plan: { entries: [{ file: '/data/recordings/cam-a/2026-01-05/1.ts', inpoint: 1.04 }, { file: "/data/it's/2.ts", outpoint: 3.5 }], actualFrom: T0 - 400, actualTo: T0 + 60_000, seconds: 60.4, gaps: 1 },
  state: 'queued', progress: 0, bytes: 0, createdBy: 'key-1', createdByName: 'dispatcher one', createdAt: T0, nodeId: 'n1', ...over,
});

export function exportJobsContract(name: string, open: () => Promise<Opened<ExportJobStore>>): void {
  const fresh = freshStoreFor(open);
  describe(`export job store contract: ${name}`, () => {
    test('a job round-trips every field, its plan included; an unknown id is undefined', fresh(async (store) => {
      await store.insert(job('j1'));
      assert.deepEqual(await store.get('j1'), job('j1'));
      assert.equal(await store.get('nope'), undefined);
      await assert.rejects(store.insert(job('j1')), 'an id is unique');
    }));

    test('updates change only what they name: progress, then done with bytes and times, or failed with a reason', fresh(async (store) => {
      await store.insert(job('j1'));
      await store.insert(job('j2'));
      await store.update('j1', { state: 'running', progress: 0.25 });
      assert.deepEqual(await store.get('j1'), job('j1', { state: 'running', progress: 0.25 }));
      await store.update('j1', { state: 'done', progress: 1, bytes: 12_345_678_901, finishedAt: T0 + 5000, expiresAt: T0 + 5000 + 86_400_000 });
      assert.deepEqual(await store.get('j1'), job('j1', { state: 'done', progress: 1, bytes: 12_345_678_901, finishedAt: T0 + 5000, expiresAt: T0 + 5000 + 86_400_000 }));
      await store.update('j2', { state: 'failed', reason: 'interrupted', finishedAt: T0 + 1 });
      assert.deepEqual(await store.get('j2'), job('j2', { state: 'failed', reason: 'interrupted', finishedAt: T0 + 1 }));
      await store.update('j2', {});
      await store.update('nope', { state: 'done' });
      assert.equal((await store.get('j2'))?.reason, 'interrupted');
    }));

    test('a list is newest first, one person\'s or everyone\'s, limited; a node\'s jobs oldest first; delete by id', fresh(async (store) => {
      await store.insert(job('a', { createdAt: T0 + 1 }));
      await store.insert(job('b', { createdAt: T0 + 3, createdBy: 'key-2', createdByName: 'dispatcher two', nodeId: 'n2' }));
      await store.insert(job('c', { createdAt: T0 + 2 }));
      assert.deepEqual((await store.list({ createdBy: 'key-1', limit: 10 })).map((j) => j.id), ['c', 'a']);
      assert.deepEqual((await store.list({ createdBy: 'key-2', limit: 10 })).map((j) => j.id), ['b']);
      assert.deepEqual((await store.list({ createdBy: 'key-3', limit: 10 })), []);
      assert.deepEqual((await store.list({ limit: 10 })).map((j) => j.id), ['b', 'c', 'a']);
      assert.deepEqual((await store.list({ limit: 2 })).map((j) => j.id), ['b', 'c']);
      assert.deepEqual((await store.ofNode('n1')).map((j) => j.id), ['a', 'c']);
      assert.equal(await store.delete(['a', 'nope']), 1);
      assert.deepEqual((await store.ofNode('n1')).map((j) => j.id), ['c']);
    }));
  });
}
