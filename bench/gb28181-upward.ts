// Upward start-up: how long an upper platform waits for the picture of one of
// our channels, beside a viewer of the same channel in the same run. A real
// district gateway process, N RTSP channels from the camera simulator (its own
// process, 640x360 H.264), the upper platform a stand-in in this process.
//  upper:  INVITE sent → the first complete keyframe (PS over RTP, UDP) at the
//          upper's receiver (also INVITE → 200 OK);
//  direct: GET /api/channels/:id/play → the first complete keyframe video tag
//          of its HTTP-FLV (the wall's fast path; the wall reads the same
//          stream over a WebSocket).
// Each both warm (always-on channels, ingest running) and cold (on-demand
// channels, stopped; the request starts the ingest). One at a time. With
// --gb (default), also one GB28181 channel of a simulated NVR (device
// simulator in this process, 640x360 H.264 as PS over UDP), cold and then
// warm (switched to always-on).
//   node --import tsx bench/gb28181-upward.ts [--channels 5] [--rounds 3] [--no-gb]
import { get, type ClientRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { freePort, startSim } from './camera-sim.ts';
import { ensureGbClip, GbSimHost } from '../test/sim/gbsim/index.ts';
import { stayRegistered } from '../test/sim/gbsim/stay-registered.ts';
import {
  addChannels, hangUp, invite, loadAverage, offerSdp, OUR_DOMAIN, OUR_ID, sleep, startDistrict, untilStatus, UpperSink, type District,
} from './gb28181-upward-kit.ts';
import { percentile, round } from './proc.ts';

const { values } = parseArgs({
  options: { channels: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, gb: { type: 'boolean', default: true } },
  allowNegative: true,
});
const CHANNELS = Number(values.channels);
const ROUNDS = Number(values.rounds);
const TIMEOUT_MS = 60_000;
let ssrcSeq = 0;
const progress = (line: string) => process.stderr.write(`gb28181-upward: ${line}\n`);

/** The upper INVITEs the channel's code: ms to the answer and to the first complete keyframe. */
async function upward(d: District, code: string): Promise<{ answerMs: number; keyframeMs: number }> {
  const y = `0${String(100_000_001 + ssrcSeq++)}`;
  const sink = await UpperSink.open('udp', Number(y));
  try {
    const t0 = performance.now();
    const call = await invite(d, code, offerSdp(sink.port, 'udp', y));
    const answerMs = performance.now() - t0;
    const deadline = Date.now() + TIMEOUT_MS;
    while (sink.firstKeyframeAt === undefined) {
      if (Date.now() > deadline) throw new Error(`no keyframe at the upper from ${code}`);
      await sleep(5);
    }
    await hangUp(d, call);
    return { answerMs, keyframeMs: sink.firstKeyframeAt - t0 };
  } finally {
    sink.close();
  }
}

/** A viewer: play URL, then its HTTP-FLV until the first complete keyframe tag (not the AVC sequence header). */
async function direct(d: District, id: string): Promise<number> {
  const t0 = performance.now();
  const play = await d.api<{ flv: string }>(`/api/channels/${id}/play`);
  let req: ClientRequest | undefined;
  const at = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no FLV keyframe from ${id}`)), TIMEOUT_MS);
    let pending = Buffer.alloc(0);
    let headerDone = false;
    req = get(`${d.base}${play.flv}`, (res) => {
      res.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        if (!headerDone) {
          if (pending.length < 13) return;
          pending = pending.subarray(13); // FLV header + the first PreviousTagSize
          headerDone = true;
        }
        while (pending.length >= 11) {
          const size = pending.readUIntBE(1, 3);
          if (pending.length < 11 + size + 4) break;
          // Video tag, frame type 1 (key), AVCPacketType 1 (NAL units).
          if (pending[0] === 9 && pending[11]! >> 4 === 1 && pending[12] === 1) {
            clearTimeout(timer);
            return resolve(performance.now());
          }
          pending = pending.subarray(11 + size + 4);
        }
      });
    });
    req.on('error', reject);
  });
  req?.destroy();
  return at - t0;
}

/** The NVR's one channel, ROUNDS × 2 samples per mode: cold (on demand: the district INVITEs the NVR first), then warm (always-on). */
async function gbChannel(d: District) {
  const host = await GbSimHost.start({ platform: { host: '127.0.0.1', port: d.lower.port, id: OUR_ID, domain: OUR_DOMAIN } });
  const nvr = host.addDevice({ deviceId: NVR.id, password: NVR.password, channels: 1, clip: await ensureGbClip(), keepaliveSeconds: 5 });
  const staying = stayRegistered(nvr, () => undefined, 1000);
  try {
    type Row = { id: string; gbCode?: string; source: { channelId?: string } };
    let row: Row | undefined;
    while (!(row = (await d.api<{ items: Row[] }>('/api/channels?kind=gb28181&limit=100')).items.find((c) => c.source.channelId === nvr.channelIds[0]))) await sleep(250);
    const id = row.id;
    const code = row.gbCode ?? row.source.channelId!;
    progress(`GB28181 channel ${id} in the catalog`);
    const out = { cold: { upper: [] as number[], directFlv: [] as number[] }, warm: { upper: [] as number[], directFlv: [] as number[] } };
    const stopped = () => untilStatus(d, [id], 'stopped', (s) => !s.running, 90_000);
    for (let i = 0; i < ROUNDS * 2; i++) {
      await stopped();
      out.cold.upper.push((await upward(d, code)).keyframeMs);
      await stopped();
      out.cold.directFlv.push(await direct(d, id));
    }
    await d.api(`/api/channels/${id}`, { method: 'PATCH', body: JSON.stringify({ mode: 'always-on' }) });
    await untilStatus(d, [id], 'online', (s) => s.state === 'online', 90_000);
    await sleep(3000);
    for (let i = 0; i < ROUNDS * 2; i++) {
      out.warm.upper.push((await upward(d, code)).keyframeMs);
      out.warm.directFlv.push(await direct(d, id));
    }
    return {
      source: '640x360 H.264 as PS over RTP/UDP from the GB28181 device simulator (in the bench process)',
      cold: { upper: summary(out.cold.upper), directFlv: summary(out.cold.directFlv) },
      warm: { upper: summary(out.warm.upper), directFlv: summary(out.warm.directFlv) },
    };
  } finally {
    staying.stop();
    await host.close();
  }
}

function summary(samples: number[]) {
  return { n: samples.length, medianMs: round(percentile(samples, 50), 0), p95Ms: round(percentile(samples, 95), 0), maxMs: round(Math.max(...samples), 0), samples: samples.map((s) => round(s, 0)) };
}

const simPort = await freePort();
const sim = await startSim(simPort, 'h264-360p', 'cam');
progress('simulator up');
const NVR = { id: '31010100001180000009', password: 'bench-nvr-pass-0001' };
const d = await startDistrict(values.gb ? { gbDevice: NVR } : {}).catch((err: unknown) => {
  sim.kill('SIGTERM');
  throw err;
});
progress('district registered with the upper');
try {
  const url = `rtsp://127.0.0.1:${simPort}/cam`;
  const warm = Array.from({ length: CHANNELS }, (_, i) => `warm-${i}`);
  const cold = Array.from({ length: CHANNELS }, (_, i) => `cold-${i}`);
  const codes = new Map([...await addChannels(d, warm, url, 'always-on'), ...await addChannels(d, cold, url, 'on-demand')]);
  progress('channels shared');
  await untilStatus(d, warm, 'online', (s) => s.state === 'online', 90_000);
  await sleep(3000); // a GOP or two in node-media-server's cache
  const load0 = loadAverage();

  const r = { upperWarm: [] as number[], answerWarm: [] as number[], directWarm: [] as number[], upperCold: [] as number[], answerCold: [] as number[], directCold: [] as number[] };
  const stopped = () => untilStatus(d, cold, 'stopped', (s) => !s.running, 90_000);
  for (let round = 0; round < ROUNDS; round++) {
    progress(`round ${round + 1}: warm`);
    for (const id of warm) {
      const u = await upward(d, codes.get(id)!);
      r.upperWarm.push(u.keyframeMs);
      r.answerWarm.push(u.answerMs);
      r.directWarm.push(await direct(d, id));
    }
    progress(`round ${round + 1}: cold upper`);
    await stopped();
    for (const id of cold) {
      const u = await upward(d, codes.get(id)!);
      r.upperCold.push(u.keyframeMs);
      r.answerCold.push(u.answerMs);
    }
    progress(`round ${round + 1}: cold direct`);
    await stopped();
    for (const id of cold) r.directCold.push(await direct(d, id));
  }
  const gb = values.gb ? await gbChannel(d) : undefined;
  process.stdout.write(`${JSON.stringify({
    bench: 'gb28181-upward',
    what: 'ms to the first complete keyframe: upper = INVITE sent → PS over RTP (UDP) at the upper platform; direct = play request → HTTP-FLV tag at a viewer. warm: always-on channel, ingest running; cold: on-demand channel, stopped. One request at a time.',
    source: '640x360 25 fps H.264 over RTSP (camera simulator, own process)',
    channels: CHANNELS,
    rounds: ROUNDS,
    loadAverage: { before: load0, after: loadAverage() },
    warm: { upper: summary(r.upperWarm), upperInviteTo200: summary(r.answerWarm), directFlv: summary(r.directWarm) },
    cold: { upper: summary(r.upperCold), upperInviteTo200: summary(r.answerCold), directFlv: summary(r.directCold) },
    ...(gb ? { gb28181Channel: gb } : {}),
  }, null, 2)}\n`);
} finally {
  await d.close();
  sim.kill('SIGTERM');
}
