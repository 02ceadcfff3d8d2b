// kill -9 of a real gateway process while a channel records: after a restart
// the index and the files agree (no row without its file, no file without its
// row), and at most the segment that was open is partly lost: it is adopted
// up to its last whole packet.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnGateway, type GatewayProcess } from './helpers/process.ts';
import { waitFor } from './helpers/video.ts';
import { restartFixture } from './helpers/restart-fixture.ts';

const KEY = 'recording-crash-admin-key-0123456789';
const SEGMENT_SECONDS = 4;
const dir = mkdtempSync(join(tmpdir(), 'gw-rec-crash-'));
const args = [
  '--dataDir', dir, '--http.host', '127.0.0.1', '--http.port', '0', '--video.enabled', 'true', '--video.rtmp.port', '0', '--video.rtmp.flvHttpPort', '0',
  '--video.startStaggerMs', '0', '--sensors.broker.port', '0', '--gb28181.port', '0', '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0',
  '--recording.segmentSeconds', String(SEGMENT_SECONDS), '--log.level', 'info',
];
const env = { GATEWAY_AUTH__ADMIN_KEY: KEY };
let gw: GatewayProcess | undefined;
const camera = restartFixture(dir, () => gw);

type Seg = { start: string; end: string; bytes: number };
const api = async (base: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers } });
const segmentsOf = async (base: string) =>
  ((await (await api(base, `/api/channels/cam-crash/recordings?from=${Date.now() - 3_600_000}&to=${Date.now() + 60_000}`)).json()) as { segments: Seg[] }).segments;

const channelDir = join(dir, 'recordings', 'cam-crash');
const dayFiles = () => readdirSync(channelDir).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).flatMap((d) => readdirSync(join(channelDir, d)).map((f) => `${d}/${f}`)).sort();
const rowFile = (s: Seg) => `${s.start.slice(0, 10)}/${Date.parse(s.start)}.ts`;

test('kill -9 mid-segment: after a restart the index and the files agree, and the open segment is adopted up to its last packet', async () => {
  gw = spawnGateway(args, env);
  const base = await gw.listening();
  const created = await api(base, '/api/channels', { method: 'POST', body: JSON.stringify({ id: 'cam-crash', name: 'crash', kind: 'rtsp', source: { url: camera.cameraUrl() }, recording: { mode: 'continuous' } }) });
  assert.equal(created.status, 201, await created.text());
  await waitFor(async () => ((await segmentsOf(base)).length >= 3 ? true : undefined), 90_000, 'three segments');
  // Mid-segment: the open one has a couple of seconds in it.
  const open = await waitFor(() => {
    const list = readdirSync(join(channelDir, '.incoming')).filter((n) => n.endsWith('.ts'));
    const file = list.map((n) => join(channelDir, '.incoming', n)).find((f) => statSync(f).size > 100_000 || Date.now() - statSync(f).birthtimeMs > 2000);
    return file;
  }, 30_000, 'an open segment with media in it');
  const before = await segmentsOf(base);
  const killedAt = Date.now();
  gw.proc.kill('SIGKILL');
  await gw.exit;
  assert.ok(existsSync(open), 'the open segment is left behind');
  // The tied ffmpeg dies with the gateway and stops writing.
  await new Promise((r) => setTimeout(r, 1500));

  gw = spawnGateway(args, env);
  const again = await gw.listening();
  // Before the new ffmpeg closes its first segment: the files and the rows as start-up left them.
  const files = dayFiles();
  const rows = await segmentsOf(again);
  assert.deepEqual(rows.map(rowFile).sort(), files, 'no row without its file, no file without its row');
  assert.deepEqual(readdirSync(join(channelDir, '.incoming')).filter((n) => n.endsWith('.ts')).filter((n) => statSync(join(channelDir, '.incoming', n)).mtimeMs < killedAt + 1000), [], 'nothing left unindexed from before');
  assert.ok(rows.length >= before.length + 1, `${before.length} segments before, ${rows.length} after: the open one adopted`);
  const lastEnd = Date.parse(rows.at(-1)!.end);
  console.log(`killed at 0: indexed footage ends at ${(lastEnd - killedAt) / 1000} s`);
  assert.ok(lastEnd >= killedAt - 2000, `footage up to ${(lastEnd - killedAt) / 1000} s of the kill`);
  // And it records on.
  await waitFor(async () => ((await segmentsOf(again)).length > rows.length ? true : undefined), 60_000, 'recording after the restart');
});
