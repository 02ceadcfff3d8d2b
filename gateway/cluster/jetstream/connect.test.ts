// connectNats against a real nats-server that is not up yet, never comes up,
// or comes up late.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { GwError } from '../../../device-registry/errors.ts';
import { freePort } from '../../../test/helpers/mosquitto.ts';
import { startNats } from '../../../test/helpers/nats.ts';
import { redactUrl } from '../../log.ts';
import { connectNats } from './connect.ts';

function memoryLog() {
  const lines: string[] = [];
  return { lines, log: pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) }) };
}

test('NATS URLs are logged without their credentials (user:password or a token)', () => {
  assert.equal(redactUrl('nats://gw:s3cr3t@nats-1:4222'), 'nats://[REDACTED]@nats-1:4222');
  assert.equal(redactUrl('nats://nats-1:4222'), 'nats://nats-1:4222');
  assert.equal(redactUrl('tls://token@nats-1:4222'), 'tls://[REDACTED]@nats-1:4222');
});

test('unreachable with retry:false rejects with GW_ERR_UNAVAILABLE naming the URL, password redacted', async () => {
  const port = await freePort();
  const { log, lines } = memoryLog();
  const url = `nats://gw:s3cr3t@127.0.0.1:${port}`;
  const err = await connectNats(url, { name: 't', log, retry: false }).then(() => assert.fail('connected'), (e: unknown) => e);
  assert.ok(err instanceof GwError, String(err));
  assert.equal(err.code, 'GW_ERR_UNAVAILABLE');
  assert.equal(err.statusCode, 503);
  assert.match(err.message, new RegExp(`nats://\\[REDACTED\\]@127\\.0\\.0\\.1:${port}`));
  assert.doesNotMatch(err.message, /s3cr3t/);
  assert.doesNotMatch(lines.join(''), /s3cr3t/);
});

test('with retry it connects once the server is started later', async () => {
  const nats = await startNats();
  await nats.stop();
  const { log, lines } = memoryLog();
  try {
    const t0 = Date.now();
    const pending = connectNats(nats.url, { name: 't', log, retry: { initialMs: 100, maxMs: 400 } });
    setTimeout(() => void nats.start(), 1200);
    const nc = await pending;
    assert.ok(Date.now() - t0 >= 1000);
    assert.equal(nc.isClosed(), false);
    await nc.flush();
    const retries = lines.filter((l) => l.includes('NATS not reachable yet')).length;
    assert.ok(retries >= 2, `retried ${retries} times`);
    assert.ok(lines.some((l) => l.includes('NATS connected')));
    await nc.close();
  } finally {
    await nats.close();
  }
});

test('an aborted signal stops retrying and rejects', async () => {
  const port = await freePort();
  const { log, lines } = memoryLog();
  const ac = new AbortController();
  const t0 = Date.now();
  setTimeout(() => ac.abort(), 300);
  const err = await connectNats(`nats://127.0.0.1:${port}`, { name: 't', log, retry: { signal: ac.signal, initialMs: 5000 } }).then(() => assert.fail('connected'), (e: unknown) => e);
  assert.ok(err instanceof GwError);
  assert.equal(err.code, 'GW_ERR_UNAVAILABLE');
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  assert.equal(lines.filter((l) => l.includes('NATS not reachable yet')).length, 1);
});

test('an already aborted signal rejects without waiting', async () => {
  const port = await freePort();
  const { log } = memoryLog();
  await assert.rejects(connectNats(`nats://127.0.0.1:${port}`, { name: 't', log, retry: { signal: AbortSignal.abort() } }), { code: 'GW_ERR_UNAVAILABLE' });
});

test('a disconnect and the reconnect are logged once each', async () => {
  const nats = await startNats();
  const { log, lines } = memoryLog();
  try {
    const nc = await connectNats(nats.url, { name: 't', log, retry: false });
    await nats.stop();
    await new Promise((r) => setTimeout(r, 2500));
    await nats.start();
    for (let i = 0; i < 100 && !lines.some((l) => l.includes('NATS reconnected')); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(lines.filter((l) => l.includes('NATS disconnected')).length, 1);
    assert.equal(lines.filter((l) => l.includes('NATS reconnected')).length, 1);
    await nc.close();
  } finally {
    await nats.close();
  }
});
