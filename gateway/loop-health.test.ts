// A loop whose store is away says so once per outage, without a stack, and
// once when it works again; any other failure is an error every time.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { GwError } from '../device-registry/index.ts';
import { LoopHealth } from './loop-health.ts';

test('an outage is one warning and one recovery line, not one error per tick', () => {
  const lines: Array<{ level: number; msg: string; err?: unknown }> = [];
  const out = new Writable({ write: (chunk, _e, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  const health = new LoopHealth(pino({}, out), 'webhook delivery');
  const away = new GwError('GW_ERR_UNAVAILABLE', 'the incident database is unavailable: ECONNREFUSED');
  for (let tick = 0; tick < 20; tick++) health.failed(away);
  health.ok();
  health.ok();
  health.failed(new TypeError('a bug'));
  health.failed(new TypeError('a bug'));
  return new Promise<void>((done) => setImmediate(() => {
    assert.deepEqual(lines.map((l) => [l.level, l.msg]), [
      [40, 'webhook delivery paused: its store is unavailable; retrying'],
      [30, 'webhook delivery resumed'],
      [50, 'webhook delivery failed'],
      [50, 'webhook delivery failed'],
    ]);
    assert.equal(lines[0]!.err, undefined, 'no stack for an outage');
    done();
  }));
});
