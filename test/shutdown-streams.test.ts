// SIGTERM with a wall open: the event stream, an HTTP-FLV player and a
// WebSocket-FLV player are ended when shutdown starts, so a restart takes
// about as long as the process needs to stop, not the whole grace period
// they would otherwise hold it for.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import WebSocket from 'ws';
import { spawnGateway } from './helpers/process.ts';
import { openSse } from './helpers/sse.ts';
import { CLIP_DIR, waitFor } from './helpers/video.ts';
import { ensureClip } from './sim/clips.ts';
import { publish, type Publisher } from './sim/publisher.ts';

const GRACE_MS = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'gw-shutdown-'));
let pusher: Publisher | undefined;
after(async () => {
  await pusher?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('SIGTERM ends open event streams and FLV players at once instead of waiting out the grace period', async () => {
  const gw = spawnGateway([
    '--config', 'configs/demo.yaml', '--dataDir', join(dir, 'data'), '--http.host', '127.0.0.1', '--http.port', '0',
    '--video.rtmp.port', '0', '--sensors.broker.port', '0', '--gb28181.port', '0', '--detection.enabled', 'false',
    '--shutdown.graceMs', String(GRACE_MS),
  ]);
  const url = await gw.listening();
  const key = /GATEWAY ADMIN KEY: (\S+)/.exec(gw.stdout())![1]!;
  const rtmpPort = Number(/"rtmpPort":(\d+)/.exec(gw.stdout())![1]);
  const api = async (path: string, init: RequestInit = {}) =>
    (await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } })).json();

  // The demo's drone pushes RTMP; with its encoder live, both FLV views play.
  pusher = publish(await ensureClip('h264-360p', CLIP_DIR), `rtmp://127.0.0.1:${rtmpPort}/live/demo-drone-push-key-01`, { format: 'flv' });
  const droneId = (await api('/api/channels?kind=rtmp')).items[0].id as string;
  await waitFor(async () => ((await api(`/api/channels/${droneId}/status`)).state === 'online' || undefined), 60_000, 'the drone online');
  const play = (await api(`/api/channels/${droneId}/play`)) as { flv: string };

  const { token } = (await api('/api/url-tokens', { method: 'POST' })) as { token: string };
  const events = await openSse(`${url}/api/events?access_token=${token}`);
  const flv = await fetch(`${url}${play.flv}`);
  assert.equal(flv.status, 200);
  const flvDone = (async () => {
    const reader = flv.body!.getReader();
    let bytes = 0;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return bytes;
        bytes += value.length;
      }
    } catch {
      return bytes;
    }
  })();
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${play.flv}`);
  let wsBytes = 0;
  ws.on('message', (data: Buffer) => (wsBytes += data.length));
  const wsClosed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  await waitFor(() => wsBytes > 10_000 || undefined, 20_000, 'the WebSocket player receiving video');

  const sentAt = Date.now();
  gw.proc.kill('SIGTERM');
  assert.equal(await gw.exit, 0);
  const tookMs = Date.now() - sentAt;
  assert.ok(tookMs < GRACE_MS / 2, `stopped in ${tookMs} ms; open streams held it towards the ${GRACE_MS} ms grace period`);
  assert.ok(events.ended, 'the event stream was ended by the server');
  assert.ok((await flvDone) > 10_000, 'the HTTP-FLV player received video, then its stream ended');
  assert.equal(await wsClosed, 1001, 'the WebSocket player was told the server is going away');
  assert.match(gw.stdout(), /"msg":"gateway stopped"/);
});
