// The camera simulator against real ffmpeg/ffprobe: publish, read, auth,
// errors, a stalled camera and a dying encoder. About 30 s; needs ffmpeg.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCameraSimulator, type CameraSimulator } from './camera-sim.ts';
import { RawClient, ffprobe, startReader, type Reader } from './readers.ts';
import { RtspServer } from './rtsp-server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe('camera simulator (RTSP server + ffmpeg publisher)', { timeout: 90_000 }, () => {
  let dir = '';
  let sim: CameraSimulator;
  let secure: CameraSimulator;
  const readers: Reader[] = [];
  const reader = (url: string, seconds?: number) => {
    const r = startReader(url, seconds);
    readers.push(r);
    return r;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'camera-sim-test-'));
    const clip = 'h264-360p' as const;
    // One after the other, so a failure of the second still leaves the first for after() to stop.
    sim = await startCameraSimulator({ clipDir: dir, streams: ['cam-1', 'stall', 'crash'].map((path) => ({ path, clip })) });
    const credentials = { username: 'admin', password: 'S3cret!' };
    secure = await startCameraSimulator({ clipDir: dir, streams: [{ path: 'cam-1', clip }], credentials });
    await Promise.all([...['cam-1', 'stall', 'crash'].map((p) => sim.waitReady(p)), secure.waitReady('cam-1')]);
  });

  after(async () => {
    await Promise.all(readers.map((r) => r.stop()));
    await Promise.all([sim?.stop(), secure?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('(a) ffprobe reads the published H.264 640x360 stream', async () => {
    const res = await ffprobe(sim.url('cam-1'), ['-show_streams', '-of', 'json']);
    assert.equal(res.code, 0, res.stderr);
    const streams = (JSON.parse(res.stdout) as { streams: Array<Record<string, unknown>> }).streams;
    assert.equal(streams.length, 1);
    assert.deepEqual([streams[0]?.codec_name, streams[0]?.width, streams[0]?.height], ['h264', 640, 360]);
  });

  it('(b) two concurrent readers each decode 3 s of video', async () => {
    const pair = [reader(sim.url('cam-1'), 3), reader(sim.url('cam-1'), 3)];
    await until('both readers playing', () => sim.server.stats().players['cam-1'] === 2);
    const codes = await Promise.all(pair.map((r) => r.exit));
    for (const [i, r] of pair.entries()) {
      assert.equal(codes[i], 0, r.stderr());
      assert.ok(r.frames() >= 50, `reader ${i} decoded ${r.frames()} frames`);
      assert.doesNotMatch(r.stderr(), /error|corrupt|non-monoton/i);
    }
    assert.ok(sim.server.stats().bytesRelayed > 0);
  });

  it('(c) with credentials: 401 without or with a wrong password, plays with the right one', async () => {
    const anonymous = await ffprobe(secure.url('cam-1'));
    assert.notEqual(anonymous.code, 0);
    assert.match(anonymous.stderr, /401/);
    const wrong = await ffprobe(secure.url('cam-1').replace('rtsp://', 'rtsp://admin:nope@'));
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /401/);
    const right = await ffprobe(secure.url('cam-1', true), ['-show_streams', '-of', 'json']);
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /"codec_name": "h264"/);

    // Basic is accepted too, as from clients that send it unasked; the challenge is Digest.
    const raw = await RawClient.open(secure.port);
    try {
      const challenge = await raw.request('DESCRIBE', secure.url('cam-1'), 1);
      assert.equal(challenge.status, 401);
      assert.match(challenge.headers, /WWW-Authenticate: Digest realm="[^"]+", nonce="[0-9a-f]+"/);
      const basic = Buffer.from('admin:S3cret!').toString('base64');
      const ok = await raw.request('DESCRIBE', secure.url('cam-1'), 2, [`Authorization: Basic ${basic}`]);
      assert.equal(ok.status, 200);
      assert.match(ok.body, /a=rtpmap:\d+ H264\/90000/);
    } finally {
      raw.close();
    }
  });

  it('(d) an unknown path is 404', async () => {
    const res = await ffprobe(sim.url('no-such-camera'));
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /404/);
  });

  it('(e) malformed requests get 400 and the server keeps serving', async () => {
    const raw = await RawClient.open(sim.port);
    try {
      raw.write('GARBAGE\r\n\r\n');
      assert.equal((await raw.next()).status, 400);
      // The connection resynchronises; a request split into single bytes still parses.
      const options = Buffer.from(`OPTIONS ${sim.url('cam-1')} RTSP/1.0\r\nCSeq: 7\r\n\r\n`);
      for (const byte of options) raw.write(Buffer.from([byte]));
      const ok = await raw.next();
      assert.equal(ok.status, 200);
      assert.match(ok.headers, /CSeq: 7/);
      // An impossible Content-Length cannot be skipped: 400, then the server hangs up.
      raw.write('ANNOUNCE rtsp://x/y RTSP/1.0\r\nCSeq: 8\r\nContent-Length: -5\r\n\r\n');
      assert.equal((await raw.next()).status, 400);
      await until('the server to close the socket', () => raw.isClosed, 5000);
    } finally {
      raw.close();
    }
    const res = await ffprobe(sim.url('cam-1'), ['-show_streams', '-of', 'json']);
    assert.equal(res.code, 0, res.stderr);
  });

  it('(f) pause() stalls the stream while the session stays open', async () => {
    const r = reader(sim.url('stall'));
    await until('frames before the stall', () => r.frames() >= 25);
    sim.server.pause('stall');
    await sleep(700); // packets already in flight drain
    const stalledAt = r.frames();
    await sleep(2000);
    assert.ok(r.frames() - stalledAt <= 1, `frames went on during the stall: ${stalledAt} → ${r.frames()}`);
    assert.ok(r.running(), 'the reader should still be waiting on its open session');
    assert.equal(sim.server.stats().players.stall, 1);

    sim.server.resume('stall');
    await until('frames after resume', () => r.frames() >= stalledAt + 25);
    await r.stop();
  });

  it('(g) a killed publisher is restarted and readers can read again', async () => {
    const victim = reader(sim.url('crash'));
    await until('frames before the crash', () => victim.frames() >= 10);
    const publisher = sim.publisher('crash')!;
    const pid = publisher.pid();
    assert.ok(pid);
    process.kill(pid, 'SIGKILL');
    // The server ends the path's sessions, so the reader sees the stream end instead of hanging.
    await until('the reader to exit', () => !victim.running(), 5000);
    await until('the publisher restart', () => publisher.restarts() >= 1 && publisher.pid() !== pid, 5000);
    await sim.waitReady('crash', 10_000);
    const again = reader(sim.url('crash'), 2);
    assert.equal(await again.exit, 0, again.stderr());
    assert.ok(again.frames() >= 25, `decoded ${again.frames()} frames after the restart`);
  });

  it('(h) a reader that stops reading is disconnected, not buffered forever', async () => {
    // A raw publisher pushes faster than real time, so buffers fill in a second, not in minutes.
    const log: string[] = [];
    const server = new RtspServer({ maxPlayerBuffer: 256 * 1024, log: (line) => log.push(line) });
    const port = await server.start();
    const url = server.url('slow');
    const [pub, player] = await Promise.all([RawClient.open(port), RawClient.open(port)]);
    try {
      const sdp = 'v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=raw\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n' +
        'a=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n';
      assert.equal((await pub.request('ANNOUNCE', url, 1, ['Content-Type: application/sdp'], sdp)).status, 200);
      const pubSetup = await pub.request('SETUP', `${url}/streamid=0`, 2, ['Transport: RTP/AVP/TCP;unicast;interleaved=0-1;mode=record']);
      assert.equal(pubSetup.status, 200);
      const pubSession = /Session: ([^;\r\n]+)/.exec(pubSetup.headers)?.[1] ?? '';
      assert.equal((await pub.request('RECORD', url, 3, [`Session: ${pubSession}`])).status, 200);

      assert.equal((await player.request('DESCRIBE', url, 1)).status, 200);
      const setup = await player.request('SETUP', `${url}/streamid=0`, 2, ['Transport: RTP/AVP/TCP;unicast;interleaved=4-5']);
      assert.match(setup.headers, /Transport: RTP\/AVP\/TCP;unicast;interleaved=4-5/);
      const session = /Session: ([^;\r\n]+)/.exec(setup.headers)?.[1] ?? '';
      assert.equal((await player.request('PLAY', url, 3, [`Session: ${session}`])).status, 200);
      assert.equal(server.stats().players.slow, 1);
      player.socket.pause();

      // RTP packets whose payload is an IDR slice NAL (type 5), so the keyframe gate lets them through.
      const packet = Buffer.alloc(4 + 12 + 1400, 0xab);
      packet.set([0x24, 0, (12 + 1400) >> 8, (12 + 1400) & 0xff, 0x80, 96]);
      packet[16] = 0x65;
      const burst = Buffer.concat(Array.from({ length: 100 }, () => packet));
      let sent = 0;
      while (server.stats().players.slow !== 0 && sent < 200 * 1024 * 1024) {
        if (!pub.socket.write(burst)) await new Promise((r) => pub.socket.once('drain', r));
        sent += burst.length;
      }
      assert.equal(server.stats().players.slow, 0, `still playing after ${sent} bytes`);
      assert.ok(log.some((l) => /slow reader/.test(l)), log.join('\n'));
      assert.deepEqual(server.stats().publishers, ['slow'], 'the publisher is unaffected');
    } finally {
      pub.close();
      player.close();
      await server.stop();
    }
  });
});
