// Inference failures rolled up: one line for the first, one per interval after
// it with the count, no stack; the channel fails after enough in a row.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { WarnRollup } from '../log-rollup.ts';
import { InferenceFailures } from './failure-rollup.ts';

test('failures are logged once per interval with their count; failAfter in a row fails the channel; a success resets the run', async () => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)));
  const log = pino({ level: 'info' }, stream);
  const warnings = new WarnRollup(log, 10_000);
  const failures = new InferenceFailures('c1', log, warnings, 50);
  const err = () => new Error('Unexpected input data type. Actual: (tensor(float)) , expected: (tensor(float16))\n    at Object.run (node:internal)');
  const verdicts: boolean[] = [];
  for (let i = 0; i < 30; i++) verdicts.push(failures.failed(err()));
  warnings.flush(); // an interval passes
  failures.succeeded();
  for (let i = 0; i < 49; i++) verdicts.push(failures.failed(err()));
  assert.equal(verdicts.filter(Boolean).length, 0, 'a success in between: 49 in a row do not fail it yet');
  assert.equal(failures.failed(err()), true, 'the 50th in a row does');
  warnings.stop();
  await new Promise((r) => setImmediate(r));
  // 80 failures: the first at once, 29 rolled up; the first after the interval at once, 48 rolled up; the final one
  assert.deepEqual(lines.map((l) => [l.level, l.repeated]), [[40, undefined], [40, 29], [40, undefined], [50, undefined], [40, 48]]);
  assert.ok(lines.every((l) => l.channelId === 'c1' && !JSON.stringify(l).includes('    at ')), 'one channel, no stack');
  assert.match(failures.reason, /^every inference fails \(50 in a row\): Unexpected input data type/);
});
