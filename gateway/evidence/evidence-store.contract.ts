// What every evidence store does, whatever keeps the bytes: run against the
// directory store and PostgreSQL (evidence-store.test.ts); a future object
// store (S3) or recording segments get the same suite.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { freshStoreFor, type Opened } from '../../test/helpers/store-contract.ts';
import type { EvidenceStore } from './store.ts';

export function evidenceStoreContract(name: string, open: () => Promise<Opened<EvidenceStore>>): void {
  const fresh = freshStoreFor(open);
  describe(`evidence store contract: ${name}`, () => {
    test('bytes come back as they went in, with their type; an unknown key is undefined', fresh(async (store) => {
      const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), randomBytes(150_000)]);
      const before = Date.now();
      await store.put('snapshots/20250101/0b9e3c1e-8a8b-4c1e-9d51-6f3e2b7c9a10.jpg', jpeg, 'image/jpeg');
      const got = await store.get('snapshots/20250101/0b9e3c1e-8a8b-4c1e-9d51-6f3e2b7c9a10.jpg');
      assert.ok(got);
      assert.ok(got.bytes.equals(jpeg), 'the same bytes');
      assert.equal(got.contentType, 'image/jpeg');
      assert.ok(got.createdAt >= before - 5000 && got.createdAt <= Date.now() + 5000, `stored about now (${got.createdAt})`);
      assert.equal(await store.get('snapshots/20250101/00000000-0000-0000-0000-000000000000.jpg'), undefined);
    }));

    test('a key is written once: a repeated put keeps the first bytes', fresh(async (store) => {
      const key = 'snapshots/20250102/aaaaaaaa-0000-4000-8000-000000000001.jpg';
      await store.put(key, Buffer.from('first'), 'image/jpeg');
      await store.put(key, Buffer.from('second'), 'image/jpeg');
      assert.equal((await store.get(key))?.bytes.toString(), 'first');
    }));

    test('delete removes an object; deleting one that is gone is no error', fresh(async (store) => {
      const key = 'recordings/cam-1/20250103/seg-000001.ts';
      await store.put(key, Buffer.alloc(188, 0x47), 'video/mp2t');
      assert.equal((await store.get(key))?.contentType, 'video/mp2t');
      await store.delete(key);
      assert.equal(await store.get(key), undefined);
      await store.delete(key);
    }));

    test('keys that could climb out of the store or need escaping are refused, before anything is written', fresh(async (store) => {
      for (const key of ['../etc/passwd', 'snapshots/../../x.jpg', '/abs/x.jpg', 'snapshots/.hidden.jpg', 'snapshots', 'snapshots/a b.jpg', 'Snapshots/x.jpg', 'snapshots//x.jpg']) {
        await assert.rejects(store.put(key, Buffer.from('x'), 'image/jpeg'), { code: 'GW_ERR_VALIDATION' }, key);
        await assert.rejects(store.get(key), { code: 'GW_ERR_VALIDATION' }, key);
      }
    }));
  });
}
