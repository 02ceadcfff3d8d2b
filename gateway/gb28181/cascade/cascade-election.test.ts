// The cascade in a cluster node: it registers only while the node holds the
// upper links. Standing by it sends nothing and names the holder; holding it
// registers (again, after a standby); losing the lease stops it at once
// without unregistering (the successor's registration must stand); leaving
// unregisters. The election here is driven by the test; the PostgreSQL lease
// behind it is tested in gateway/cluster/leases/singleton-lease.test.ts, and
// both together with two gateway processes in test/cluster-gb28181-cascade.test.ts.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { UpperElection } from './index.ts';
import { startLower, upperEntry, type TestLower } from './test-lower.ts';
import { TestUpper } from './test-upper.ts';

type Work = Parameters<UpperElection['follow']>[0];

/** The lease as the cascade sees it, moved by the test. */
class DrivenElection implements UpperElection {
  work: Work | undefined;
  holds = false;
  holder: string | null = null;
  follow(work: Work): void {
    this.work = work;
  }
  heldBy(): string | null {
    return this.holder;
  }
  take(): void {
    this.holds = true;
    this.holder = 'node-1';
    this.work!.held();
  }
  async lose(reason: string, leaving: boolean, successor: string | null): Promise<void> {
    this.holds = false;
    this.holder = successor;
    await this.work!.lost(reason, leaving);
  }
}

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const expiresOf = (upper: TestUpper) => upper.registers.map((r) => r.headers.get('Expires'));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('registers only while this node holds the upper links; stops at once on losing them, unregisters on leaving', { timeout: 60_000 }, async () => {
  const upper = await TestUpper.start('Up-Secret-123');
  cleanups.push(() => upper.close());
  const election = new DrivenElection();
  const lower: TestLower = await startLower([upperEntry(upper.port, { keepaliveSeconds: 1 })], { election });
  cleanups.push(() => lower.close());
  const link = () => lower.cascade.status()[0]!;

  // Standing by: nothing sent, the status says why.
  await pause(1500);
  assert.equal(upper.registers.length, 0);
  assert.equal(link().state, 'standby');
  assert.equal(link().reason, 'no node holds the upper links right now; one takes them within the lease time');
  election.holder = 'node-2';
  assert.equal(link().reason, "node 'node-2' holds the upper links");
  assert.equal(lower.cascade.heldBy(), 'node-2');

  // Held: registered with digest, keepalives flow.
  election.take();
  await upper.until('registered', () => upper.registered && link().state === 'registered');
  await upper.until('a keepalive', () => upper.bodies('Notify:Keepalive').length > 0);
  assert.equal(link().reason, undefined);

  // Lost (the lease ran out): stopped at once, no Expires 0 that could undo the successor's registration.
  const registersBefore = upper.registers.length;
  await election.lose('not renewed within 4000 ms', false, 'node-2');
  assert.equal(link().state, 'standby');
  assert.equal(link().reason, "node 'node-2' holds the upper links");
  const keepalives = upper.bodies('Notify:Keepalive').length;
  await pause(2500);
  assert.equal(upper.registers.length, registersBefore, 'no REGISTER after the loss');
  assert.equal(upper.bodies('Notify:Keepalive').length, keepalives, 'no keepalive after the loss');
  assert.ok(!expiresOf(upper).includes('0'));

  // Held again: the same links register again.
  election.take();
  await upper.until('registered again', () => upper.registers.length > registersBefore && link().state === 'registered');
  await upper.until('keepalives again', () => upper.bodies('Notify:Keepalive').length > keepalives);

  // Leaving: unregistered (Expires 0) before the lease is given back.
  await election.lose('the node is stopping', true, null);
  assert.equal(expiresOf(upper).at(-1), '0');
  assert.equal(upper.registered, false);
  assert.equal(link().state, 'standby');
});

test('outside a cluster (no election): registers at start, as before', { timeout: 30_000 }, async () => {
  const upper = await TestUpper.start('Up-Secret-123');
  cleanups.push(() => upper.close());
  const lower = await startLower([upperEntry(upper.port)]);
  cleanups.push(() => lower.close());
  await upper.until('registered', () => upper.registered && lower.cascade.status()[0]!.state === 'registered');
  assert.equal(lower.cascade.heldBy(), undefined);
});
