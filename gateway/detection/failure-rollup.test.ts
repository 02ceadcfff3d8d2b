// Inference failures rolled up: one line for the first, one per interval after
// it with the count, no stack; the channel fails after enough in a row.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { FailureRollup } from './failure-rollup.ts';

test('failures are logged once per interval with their count; failAfter in a row fails the channel; a success resets the run', () => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)));
  const log = pino({ level: 'info' }, stream);
  let now = 0;
  const rollup = new FailureRollup(log, { intervalMs: 10_000, failAfter: 50, now: () => now });
  const err = () => new Error('Unexpected input data type. Actual: (tensor(float)) , expected: (tensor(float16))\n    at Object.run (node:internal)');
  const verdicts: boolean[] = [];
  for (let i = 0; i < 30; i++, now += 500) verdicts.push(rollup.failed(err())); // 15 s at 2 fps
  rollup.succeeded();
  for (let i = 0; i < 49; i++, now += 500) verdicts.push(rollup.failed(err()));
  assert.equal(verdicts.filter(Boolean).length, 0, 'a success in between: 49 in a row do not fail it yet');
  assert.equal(rollup.failed(err()), true, 'the 50th in a row does');
  stream.end();
  return new Promise<void>((resolve) => setImmediate(() => {
    // 79 failures over 40 s: the first at once, then every 10 s, then the final one
    assert.ok(lines.length >= 4 && lines.length <= 6, `${lines.length} lines for 80 failures`);
    assert.deepEqual(lines.slice(0, 2).map((l) => l.failures), [1, 20]);
    assert.equal(lines.reduce((sum, l) => sum + (l.failures as number), 0), 80, 'every failure counted once');
    assert.ok(lines.every((l) => !JSON.stringify(l).includes('    at ')), 'no stack');
    assert.equal(lines.at(-1)!.level, 50);
    assert.match(rollup.reason, /^every inference fails \(50 in a row\): Unexpected input data type/);
    resolve();
  }));
});
