// Frozen tiles on the wall (issue 26), timed in headless Chromium against the
// demo with cameras of our own (test/helpers/wall-stall.ts), for HLS and FLV,
// a few repetitions each. Prints JSON (p50/max in ms):
//   stallToMark:       the RTSP source paused → the tile says 画面停滞
//   stallToApi:        the same pause → GET /api/channels/:id/status says stalled
//   resumeToMoving:    the source resumed → a moving picture on the tile again
//   reconnectToMoving: an encoder pushing RTMP away 5 s, back → a moving picture
//   ffmpegKillToMoving: the gateway's ffmpeg for the channel killed → a moving picture
//   …OnlineToMoving:   the gateway's status online again → a moving picture (the wall's own
//                      part: the gateway's restart backoff grows while a channel keeps failing)
//   node --import tsx bench/wall-stall.ts [--reps 3] [--modes hls,flv]
// The tile's states while it recovers go to stderr.
import { launchBrowser, openWall } from '../test/helpers/browser.ts';
import { startDemo } from '../test/helpers/demo.ts';
import { PUSH_CHANNEL, RTSP_CHANNEL, startStallRig, tileOf, waitForFreeze, waitForMovingPicture, waitForState } from '../test/helpers/wall-stall.ts';
import { percentile } from './proc.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const REPS = Number(arg('reps', '3'));
const MODES = arg('modes', 'hls,flv').split(',') as Array<'hls' | 'flv'>;
const ENCODER_GAP_MS = 5000;
/** After a kill, a picture still moving this long later is the new ffmpeg's (the players buffer less). */
const FREEZE_WAIT_MS = 8000;

const demo = await startDemo();
const rig = await startStallRig(demo);
const browser = await launchBrowser();
const page = await openWall(browser, demo.url, demo.keys.operator, '#/wall');
await page.waitForSelector(`[data-camera=${PUSH_CHANNEL}]`, { timeout: 30_000 });
await page.click('[data-layout="4"]');
for (const id of [RTSP_CHANNEL, PUSH_CHANNEL]) await page.click(`[data-camera=${id}]`);
const rtsp = tileOf(RTSP_CHANNEL);
const push = tileOf(PUSH_CHANNEL);

/** When the channel's status says online with an ffmpeg other than `oldPid`. */
async function onlineAgain(channelId: string, oldPid: number | undefined, deadline: number): Promise<number | null> {
  while (Date.now() < deadline) {
    const s = await demo.api<{ state: string; pid?: number }>('operator', `/api/channels/${channelId}/status`);
    if (s.state === 'online' && s.pid !== oldPid) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

async function apiStalled(deadline: number): Promise<number | null> {
  while (Date.now() < deadline) {
    const s = await demo.api<{ stalled?: boolean }>('operator', `/api/channels/${RTSP_CHANNEL}/status`);
    if (s.stalled) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

/** The tile's states from `from` on (state@ms), until the returned function is called. */
function traceStates(sel: string, from: number): () => Promise<string[]> {
  const seen: string[] = [];
  let last = '';
  let on = true;
  const done = (async () => {
    while (on) {
      const state = await page.getAttribute(sel, 'data-state').catch(() => null);
      if (state && state !== last) seen.push(`${(last = state)}@${Date.now() - from}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => {
    on = false;
    await done;
    return seen;
  };
}

const summary = (xs: number[]) => ({ samples: xs.length, p50: percentile(xs, 50), max: Math.max(0, ...xs), all: xs });
const results: Record<string, Record<string, ReturnType<typeof summary> | number>> = {};
const failures: string[] = [];

for (const mode of MODES) {
  await page.selectOption('[data-testid=play-mode]', mode);
  const seamless = { ffmpegKill: 0 };
  const t = { stallToMark: [] as number[], stallToApi: [] as number[], resumeToMoving: [] as number[], reconnectToMoving: [] as number[], reconnectOnlineToMoving: [] as number[],
    ffmpegKillToMoving: [] as number[], ffmpegOnlineToMoving: [] as number[] };
  for (let rep = 0; rep < REPS; rep++) {
    try {
      await waitForMovingPicture(page, rtsp, 60_000);
      await page.waitForTimeout(2000); // a steady picture, not the first seconds after a start
      rig.sim.server.pause('stall');
      const pausedAt = Date.now();
      const api = apiStalled(pausedAt + 20_000);
      const markedAt = await waitForState(page, rtsp, 'stalled', 20_000);
      const apiAt = await api;
      rig.sim.server.resume('stall');
      const resumedAt = Date.now();
      t.stallToMark.push(markedAt - pausedAt);
      if (apiAt !== null) t.stallToApi.push(apiAt - pausedAt);
      t.resumeToMoving.push((await waitForMovingPicture(page, rtsp, 60_000)) - resumedAt);

      await waitForMovingPicture(page, push, 60_000);
      const pushPid = (await demo.api<{ pid?: number }>('operator', `/api/channels/${PUSH_CHANNEL}/status`)).pid;
      await rig.reconnectEncoder(ENCODER_GAP_MS);
      const reconnectedAt = Date.now();
      const trace = traceStates(push, reconnectedAt);
      const pushOnline = onlineAgain(PUSH_CHANNEL, pushPid, reconnectedAt + 60_000);
      const pushMoving = await waitForMovingPicture(page, push, 60_000);
      t.reconnectToMoving.push(pushMoving - reconnectedAt);
      const pushOnlineAt = await pushOnline;
      if (pushOnlineAt !== null) t.reconnectOnlineToMoving.push(pushMoving - pushOnlineAt);
      process.stderr.write(`${mode} encoder back: ${(await trace()).join(' → ')}\n`);

      const { pid } = await demo.api<{ pid?: number }>('operator', `/api/channels/${RTSP_CHANNEL}/status`);
      if (pid) {
        const killedAt = Date.now();
        process.kill(pid, 'SIGKILL');
        const trace = traceStates(rtsp, killedAt);
        // A picture that never stopped was carried through the restart: counted apart, not as 0 ms.
        const online = onlineAgain(RTSP_CHANNEL, pid, killedAt + 90_000);
        const froze = (await waitForFreeze(page, rtsp, FREEZE_WAIT_MS)) !== null;
        const moving = froze ? await waitForMovingPicture(page, rtsp, 90_000) : null;
        const onlineAt = await online;
        if (moving === null) seamless.ffmpegKill++;
        else {
          t.ffmpegKillToMoving.push(moving - killedAt);
          if (onlineAt !== null) t.ffmpegOnlineToMoving.push(moving - onlineAt);
        }
        process.stderr.write(`${mode} ffmpeg killed: ${(await trace()).join(' → ')}\n`);
      }
    } catch (err) {
      rig.sim.server.resume('stall');
      failures.push(`${mode} rep ${rep + 1}: ${(err as Error).message}`);
    }
  }
  results[mode] = { ...Object.fromEntries(Object.entries(t).map(([k, xs]) => [k, summary(xs)])), ridThroughFfmpegKill: seamless.ffmpegKill };
}

console.log(JSON.stringify({ bench: 'wall-stall', reps: REPS, encoderGapMs: ENCODER_GAP_MS, ...results, failures }, null, 2));
await browser.close();
await rig.stop();
await demo.stop();
