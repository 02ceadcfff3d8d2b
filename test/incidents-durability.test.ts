// Durability: kill -9 the gateway during a burst of raises; after a restart
// every incident acknowledged to a producer is there exactly once, and the
// producer's retries of the unacknowledged ones do not duplicate anything.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnGateway } from './helpers/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-durable-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const KEY = 'durability-test-admin-key-0123456789';
const args = ['--dataDir', dir, '--http.host', '127.0.0.1', '--http.port', '0', '--video.enabled', 'false', '--sensors.broker.port', '0', '--gb28181.port', '0', '--log.level', 'info'];
const env = { GATEWAY_AUTH__ADMIN_KEY: KEY };

const report = (url: string, key: string) =>
  fetch(`${url}/api/incidents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'manhole_open', severity: 'major', title: `井盖 ${key}`, dedupeKey: key }),
  });

async function dedupeKeys(url: string): Promise<string[]> {
  const keys: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await (await fetch(`${url}/api/incidents?sourceKind=manual&limit=500&offset=${offset}`, { headers: { authorization: `Bearer ${KEY}` } })).json() as { items: Array<{ dedupeKey: string }>; total: number };
    keys.push(...page.items.map((i) => i.dedupeKey));
    if (keys.length >= page.total) return keys;
  }
}

test('kill -9 during a burst: what was acknowledged survives exactly once; retries do not duplicate', async () => {
  const gw = spawnGateway(args, env);
  const url = await gw.listening();
  const acked = new Set<string>();
  const sent: string[] = [];
  let killed = false;
  const worker = async (w: number) => {
    for (let i = 0; !killed; i++) {
      const key = `burst-${w}-${i}`;
      sent.push(key);
      try {
        const res = await report(url, key);
        if (res.status === 201) acked.add(key);
      } catch {
        return; // the gateway is gone
      }
    }
  };
  const workers = Array.from({ length: 8 }, (_, w) => worker(w));
  while (acked.size < 300) await new Promise((r) => setTimeout(r, 5));
  gw.proc.kill('SIGKILL');
  killed = true;
  await Promise.all(workers);
  await gw.exit;
  assert.ok(acked.size >= 300);

  const again = spawnGateway(args, env);
  const url2 = await again.listening();
  const stored = await dedupeKeys(url2);
  const counts = new Map<string, number>();
  for (const k of stored) counts.set(k, (counts.get(k) ?? 0) + 1);
  for (const k of acked) assert.equal(counts.get(k), 1, `${k} acknowledged, so stored exactly once`);
  assert.ok([...counts.values()].every((c) => c === 1), 'nothing stored twice');

  // The producer retries everything it is unsure of: nothing doubles.
  const unsure = sent.filter((k) => !acked.has(k));
  for (const k of unsure) assert.ok([200, 201].includes((await report(url2, k)).status));
  for (const k of [...acked].slice(0, 20)) assert.equal((await report(url2, k)).status, 200, 'a retry of an acknowledged one is a repeat');
  const final = await dedupeKeys(url2);
  assert.equal(final.length, new Set(final).size);
  assert.equal(final.length, new Set(sent).size);
  again.proc.kill('SIGTERM');
  assert.equal(await again.exit, 0);
});
