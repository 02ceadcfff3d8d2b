// Registering upward against a real upper platform endpoint (our SIP library,
// localhost UDP and TCP): digest, a wrong password, an unreachable platform
// and its backoff, keepalives refused and unanswered, Expires: 0 on stop.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfig, type ConfigError } from '../../config/load.ts';
import { upperProblems } from './config.ts';
import { startLower, upperEntry, LOWER_ID, type TestLower } from './test-lower.ts';
import { TestUpper } from './test-upper.ts';

const open: Array<TestLower | TestUpper> = [];
after(() => Promise.all(open.map((x) => x.close())));

async function pair(password: string, extra: Parameters<typeof upperEntry>[1] = {}) {
  const upper = await TestUpper.start(password);
  open.push(upper);
  const lower = await startLower([upperEntry(upper.port, extra)]);
  open.push(lower);
  const status = () => lower.cascade.status()[0]!;
  return { upper, lower, status };
}

for (const transport of ['udp', 'tcp'] as const) {
  test(`registers with digest over ${transport}, keeps alive, and unregisters with Expires: 0 on stop`, { timeout: 30_000 }, async () => {
    const { upper, lower, status } = await pair('Up-Secret-123', { transport, keepaliveSeconds: 1 });
    await upper.until('registered', () => status().state === 'registered');
    assert.equal(upper.registered, true);
    assert.equal(upper.registers.length, 2, 'one REGISTER challenged, one with the digest');
    assert.match(upper.registers[1]!.headers.get('Authorization') ?? '', new RegExp(`username="${LOWER_ID}"`));
    assert.equal(upper.registers[1]!.headers.get('Expires'), '3600');
    assert.ok(status().lastRegisteredAt && status().expiresAt);
    await upper.until('two keepalives', () => upper.bodies('Notify:Keepalive').length >= 2);
    assert.equal(upper.bodies('Notify:Keepalive')[0]!.deviceId, LOWER_ID);
    assert.ok(status().counts.keepalivesSent >= 2);
    await lower.cascade.stop();
    const last = upper.registers.at(-1)!;
    assert.equal(last.headers.get('Expires'), '0');
    assert.equal(upper.registered, false);
  });
}

test('a wrong password: status failed "wrong password", the password in no log line nor status', { timeout: 30_000 }, async () => {
  const { upper, lower, status } = await pair('the-right-one');
  await upper.until('failed twice', () => status().counts.registerFailures >= 2 && status());
  assert.equal(status().state, 'failed');
  assert.equal(status().reason, 'wrong password');
  assert.ok(status().nextAttemptAt, 'the next attempt is announced');
  const everything = lower.logs.join('\n') + JSON.stringify(lower.cascade.status());
  assert.ok(lower.logs.some((l) => l.includes('wrong password')), 'the reason is logged');
  assert.ok(!everything.includes('Up-Secret-123'), 'the password appears nowhere');
  // The password is put right on the upper side: the next attempt registers.
  upper.password = 'Up-Secret-123';
  await upper.until('registered after the fix', () => status().state === 'registered', 20_000);
});

test('an unreachable upper platform: status failed "unreachable", retried with a growing pause up to the cap', { timeout: 30_000 }, async () => {
  // A TCP port nothing listens on: each attempt is refused at once.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as { port: number }).port;
  await new Promise((r) => probe.close(r));
  const lower = await startLower([upperEntry(port, { transport: 'tcp', maxBackoffSeconds: 1 })]);
  open.push(lower);
  const status = () => lower.cascade.status()[0]!;
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 20_000;
    while (status().counts.registerFailures < n) {
      assert.ok(Date.now() < deadline, `only ${status().counts.registerFailures} attempts`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await waitFor(6);
  assert.equal(status().state, 'failed');
  assert.match(status().reason ?? '', /^unreachable: /);
  const pauses = lower.logs.map((l) => JSON.parse(l) as { msg: string; retryInMs?: number }).filter((l) => l.msg.includes('not registered')).map((l) => l.retryInMs);
  assert.deepEqual(pauses.slice(0, 6), [100, 200, 400, 800, 1000, 1000], 'doubling from the base, capped at maxBackoffSeconds');
});

test('the upper platform refuses keepalives (it restarted): registered again at once; unanswered ones: lost after keepaliveMissed', { timeout: 40_000 }, async () => {
  const { upper, lower, status } = await pair('Up-Secret-123', { keepaliveSeconds: 1, keepaliveMissed: 2 });
  await upper.until('registered', () => status().state === 'registered');
  upper.keepalives = 'refuse';
  await upper.until('registered again', () => status().counts.registrations >= 2 && status().state === 'registered', 20_000);
  assert.ok(status().counts.keepalivesFailed >= 1);
  upper.keepalives = 'ignore';
  const registrations = status().counts.registrations;
  // Lost, then registered again (REGISTERs are still answered): the reason is in the log of the loss.
  await upper.until('lost', () => lower.logs.some((l) => l.includes('"reason":"keepalive unanswered 2 times"')), 20_000);
  await upper.until('registered after the loss', () => status().counts.registrations > registrations, 20_000);
  upper.keepalives = 'answer';
  await upper.until('back', () => status().state === 'registered', 20_000);
});

test('config: a bad upper platform entry is refused at start, each problem naming its field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cascade-config-'));
  const file = join(dir, 'gateway.yaml');
  writeFileSync(file, `gb28181:
  upper:
    - { id: "31000000002000000001", domain: "3100000000", address: 10.0.0.5, port: 5060, transport: sctp, share: { all: true } }
    - { id: "3100000000200000000", domain: "3100000000", address: 10.0.0.6, port: 70000, transport: udp, password: p, share: { grids: [] , every: true } }
    - { id: "31000000002000000001", domain: "3100000000", address: 10.0.0.7, port: 5060, transport: udp, password: p, share: { all: true }, alarms: { severities: [urgent] } }
`);
  try {
    assert.throws(() => loadConfig({ argv: ['--config', file], env: {}, cwd: process.cwd() }), (err: unknown) => {
      const problems = (err as ConfigError).problems.join('\n');
      for (const field of ['gb28181.upper.0.password', 'gb28181.upper.0.transport', 'gb28181.upper.1.id', 'gb28181.upper.1.port', 'gb28181.upper.1.share', 'gb28181.upper.2.alarms.severities']) {
        assert.ok(problems.includes(field), `${field} in:\n${problems}`);
      }
      assert.ok(!problems.includes('Up-Secret'), 'no password in the problems');
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config: one entry per upper id, a platform code (type 200), not our own id', () => {
  const u = upperEntry(5060);
  assert.deepEqual(upperProblems({ id: '31010100002000000001', upper: [u] }), []);
  const problems = upperProblems({ id: u.id, upper: [u, u, { ...u, id: '31000000001320000001' }] });
  assert.deepEqual(problems, [
    'gb28181.upper[0].id: is our own platform id (gb28181.id)',
    'gb28181.upper[1].id: 31000000002000000001 is configured twice',
    'gb28181.upper[1].id: is our own platform id (gb28181.id)',
    'gb28181.upper[2].id: must be a platform code (type 200 in digits 11-13), got type 132',
  ]);
});
