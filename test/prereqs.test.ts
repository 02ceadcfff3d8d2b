// `npm test` on a machine that lacks a program the suite starts fails at
// once, naming the program, its Debian package and .ci/run.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const check = (env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-test-prereqs.ts'], { env: { ...process.env, ...env }, encoding: 'utf8' });

test('with everything installed the check passes silently', () => {
  const r = check({});
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

test('a missing program fails at once with its Debian package and .ci/run', () => {
  const r = check({ PATH: '/nonexistent', FFMPEG_PATH: '', CHROMIUM_PATH: '/nonexistent/chromium' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /ffmpeg: Debian package ffmpeg/);
  assert.match(r.stderr, /Chromium \(browser tests\): Debian package chromium/);
  assert.match(r.stderr, /victoria-metrics .*: Debian package victoria-metrics/);
  assert.match(r.stderr, /Run \.ci\/run/);
});
