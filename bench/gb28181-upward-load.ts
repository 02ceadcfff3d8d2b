// Upward load: 100 of our channels sent up to an upper platform at once. A
// real district gateway process with N always-on RTSP channels of one camera
// simulator path (its own process; CIF 352x288 25 fps H.264, 1 s GOP: a
// camera's sub-stream, so that N ingests fit beside the rest on 2 cores), the
// upper platform a stand-in in this process. CPU of the gateway's node
// process (where the upward path runs: FLV read, PS mux, RTP send) and of its
// ffmpeg children (the ingest) over a window:
//   ingest alone → N upward sessions over UDP → (TCP) → ingest alone again.
// Per stream = (with sessions − ingest alone) / N, ingest alone being the mean
// of the windows before and after (its baseline drifts by several points). Packets and bytes sent
// from the gateway's metrics; RTP loss from sequence gaps at the receivers
// (which share the cores, so a drop may be theirs).
//   node --import tsx bench/gb28181-upward-load.ts [--channels 100] [--seconds 20] [--transports udp,tcp]
import { parseArgs } from 'node:util';
import { freePort, startSim } from './camera-sim.ts';
import {
  addChannels, hangUp, invite, loadAverage, measureGateway, offerSdp, sleep, startDistrict, untilStatus, upwardCounters, UpperSink, type Call, type District,
} from './gb28181-upward-kit.ts';
import { percentile, round } from './proc.ts';

const { values } = parseArgs({ options: { channels: { type: 'string', default: '100' }, seconds: { type: 'string', default: '20' }, transports: { type: 'string', default: 'udp,tcp' } } });
const CHANNELS = Number(values.channels);
const SECONDS = Number(values.seconds);
const TRANSPORTS = values.transports.split(',').filter((t): t is 'udp' | 'tcp' => t === 'udp' || t === 'tcp');
const progress = (line: string) => process.stderr.write(`gb28181-upward-load: ${line}\n`);
let ssrcSeq = 0;

async function ingestAlone(d: District) {
  const m = await measureGateway(d.gw.proc, SECONDS);
  return { nodePct: round(m.nodePct), ffmpegPct: round(m.ffmpegPct), ffmpegProcesses: m.ffmpegProcesses, loadAverage: loadAverage() };
}

/** N sessions INVITEd at once, measured over the window, then hung up. */
async function withSessions(d: District, codes: string[], transport: 'udp' | 'tcp') {
  const sinks: UpperSink[] = [];
  const calls: Call[] = [];
  try {
    const t0 = performance.now();
    const answered: number[] = [];
    await Promise.all(codes.map(async (code) => {
      const y = `0${String(200_000_001 + ssrcSeq++)}`;
      const sink = await UpperSink.open(transport, Number(y));
      sinks.push(sink);
      calls.push(await invite(d, code, offerSdp(sink.port, transport, y)));
      answered.push(performance.now() - t0);
    }));
    const deadline = Date.now() + 120_000;
    while (sinks.some((s) => s.firstKeyframeAt === undefined) && Date.now() < deadline) await sleep(50);
    const keyframes = sinks.map((s) => (s.firstKeyframeAt ?? Number.NaN) - t0);
    await sleep(3000); // past the start-up burst (each session opens with its channel's cached GOP)

    const sent0 = await upwardCounters(d);
    const got0 = sinks.map((s) => ({ packets: s.packets, bytes: s.bytes, lost: s.lost }));
    const w0 = performance.now();
    const m = await measureGateway(d.gw.proc, SECONDS);
    const elapsed = (performance.now() - w0) / 1000;
    const sent1 = await upwardCounters(d);
    const received = sinks.reduce((n, s, i) => n + s.packets - got0[i]!.packets, 0);
    const lost = sinks.reduce((n, s, i) => n + s.lost - got0[i]!.lost, 0);
    const sentPackets = sent1.packets - sent0.packets;
    return {
      transport,
      sessions: calls.length,
      allAnsweredMs: round(Math.max(...answered), 0),
      firstKeyframeMs: { median: round(percentile(keyframes, 50), 0), p95: round(percentile(keyframes, 95), 0), max: round(Math.max(...keyframes), 0), missing: keyframes.filter(Number.isNaN).length },
      nodePct: round(m.nodePct),
      ffmpegPct: round(m.ffmpegPct),
      sentPacketsPerSecond: round(sentPackets / elapsed, 0),
      sentMbps: round(((sent1.bytes - sent0.bytes) * 8) / elapsed / 1e6, 2),
      sentKbpsPerStream: round(((sent1.bytes - sent0.bytes) * 8) / elapsed / 1e3 / calls.length, 0),
      receivedPackets: received,
      lostPackets: lost,
      lossPct: round((lost / Math.max(1, received + lost)) * 100, 3),
      loadAverage: loadAverage(),
    };
  } finally {
    await Promise.all(calls.map((c) => hangUp(d, c).catch((err: unknown) => progress(`BYE failed: ${(err as Error).message}`))));
    for (const s of sinks) s.close();
  }
}

const simPort = await freePort();
const sim = await startSim(simPort, 'h264-cif', 'cam');
const d = await startDistrict().catch((err: unknown) => {
  sim.kill('SIGTERM');
  throw err;
});
try {
  const ids = Array.from({ length: CHANNELS }, (_, i) => `load-${i}`);
  const codes = await addChannels(d, ids, `rtsp://127.0.0.1:${simPort}/cam`, 'always-on');
  progress(`${CHANNELS} channels shared`);
  await untilStatus(d, ids, 'online', (s) => s.state === 'online', 300_000);
  await sleep(15_000); // past the 100 ingests' start-up
  progress('all online; ingest alone');
  const before = await ingestAlone(d);
  const runs = [];
  for (const transport of TRANSPORTS) {
    progress(`${CHANNELS} upward sessions over ${transport}`);
    runs.push(await withSessions(d, ids.map((id) => codes.get(id)!), transport));
    await sleep(3000);
  }
  progress('ingest alone again');
  const after = await ingestAlone(d);
  const alone = { nodePct: (before.nodePct + after.nodePct) / 2, ffmpegPct: (before.ffmpegPct + after.ffmpegPct) / 2 };
  const upward = runs.map((r) => ({
    ...r,
    nodeDeltaPct: round(r.nodePct - alone.nodePct),
    nodePerStreamPct: round((r.nodePct - alone.nodePct) / r.sessions, 3),
    totalDeltaPct: round(r.nodePct + r.ffmpegPct - alone.nodePct - alone.ffmpegPct),
  }));
  process.stdout.write(`${JSON.stringify({
    bench: 'gb28181-upward-load',
    what: `CPU % of one core over ${SECONDS} s windows: the gateway's node process (FLV relay, upward PS/RTP) and its ffmpeg children (ingest, copy); per stream = (with sessions − mean of ingest alone before and after) / sessions`,
    source: 'CIF 352x288 25 fps H.264, 1 s GOP, over RTSP (camera simulator, own process; one path, one RTSP connection per channel)',
    channels: CHANNELS,
    ingestAlone: before,
    ingestAloneMean: { nodePct: round(alone.nodePct), ffmpegPct: round(alone.ffmpegPct) },
    upward,
    ingestAloneAfter: after,
  }, null, 2)}\n`);
} finally {
  await d.close();
  sim.kill('SIGTERM');
}
