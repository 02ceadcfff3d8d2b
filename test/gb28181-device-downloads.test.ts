// Downloads of recordings kept on GB28181 devices as export jobs, through the
// real SIP server, the device simulator and ffmpeg: INVITE s=Download with
// the download speed → a job of the recording export's list (kind device)
// queued → running → done, the MP4 (H.264, the range's duration) by the
// export's download route; cancel ends the device's session with a BYE; a
// device that drops fails the job with the reason and leaves no file; no
// camera password or key in what the API says about the job. The wall's list
// of one's exports marks it 设备录像 (Chromium).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import type { Role } from '../device-registry/index.ts';
import { ARTIFACTS, launchBrowser, openWall, pageErrors } from './helpers/browser.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { GB_VIDEO_ARGS, gbDeviceStatus, platformOf, registeredSimDevice } from './helpers/gb28181.ts';
import { startVideoGateway, waitFor } from './helpers/video.ts';
import { ensureGbClip, GbSimHost, type SimRecording } from './sim/gbsim/index.ts';

const HOUR = 3600_000;
/** Whole seconds: device times carry no milliseconds. */
const DAY = Math.floor(Date.now() / 1000) * 1000 - 24 * HOUR;
const RECORDINGS: SimRecording[] = Array.from({ length: 4 }, (_, i) => ({ startAt: DAY + i * HOUR, endAt: DAY + i * HOUR + 20 * 60_000, type: 'time' as const }));

interface Job { id: string; kind: string; channelId: string; state: string; progress: number; bytes: number; from: string; to: string; reason?: string; download?: string }

describe('GB28181 device downloads as export jobs', () => {
  let t: TestGateway & { sipPort: number };
  let host: GbSimHost;
  let clip: string;
  let base: string;
  /** The first test's finished download, for the wall's list. */
  let finished: { id: string; channel: string } | undefined;
  before(async () => {
    clip = await ensureGbClip();
    const gw = await startVideoGateway([...GB_VIDEO_ARGS, '--recording.exports.concurrent', '2']);
    t = Object.assign(gw, { sipPort: gw.gw.gb28181!.ports.sip });
    base = await t.app.listen({ host: '127.0.0.1', port: 0 });
    host = await GbSimHost.start({ platform: platformOf(t) });
  });
  after(async () => {
    await host.close();
    await t.stop();
  });

  const registered = (id: string) => registeredSimDevice(t, host, id, { recordings: RECORDINGS, clip });

  const download = async (channel: string, from: number, to: number, downloadSpeed: number, role: Role = 'dispatcher') => {
    const res = await t.call(role, { method: 'POST', url: `/api/channels/${channel}/device-downloads`, payload: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), downloadSpeed } });
    assert.equal(res.statusCode, 202, res.body);
    return res.json() as Job;
  };
  const job = async (id: string, role: Role = 'dispatcher') => (await t.call(role, { method: 'GET', url: `/api/exports/${id}` })).json() as Job;
  const until = (id: string, ok: (j: Job) => boolean, what: string, timeoutMs = 60_000) =>
    waitFor(async () => {
      const j = await job(id);
      return ok(j) ? j : undefined;
    }, timeoutMs, what);
  const downloadsDir = () => join(t.dataDir, 'gb28181-downloads');
  const psFiles = () => (existsSync(downloadsDir()) ? readdirSync(downloadsDir()) : []);
  const exportFiles = (id: string) => readdirSync(join(t.dataDir, 'exports')).filter((f) => f.startsWith(id));

  test('download → a device export job, running with progress, done; the MP4 by the export route is H.264 of the range\'s duration; listed, audited; the PS is gone', async () => {
    const dev = await registered('34020000001320000731');
    const channel = dev.channelIds[0]!;
    const rec = RECORDINGS[0]!;
    const refused = await t.call('operator', { method: 'POST', url: `/api/channels/${channel}/device-downloads`, payload: { from: new Date(rec.startAt).toISOString(), to: new Date(rec.startAt + 8000).toISOString() } });
    assert.equal(refused.statusCode, 403, 'an operator does not export');
    // 8 s at 2×: about 4 s of sending, long enough to see it running.
    const asked = await download(channel, rec.startAt, rec.startAt + 8000, 2);
    assert.equal(asked.kind, 'device');
    assert.equal(asked.channelId, channel);
    assert.ok(['queued', 'running'].includes(asked.state), asked.state);
    const running = await until(asked.id, (j) => j.state !== 'queued', 'the job to start');
    assert.notEqual(running.state, 'failed', running.reason);
    await waitFor(() => dev.received.history.length > 0 || undefined, 20_000, 'the INVITE at the device');
    const invite = dev.received.history.at(-1)!;
    assert.equal(invite.mode, 'Download');
    assert.equal(invite.downloadSpeed, 2);
    // Progress follows the frames' PTS over the range while it runs.
    const progressSeen: number[] = [];
    const done = await until(asked.id, (j) => {
      if (j.state === 'running') progressSeen.push(j.progress);
      return j.state === 'done' || j.state === 'failed';
    }, 'the job to end');
    assert.ok(progressSeen.some((p) => p > 0 && p < 1), `progress between 0 and 1 while running (${progressSeen.join(', ')})`);
    assert.equal(done.state, 'done', done.reason);
    assert.equal(done.progress, 1);
    assert.ok(done.bytes > 10_000, `an MP4 of ${done.bytes} bytes`);
    assert.equal(done.download, `/api/exports/${asked.id}/download`);
    assert.ok(dev.received.endOfFile.includes(channel), 'the device told the end of file');

    const file = await t.call('dispatcher', { method: 'GET', url: done.download! });
    assert.equal(file.statusCode, 200);
    assert.equal(file.headers['content-type'], 'video/mp4');
    assert.match(String(file.headers['content-disposition']), /^attachment; filename=".+\.mp4"/);
    const local = join(mkdtempSync(join(tmpdir(), 'gw-dl-')), 'device.mp4');
    writeFileSync(local, file.rawPayload);
    const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_name', '-of', 'json', local], { timeout: 20_000 });
    const probed = JSON.parse(stdout) as { format: { format_name: string; duration: string }; streams: Array<{ codec_name: string }> };
    assert.match(probed.format.format_name, /mp4/);
    assert.equal(probed.streams[0]!.codec_name, 'h264');
    const duration = Number(probed.format.duration);
    assert.ok(Math.abs(duration - 8) <= 1, `the MP4 lasts about 8 s (${duration})`);

    // The same rules as the gateway's own exports: its creator's, and in their list.
    assert.equal((await t.call('engineer', { method: 'GET', url: `/api/exports/${asked.id}` })).statusCode, 404, 'another person\'s export');
    const list = (await t.call('dispatcher', { method: 'GET', url: '/api/exports' })).json() as { items: Job[] };
    assert.equal(list.items.find((j) => j.id === asked.id)?.kind, 'device');
    const audit = (await t.call('admin', { method: 'GET', url: `/api/audit?entity=recording_exports&entityId=${asked.id}` })).json() as { items: Array<{ entityId: string; after: Record<string, unknown> }> };
    const entry = audit.items.find((a) => a.entityId === asked.id);
    assert.equal(entry?.after.kind, 'device');
    assert.equal(entry?.after.channelId, channel);
    assert.deepEqual(psFiles(), [], 'the PS it was remuxed from is removed');
    assert.deepEqual(exportFiles(asked.id), [`${asked.id}.mp4`]);
    finished = { id: asked.id, channel };
  });

  test('the wall\'s list of one\'s exports shows the device download like the others, marked 设备录像, with its download link', async () => {
    assert.ok(finished, 'the download above finished');
    const { id, channel } = finished;
    const shots = join(ARTIFACTS, 'gb28181-device-downloads');
    mkdirSync(shots, { recursive: true });
    const browser = await launchBrowser();
    try {
      const page = await openWall(browser, base, t.keys.dispatcher, '#/wall');
      await page.waitForSelector(`[data-camera="${channel}"]`, { timeout: 30_000 });
      await page.click('[data-testid=tile-0]');
      await page.click(`[data-camera="${channel}"]`);
      await page.click('[data-testid=tile-0]');
      await page.waitForSelector(`[data-testid=timeline][data-channel="${channel}"]`, { timeout: 30_000 });
      await page.click('[data-testid=export-button]');
      const item = await page.waitForSelector(`[data-testid=my-export][data-id="${id}"][data-state=done]`, { timeout: 30_000 });
      assert.equal(await (await item.$('[data-testid=my-export-kind]'))?.innerText(), '设备录像');
      const link = (await item.$('a'))!;
      assert.match(await link.innerText(), /下载 MP4/);
      assert.match((await link.getAttribute('href'))!, new RegExp(`^/api/exports/${id}/download\\?access_token=`));
      const path = join(shots, 'my-exports-device.png');
      await page.screenshot({ path });
      console.log(`screenshot: ${path}`);
      assert.deepEqual(pageErrors(page), []);
    } finally {
      await browser.close();
    }
  });

  test('cancel (DELETE /api/exports/:id): the device session ends with a BYE, the job fails as cancelled, no file is left', async () => {
    const dev = await registered('34020000001320000732');
    const channel = dev.channelIds[0]!;
    const rec = RECORDINGS[1]!;
    const asked = await download(channel, rec.startAt, rec.endAt, 1);
    await until(asked.id, (j) => j.state === 'running' && j.progress > 0, 'frames to come in');
    await waitFor(() => dev.streams.size > 0 || undefined, 20_000, 'the device to send');
    const byes = dev.received.byes;
    const cancelled = await t.call('dispatcher', { method: 'DELETE', url: `/api/exports/${asked.id}` });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const ended = await until(asked.id, (j) => j.state === 'failed', 'the job to fail as cancelled', 20_000);
    assert.match(ended.reason ?? '', /^cancelled by /);
    await waitFor(() => dev.received.byes > byes || undefined, 10_000, 'the BYE at the device');
    assert.deepEqual(exportFiles(asked.id), [], 'no MP4, no partial file');
    await waitFor(() => psFiles().length === 0 || undefined, 10_000, 'the PS removed');
    assert.equal((await t.call('dispatcher', { method: 'GET', url: `/api/exports/${asked.id}/download` })).statusCode, 409, 'a failed export has nothing to download');
    assert.equal((await t.call('dispatcher', { method: 'DELETE', url: `/api/exports/${asked.id}` })).statusCode, 409, 'an ended export is not cancelled again');
  });

  test('a device that drops mid-download: the job fails with the reason, no partial file; no password or key in what the API says', async () => {
    const dev = await registered('34020000001320000733');
    const channel = dev.channelIds[0]!;
    const rec = RECORDINGS[2]!;
    const asked = await download(channel, rec.startAt, rec.endAt, 1);
    await waitFor(() => dev.streams.size > 0 || undefined, 30_000, 'the device to send');
    await until(asked.id, (j) => j.state === 'running', 'the job to run');
    dev.close(); // stops its streams and its keepalives, sends nothing more
    const failed = await until(asked.id, (j) => j.state === 'failed', 'the job to fail', 30_000);
    assert.match(failed.reason ?? '', /^the device download ended before the end of the range: (no RTP for \d+ s|device offline)/);
    assert.deepEqual(exportFiles(asked.id), [], 'no partial MP4');
    await waitFor(() => psFiles().length === 0 || undefined, 10_000, 'the PS removed');
    // Offline (its keepalives missed), a download is refused at once rather than queued as a job that fails.
    await waitFor(async () => (await gbDeviceStatus(t, dev.deviceId)).state === 'offline' || undefined, 20_000, 'the device offline');
    const offline = await t.call('dispatcher', { method: 'POST', url: `/api/channels/${channel}/device-downloads`, payload: { from: new Date(rec.startAt).toISOString(), to: new Date(rec.startAt + 8000).toISOString() } });
    assert.equal(offline.statusCode, 503, offline.body);
    assert.match((offline.json() as { message: string }).message, /device offline/);

    const said = JSON.stringify([
      failed, await job(asked.id, 'admin'),
      (await t.call('admin', { method: 'GET', url: '/api/exports' })).json(),
      (await t.call('admin', { method: 'GET', url: '/api/audit?entity=recording_exports' })).json(),
    ]);
    for (const id of ['34020000001320000731', '34020000001320000732', '34020000001320000733']) assert.ok(!said.includes(`pw-${id}`), 'no camera password');
    for (const key of Object.values(t.keys)) assert.ok(!said.includes(key), 'no API key');
    assert.ok(!said.includes('access_token'), 'no media token');
    assert.ok(!said.includes(t.dataDir), 'no path on the gateway\'s disk');
  });
});
