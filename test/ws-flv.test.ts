// FLV over WebSocket end to end: a real gateway pulling a real RTSP camera
// simulator, played with the `ws` client at the HTTP-FLV path. The header
// arrives first with the audio flag cleared, then H.264 video tags, one binary
// message per chunk, and what was received decodes (ffprobe). Bad tokens are
// refused with an HTTP status before the upgrade, and 20 players at once all
// get video (a 16-tile wall over HTTP/1.1 would stall at ~5).
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import type { CameraSimulator } from './sim/camera-sim.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { startOneCameraGateway } from './helpers/one-camera.ts';
import { ffprobe } from './helpers/video.ts';

let sim: CameraSimulator;
let t: TestGateway;
let wsBase: string;
let httpBase: string;

before(async () => {
  ({ sim, t, base: httpBase } = await startOneCameraGateway());
  wsBase = httpBase.replace(/^http/, 'ws');
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

const flvPath = async (id: string) => ((await t.call('operator', { method: 'GET', url: `/api/channels/${id}/play` })).json() as { flv: string }).flv;

interface Received { messages: Buffer[]; allBinary: boolean; closed?: { code: number; reason: string } }

/** Plays `path` over WebSocket until `enough` says so (or the time is up), then closes. */
function play(path: string, enough: (r: Received) => boolean, timeoutMs = 30_000): Promise<Received> {
  return new Promise((resolve, reject) => {
    const r: Received = { messages: [], allBinary: true };
    const ws = new WebSocket(`${wsBase}${path}`);
    const timer = setTimeout(() => (ws.close(), resolve(r)), timeoutMs);
    ws.on('message', (data: Buffer, isBinary) => {
      r.messages.push(data);
      r.allBinary &&= isBinary;
      if (enough(r)) {
        clearTimeout(timer);
        ws.close();
        resolve(r);
      }
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('close', (code, reason) => (r.closed = { code, reason: reason.toString() }));
  });
}

/** The status an upgrade is refused with. */
function refusal(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}${path}`);
    ws.on('open', () => (ws.close(), reject(new Error('the upgrade was accepted'))));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', (err) => reject(err));
  });
}

interface FlvTag { type: number; data: Buffer }

/** The FLV file header and the tags in it (a trailing partial tag is left out). */
function parseFlv(buf: Buffer): { flags: number; tags: FlvTag[] } {
  assert.equal(buf.toString('latin1', 0, 3), 'FLV');
  const headerSize = buf.readUInt32BE(5);
  const tags: FlvTag[] = [];
  for (let at = headerSize + 4; at + 11 <= buf.length; ) {
    const size = buf.readUIntBE(at + 1, 3);
    if (at + 11 + size + 4 > buf.length) break;
    tags.push({ type: buf[at]!, data: buf.subarray(at + 11, at + 11 + size) });
    at += 11 + size + 4;
  }
  return { flags: buf[4]!, tags };
}

const videoTags = (r: Received) => parseFlv(Buffer.concat(r.messages)).tags.filter((tag) => tag.type === 9);

test('FLV over WebSocket: the header without audio, then H.264 video tags that ffprobe decodes', async () => {
  const r = await play(await flvPath('cam-1'), (got) => got.messages.length > 5 && videoTags(got).length >= 60);
  assert.ok(r.allBinary, 'every message is binary');
  const first = r.messages[0]!;
  assert.equal(first.toString('latin1', 0, 3), 'FLV', 'the first message is the FLV header');
  const flv = parseFlv(Buffer.concat(r.messages));
  assert.equal(flv.flags & 0x04, 0, 'the audio flag is cleared');
  assert.equal(flv.flags & 0x01, 1, 'the video flag is set');
  const video = flv.tags.filter((tag) => tag.type === 9);
  assert.ok(video.length >= 60, `video tags: ${video.length}`);
  assert.ok(!flv.tags.some((tag) => tag.type === 8), 'no audio tags');
  assert.ok(video.every((tag) => (tag.data[0]! & 0x0f) === 7), 'every video tag is AVC');
  assert.equal(video[0]!.data[1], 0, 'the first video tag is the AVC sequence header');
  assert.ok(video.some((tag) => tag.data[0]! >> 4 === 1), 'a key frame');

  const file = join(t.dataDir, 'ws-flv-received.flv');
  writeFileSync(file, Buffer.concat(r.messages));
  const streams = await ffprobe(file);
  const stream = streams.find((s) => s.codec_type === 'video');
  assert.equal(stream?.codec_name, 'h264');
  assert.equal(stream?.height, 360);
  assert.ok(!streams.some((s) => s.codec_type === 'audio'));
});

test('bad tokens are refused with an HTTP status before the upgrade; the gateway stays up', async () => {
  const good = await flvPath('cam-1');
  const [, , token] = good.split('/');
  const tampered = good.replace(token!, `${token!.slice(0, -4)}AAAA`);
  const forged = await refusal(tampered);
  assert.equal(forged.status, 403);
  assert.equal((JSON.parse(forged.body) as { code: string }).code, 'GW_ERR_FORBIDDEN');
  assert.equal((await refusal(good.replace('/cam-1/', '/cam-2/'))).status, 403, "a token for another channel");
  assert.equal((await refusal('/media/short/cam-1/live.flv')).status, 400, 'a malformed token');
  const expired = `/media/1000.${Buffer.from('x').toString('base64url')}.${'A'.repeat(32)}/cam-1/live.flv`;
  assert.ok([401, 403].includes((await refusal(expired)).status));

  assert.equal((await fetch(`${httpBase}/healthz`)).status, 200, 'the gateway still answers');
  const r = await play(good, (got) => videoTags(got).length >= 5);
  assert.ok(videoTags(r).length >= 5, 'and still plays');
});

test('20 players at once all receive video', async () => {
  const paths = await Promise.all(Array.from({ length: 20 }, () => flvPath('cam-1')));
  const results = await Promise.all(paths.map((p) => play(p, (got) => videoTags(got).length >= 10, 60_000)));
  results.forEach((r, i) => assert.ok(videoTags(r).length >= 10, `player ${i}: ${videoTags(r).length} video tags`));
});

// Last: it stops the gateway's live server, the FLV upstream of every player.
test('players are closed with 1011 and a reason when the live stream ends', async () => {
  const path = await flvPath('cam-1');
  const closed = new Promise<{ code: number; reason: string }>((resolve, reject) => {
    const ws = new WebSocket(`${wsBase}${path}`);
    ws.once('message', () => void t.gw.video!.live!.stop().catch(reject));
    ws.on('error', reject);
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  let watchdog: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => (watchdog = setTimeout(() => reject(new Error('the player was not closed in 30 s')), 30_000)));
  const { code, reason } = await Promise.race([closed, timedOut]).finally(() => clearTimeout(watchdog));
  assert.equal(code, 1011);
  assert.match(reason, /live stream (ended|failed)/);
  assert.equal((await fetch(`${httpBase}/healthz`)).status, 200, 'the gateway still answers');
});
