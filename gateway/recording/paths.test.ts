// Recording paths: every index or request path stays inside the recordings root.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordingPaths } from './paths.ts';

test('segment paths are dated by the UTC day of their start; a channel id that is no safe name gets a hashed directory', () => {
  const paths = new RecordingPaths('/data/recordings');
  const start = Date.UTC(2026, 11, 6, 23, 59, 59, 500);
  assert.equal(paths.segmentRel('cam-1', start), `cam-1/2026-12-06/${start}.ts`);
  assert.equal(paths.absolute(paths.segmentRel('cam-1', start)), `/data/recordings/cam-1/2026-12-06/${start}.ts`);
  assert.match(paths.segmentRel('../../etc/passwd', start), /^______etc_passwd-[0-9a-f]{8}\/2026-12-06\//);
  assert.ok(paths.absolute(paths.segmentRel('../../etc/passwd', start)).startsWith('/data/recordings/'));
});

test('paths that leave the root (.., absolute, NUL, the root itself) are refused', () => {
  const paths = new RecordingPaths('/data/recordings');
  for (const bad of ['../x.ts', 'cam/../../x.ts', '/etc/passwd', 'cam/\0.ts', '', '.', 'cam/../..']) {
    assert.throws(() => paths.absolute(bad), /outside the recordings directory/, JSON.stringify(bad));
  }
  assert.equal(paths.absolute('cam/../cam-2/a.ts'), '/data/recordings/cam-2/a.ts', 'inside after normalising is fine');
});
