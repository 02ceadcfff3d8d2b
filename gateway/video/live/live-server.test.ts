// Real pushes with Debian's ffmpeg into the embedded node-media-server:
// accepted and refused keys, loopback-only internal/, HTTP-FLV and WS-FLV
// playback, and a stop() that leaves nothing running.
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { LiveServer, type LiveRejectEvent, type LiveStreamEvent } from './live-server.ts';
import { nmsContext } from './nms.ts';
import { addressOf, decidePlay, decidePublish } from './policy.ts';

const FFMPEG = '/usr/bin/ffmpeg';
const FFPROBE = '/usr/bin/ffprobe';
const GOOD_KEY = 'k3y-accepted_01';
const require = createRequire(import.meta.url);
// ws comes with node-media-server; Node 20 has no WebSocket without a flag
const WebSocket = createRequire(require.resolve('node-media-server'))('ws') as new (url: string) => {
  once(event: 'message', cb: (data: Buffer) => void): void;
  once(event: 'close' | 'open', cb: () => void): void;
  once(event: 'error', cb: (err: Error) => void): void;
};

const dir = mkdtempSync(join(tmpdir(), 'live-server-'));
const clip = join(dir, 'clip.mp4');
const children = new Set<ChildProcess>();
const logLines: string[] = [];
const published: LiveStreamEvent[] = [];
const externalIp = Object.values(networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address;
let server: LiveServer;
let ports: { rtmpPort: number; httpPort: number };

function ffmpegPush(url: string): ChildProcess {
  const child = spawn(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip, '-c', 'copy', '-f', 'flv', url], { stdio: 'ignore' });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess, ms: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ffmpeg still running after ${ms} ms`)), ms);
    child.once('exit', (code) => { clearTimeout(timer); resolve(code); });
  });
}

function nextEvent<E extends 'publish' | 'unpublish' | 'rejected'>(event: E, name: string, ms = 8000): Promise<E extends 'rejected' ? LiveRejectEvent : LiveStreamEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} for ${name} within ${ms} ms`)), ms);
    const listener = (ev: LiveRejectEvent) => {
      if (ev.name !== name) return;
      clearTimeout(timer);
      server.off(event, listener as never);
      resolve(ev as never);
    };
    server.on(event, listener as never);
  });
}

function probe(url: string): Promise<{ codec_name: string; width: number; height: number }> {
  return new Promise((resolve, reject) => {
    // NMS's FLV header always announces audio; without a set analyzeduration
    // ffmpeg waits up to 90 s on FLV for the audio stream that never comes.
    execFile(FFPROBE, ['-v', 'error', '-analyzeduration', '1000000', '-select_streams', 'v', '-show_streams', '-of', 'json', url], { timeout: 15_000 }, (err, stdout) => {
      if (err) return reject(err);
      const stream = (JSON.parse(stdout) as { streams: Array<{ codec_name: string; width: number; height: number }> }).streams[0];
      return stream ? resolve(stream) : reject(new Error('ffprobe found no video stream'));
    });
  });
}

before(async () => {
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '6',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', clip]);
  server = new LiveServer({
    // a wildcard bind lets a test connect from a non-loopback address of this host
    rtmpHost: externalIp ? '0.0.0.0' : '127.0.0.1',
    rtmpPort: 0,
    httpPort: 0,
    authorizePush: async (key) => { await new Promise((r) => setTimeout(r, 100)); return key === GOOD_KEY; },
    log: pino({ level: 'trace' }, { write: (line: string) => { logLines.push(line); } }),
  });
  server.on('publish', (ev) => published.push(ev));
  ports = await server.start();
  assert.ok(ports.rtmpPort > 0 && ports.httpPort > 0);
});

after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('policy: who may publish and play', () => {
  assert.equal(addressOf('::ffff:127.0.0.1:50000'), '127.0.0.1');
  assert.deepEqual(decidePublish({ app: 'internal', protocol: 'rtmp', address: '10.1.2.3', busy: false }), { action: 'reject', reason: 'internal-not-loopback' });
  assert.deepEqual(decidePublish({ app: 'internal', protocol: 'flv', address: '127.0.0.1', busy: false }), { action: 'reject', reason: 'flv-publish' });
  assert.deepEqual(decidePublish({ app: 'live', protocol: 'rtmp', address: '10.1.2.3', busy: false }), { action: 'authorize' });
  assert.equal(decidePlay({ app: 'internal', protocol: 'rtmp', address: '10.1.2.3' }), 'play-not-loopback');
  assert.equal(decidePlay({ app: 'internal', protocol: 'flv', address: '127.0.0.1' }), undefined);
});

test('a push with an accepted key publishes and plays over HTTP-FLV', { timeout: 20_000 }, async () => {
  const publish = nextEvent('publish', GOOD_KEY);
  const ffmpeg = ffmpegPush(`rtmp://127.0.0.1:${ports.rtmpPort}/live/${GOOD_KEY}`);
  assert.deepEqual(await publish, { app: 'live', name: GOOD_KEY, ip: '127.0.0.1' });
  assert.ok(server.isPublishing('live', GOOD_KEY));
  const video = await probe(server.flvUrl('live', GOOD_KEY));
  assert.deepEqual([video.codec_name, video.width, video.height], ['h264', 640, 360]);
  const second = nextEvent('rejected', GOOD_KEY);
  ffmpegPush(`rtmp://127.0.0.1:${ports.rtmpPort}/live/${GOOD_KEY}`);
  assert.equal((await second).reason, 'already-publishing');
  const unpublish = nextEvent('unpublish', GOOD_KEY);
  ffmpeg.kill('SIGKILL');
  await unpublish;
  assert.ok(!server.isPublishing('live', GOOD_KEY));
  assert.ok(!logLines.some((line) => line.includes(GOOD_KEY)), 'a push key reached the log');
});

test('a wrong key is refused at once and publishes nothing', { timeout: 10_000 }, async () => {
  const rejected = nextEvent('rejected', 'wrong-key');
  const started = Date.now();
  const ffmpeg = ffmpegPush(`rtmp://127.0.0.1:${ports.rtmpPort}/live/wrong-key`);
  assert.equal((await rejected).reason, 'denied');
  assert.notEqual(await exited(ffmpeg, 5000), 0);
  assert.ok(Date.now() - started < 5000);
  assert.ok(!server.isPublishing('live', 'wrong-key'));
  assert.ok(!published.some((ev) => ev.name === 'wrong-key'));
  await new Promise((r) => setImmediate(r));
  assert.equal(nmsContext.broadcasts.get('/live/wrong-key')?.publisher ?? null, null, 'NMS still holds the refused publisher');
});

test('an unknown app is refused', { timeout: 10_000 }, async () => {
  const rejected = nextEvent('rejected', 'x');
  const ffmpeg = ffmpegPush(`rtmp://127.0.0.1:${ports.rtmpPort}/other/x`);
  assert.equal((await rejected).reason, 'unknown-app');
  assert.notEqual(await exited(ffmpeg, 5000), 0);
});

test('a bad stream name is refused without harm over RTMP and HTTP', { timeout: 10_000 }, async () => {
  const rejected = nextEvent('rejected', '');
  const ffmpeg = ffmpegPush(`rtmp://127.0.0.1:${ports.rtmpPort}/live/a.b`);
  assert.equal((await rejected).reason, 'invalid-name');
  assert.notEqual(await exited(ffmpeg, 5000), 0);
  // NMS 4.4.3 alone would crash the process on this one
  assert.equal((await fetch(`http://127.0.0.1:${ports.httpPort}/a$b/c.flv`)).status, 404);
});

test('publishing over HTTP-FLV is refused', { timeout: 10_000 }, async () => {
  const rejected = nextEvent('rejected', 'cam-7');
  const flv = Buffer.from('464c560105000000090000000000', 'hex'); // header and first tag size
  await assert.rejects(fetch(server.flvUrl('internal', 'cam-7'), { method: 'POST', body: flv }).then((res) => res.arrayBuffer()));
  assert.equal((await rejected).reason, 'flv-publish');
  assert.ok(!server.isPublishing('internal', 'cam-7'));
});

test('from a non-loopback address: no internal/ publish, no RTMP play', { skip: !externalIp && 'no non-loopback IPv4', timeout: 15_000 }, async () => {
  const base = `rtmp://${externalIp}:${ports.rtmpPort}`;
  const refused = nextEvent('rejected', 'cam-9');
  const ffmpeg = ffmpegPush(`${base}/internal/cam-9`);
  assert.deepEqual(await refused, { app: 'internal', name: 'cam-9', ip: externalIp, reason: 'internal-not-loopback' });
  assert.notEqual(await exited(ffmpeg, 5000), 0);
  const playRefused = nextEvent('rejected', 'cam-9');
  await assert.rejects(probe(`${base}/internal/cam-9`));
  assert.equal((await playRefused).reason, 'play-not-loopback');
});

test('internal/cam-1 from loopback plays over HTTP-FLV and WS-FLV, and stop() ends everything', { timeout: 25_000 }, async () => {
  const publish = nextEvent('publish', 'cam-1');
  const ffmpeg = ffmpegPush(server.rtmpUrl('internal', 'cam-1'));
  await publish;
  const video = await probe(server.flvUrl('internal', 'cam-1'));
  assert.deepEqual([video.codec_name, video.width, video.height], ['h264', 640, 360]);

  const ws = new WebSocket(server.wsFlvUrl('internal', 'cam-1'));
  const first = await new Promise<Buffer>((resolve, reject) => { ws.once('message', resolve); ws.once('error', reject); });
  assert.equal(first.subarray(0, 3).toString('latin1'), 'FLV');
  const player = await fetch(server.flvUrl('internal', 'cam-1')); // left streaming on purpose
  assert.equal(player.status, 200);

  const { rtmpPort, httpPort } = ports;
  const wsClosed = new Promise<void>((resolve) => ws.once('close', resolve));
  const unpublish = nextEvent('unpublish', 'cam-1');
  await server.stop();
  await Promise.all([wsClosed, unpublish]);
  assert.notEqual(await exited(ffmpeg, 5000), 0);
  await assert.rejects(player.body!.pipeTo(new WritableStream()));
  for (const port of [rtmpPort, httpPort]) {
    const socket = connect(port, '127.0.0.1');
    await assert.rejects(once(socket, 'connect'), /ECONNREFUSED/);
  }
});

test('a port clash rejects start(), and a process that stops its LiveServer exits by itself', { timeout: 15_000 }, async () => {
  const script = join(dir, 'stop.mts');
  writeFileSync(script, `
    import { connect } from 'node:net';
    import { pino } from ${JSON.stringify(pathToFileURL(require.resolve('pino')).href)};
    import { LiveServer } from ${JSON.stringify(new URL('./live-server.ts', import.meta.url).href)};
    import { createServer } from 'node:net';
    const log = pino({ level: 'silent' });
    const taken = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => taken.once('listening', r));
    const clash = new LiveServer({ rtmpHost: '127.0.0.1', rtmpPort: taken.address().port, authorizePush: () => true, log });
    const failed = await clash.start().then(() => 'started', (err) => err.message);
    if (!/cannot listen/.test(failed)) throw new Error('port clash gave: ' + failed);
    taken.close();
    const server = new LiveServer({ rtmpHost: '127.0.0.1', rtmpPort: 0, authorizePush: () => true, log });
    const { rtmpPort, httpPort } = await server.start();
    const idle = [connect(rtmpPort, '127.0.0.1'), connect(httpPort, '127.0.0.1')];
    for (const s of idle) { s.on('error', () => {}); await new Promise((r) => s.once('connect', r)); }
    await server.stop(); // the idle clients close when the server side does
  `);
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { out += d.toString(); });
  assert.equal(await exited(child, 10_000), 0, out);
  assert.equal(out, '', 'node-media-server wrote to stdout/stderr');
  console.log(`  child exited ${Date.now() - started} ms after spawn`);
});
