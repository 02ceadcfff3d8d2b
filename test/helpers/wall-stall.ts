// Shared by test/wall-stall.test.ts and bench/wall-stall.ts: a demo gateway
// with cameras of our own (an RTSP simulator in this process, so a test can
// pause it, and an encoder pushing RTMP that a test can kill), and what the
// page is asked: is the picture moving, when did the stall mark come, where
// is the box against the red square in the picture.
import type { Page } from 'playwright-core';
import { startCameraSimulator, type CameraSimulator } from '../sim/camera-sim.ts';
import { ensureClip } from '../sim/clips.ts';
import { publish, type Publisher } from '../sim/publisher.ts';
import { CLIP_DIR } from './video.ts';
import type { DemoGateway } from './demo.ts';

export const RTSP_CHANNEL = 'cam-stall-rtsp';
export const PUSH_CHANNEL = 'cam-stall-push';
export const BOX_CHANNEL = 'cam-stall-box';
const PUSH_KEY = 'stall-test-push-key-0001';

export interface StallRig {
  sim: CameraSimulator;
  encoder: () => Publisher;
  /** Stops the encoder and, `gapMs` later, starts a new one (an encoder rebooting and pushing again); resolves when it starts. */
  reconnectEncoder: (gapMs: number) => Promise<void>;
  stop: () => Promise<void>;
}

/** An RTSP camera (always on), an RTMP push channel fed by our encoder, and a detection channel on the red square. */
export async function startStallRig(demo: DemoGateway, opts: { boxChannel?: boolean } = {}): Promise<StallRig> {
  const sim = await startCameraSimulator({ host: '127.0.0.1', clipDir: CLIP_DIR, streams: [{ path: 'stall', clip: 'red-square-360p' }] });
  await sim.waitReady('stall');
  const grid = '310101001001001';
  await demo.api('admin', '/api/channels', { body: { id: RTSP_CHANNEL, name: '停滞-RTSP', kind: 'rtsp', source: { url: sim.url('stall') }, gridCode: grid, mode: 'always-on' } });
  await demo.api('admin', '/api/channels', { body: { id: PUSH_CHANNEL, name: '停滞-推流', kind: 'rtmp', source: { pushKey: PUSH_KEY }, gridCode: grid, mode: 'always-on' } });
  if (opts.boxChannel) {
    await demo.api('admin', '/api/channels', { body: { id: BOX_CHANNEL, name: '框-红方块', kind: 'rtsp', source: { url: sim.url('stall') }, gridCode: grid, mode: 'always-on', detectionProfile: 'people' } });
  }
  const { rtmp } = await demo.api<{ rtmp: { port: number } | null }>('admin', '/api/video/ingest');
  if (!rtmp) throw new Error('the demo runs no RTMP server');
  const clip = await ensureClip('red-square-360p', CLIP_DIR);
  const target = `rtmp://127.0.0.1:${rtmp.port}/live/${PUSH_KEY}`;
  let encoder = publish(clip, target, { format: 'flv' });
  return {
    sim,
    encoder: () => encoder,
    reconnectEncoder: async (gapMs) => {
      await encoder.stop();
      await new Promise((r) => setTimeout(r, gapMs));
      encoder = publish(clip, target, { format: 'flv' });
    },
    stop: async () => {
      await encoder.stop();
      await sim.stop();
    },
  };
}

export const tileOf = (channelId: string) => `.tile[data-channel="${channelId}"]`;

/** The tile's decoded frame count and position now. */
export const progressOf = (page: Page, sel: string) =>
  page.$eval(`${sel} video`, (v) => ({ frames: (v as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames, time: (v as HTMLVideoElement).currentTime }));

/** Resolves with the time (Date.now()) when the tile shows new frames over `windowMs` while saying playing. */
export async function waitForMovingPicture(page: Page, sel: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = await page.getAttribute(sel, 'data-state');
    if (state === 'playing') {
      const a = await progressOf(page, sel);
      await page.waitForTimeout(500);
      const b = await progressOf(page, sel);
      if (b.frames > a.frames + 3 && b.time > a.time && (await page.getAttribute(sel, 'data-state')) === 'playing') return Date.now() - 500;
    } else await page.waitForTimeout(100);
  }
  throw new Error(`${sel}: no moving picture within ${timeoutMs} ms (state ${await page.getAttribute(sel, 'data-state')})`);
}

/**
 * Time (Date.now()) the tile's picture stops (no new frame over 400 ms) or it
 * leaves playing; null when it kept moving for `timeoutMs` (a restart the
 * players rode through: the live server resumes a stream whose publisher
 * came back within its grace).
 */
export async function waitForFreeze(page: Page, sel: string, timeoutMs: number): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  let last = await progressOf(page, sel).catch(() => undefined);
  let still = Date.now();
  while (Date.now() < deadline) {
    await page.waitForTimeout(100);
    if ((await page.getAttribute(sel, 'data-state')) !== 'playing') return Date.now();
    const now = await progressOf(page, sel).catch(() => undefined);
    if (!now || !last || now.frames > last.frames) still = Date.now();
    else if (Date.now() - still >= 400) return still;
    last = now;
  }
  return null;
}

/** Time (Date.now()) the tile first says `state`. */
export async function waitForState(page: Page, sel: string, state: string, timeoutMs: number): Promise<number> {
  await page.waitForSelector(`${sel}[data-state=${state}]`, { timeout: timeoutMs, state: 'attached' });
  return Date.now();
}

export interface BoxSample {
  /** Box centre minus square centre, horizontally, in the tile's CSS pixels (positive: the box is ahead of the square). */
  dx: number;
  /** The same in seconds of the square's motion. */
  dtMs: number;
  boxW: number;
  scale: number;
}

/**
 * The drawn box against the red square in the picture on screen, read in one
 * go in the page (the square moves (640 − 48) px per 10 s in the source).
 * Undefined when no box or no square is on screen.
 */
export async function boxVsSquare(page: Page, sel: string): Promise<BoxSample | undefined> {
  return page.$eval(sel, (el) => {
    const video = el.querySelector('video') as HTMLVideoElement;
    const boxes = JSON.parse((el.querySelector('canvas') as HTMLCanvasElement).dataset.boxes ?? '[]') as Array<{ x: number; y: number; w: number; h: number }>;
    if (boxes.length !== 1 || !video.videoWidth) return undefined;
    const c = document.createElement('canvas');
    [c.width, c.height] = [video.videoWidth, video.videoHeight];
    const g = c.getContext('2d')!;
    g.drawImage(video, 0, 0);
    const { data } = g.getImageData(0, 0, c.width, c.height);
    let [x0, x1] = [Infinity, -1];
    for (let y = 0; y < c.height; y += 2) for (let x = 0; x < c.width; x++) {
      const i = (y * c.width + x) * 4;
      if (data[i]! > 180 && data[i + 1]! < 80 && data[i + 2]! < 80) [x0, x1] = [Math.min(x0, x), Math.max(x1, x)];
    }
    if (x1 < 0) return undefined;
    const scale = Math.min(el.clientWidth / c.width, el.clientHeight / c.height);
    const ox = (el.clientWidth - c.width * scale) / 2;
    const square = ox + ((x0 + x1 + 1) / 2) * scale;
    const box = boxes[0]!;
    const dx = box.x + box.w / 2 - square;
    return { dx, dtMs: (dx / scale / 59.2) * 1000, boxW: box.w, scale };
  }).catch(() => undefined);
}
