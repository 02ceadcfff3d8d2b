// Shared by the upward benchmarks (bench/gb28181-upward.ts, -load.ts): a
// district gateway process registered with an upper platform stand-in (our
// SIP library, in this process), RTSP channels from the camera simulator in
// its own process, and the upper's media side: a receiver per session that
// notes when the first complete keyframe arrives and counts RTP loss.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestUpper, UPPER_DOMAIN, UPPER_ID } from '../gateway/gb28181/cascade/test-upper.ts';
import { PsDemuxer, type RtpPacket } from '../gateway/gb28181/media/index.ts';
import { MediaPorts } from '../gateway/gb28181/media-ports.ts';
import { RtpReceiver } from '../gateway/gb28181/play/rtp-receiver.ts';
import { buildRequest, newCallId, newTag, type SipRemote, type SipRequest, type SipResponse } from '../gateway/gb28181/sip/index.ts';
import { spawnGateway, type GatewayProcess } from '../test/helpers/process.ts';
import { cpuSeconds } from './proc.ts';

const KEY = 'bench-upward-admin-key-0123456789abcdef';
export const OUR_ID = '31010100002000000001';
export const OUR_DOMAIN = '3101010000';
const PASSWORD = 'bench-upward-pass';
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface District {
  gw: GatewayProcess;
  base: string;
  upper: TestUpper;
  lower: SipRemote;
  api<T = Record<string, unknown>>(path: string, init?: RequestInit): Promise<T>;
  close(): Promise<void>;
}

/** The district gateway (its own process) with the upper platform registered; on-demand channels idle after 5 s. */
export async function startDistrict(opts: { gbDevice?: { id: string; password: string } } = {}): Promise<District> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-upward-'));
  const upper = await TestUpper.start(PASSWORD);
  const config = join(dataDir, 'gateway.yaml');
  writeFileSync(config, `gb28181:
  id: "${OUR_ID}"
  domain: "${OUR_DOMAIN}"
  upper:
    - { id: "${UPPER_ID}", domain: "${UPPER_DOMAIN}", address: 127.0.0.1, port: ${upper.port}, transport: udp, password: ${PASSWORD}, share: { all: true } }
${opts.gbDevice ? `seed:\n  gbDevices:\n    - { id: "${opts.gbDevice.id}", name: NVR, password: ${opts.gbDevice.password}, mediaTransport: udp }\n` : ''}`);
  const gw = spawnGateway([
    '--config', config, '--dataDir', dataDir, '--http.host', '127.0.0.1', '--http.port', '0', '--log.level', 'info',
    '--video.rtmp.port', '0', '--sensors.enabled', 'false', '--detection.enabled', 'false', '--videoQuality.enabled', 'false',
    '--video.onDemandIdleSeconds', '5', '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1', '--gb28181.port', '0',
    '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0',
  ], { GATEWAY_AUTH__ADMIN_KEY: KEY });
  const close = async () => {
    if (gw.proc.exitCode === null) {
      gw.proc.kill('SIGTERM');
      await gw.exit;
    }
    await upper.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const base = await gw.listening();
    const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers } });
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      return res.json() as Promise<T>;
    };
    const sipPort = (await api<{ platform: { sipPort: number } }>('/api/gb28181/status')).platform.sipPort;
    await upper.until('registered', () => upper.registered, 30_000);
    return { gw, base, upper, lower: { transport: 'udp', address: '127.0.0.1', port: sipPort }, api, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Imports RTSP channels of one URL; resolves with each channel's 20-digit code once all are shared. */
export async function addChannels(d: District, ids: string[], url: string, mode: 'always-on' | 'on-demand'): Promise<Map<string, string>> {
  const rows = ids.map((id) => ({ id, kind: 'rtsp', name: id, source: { url }, mode }));
  await d.api('/api/import?entity=channels', { method: 'POST', body: JSON.stringify(rows) });
  const codes = new Map<string, string>();
  for (const id of ids) {
    for (;;) {
      const code = (await d.api<{ gbCode?: string }>(`/api/channels/${id}`)).gbCode;
      if (code) {
        codes.set(id, code);
        break;
      }
      await sleep(200);
    }
  }
  return codes;
}

export interface VideoStatus {
  state: string;
  running: boolean;
}

/** Polls until every channel's video status passes (online for warm, not running for cold). */
export async function untilStatus(d: District, ids: string[], what: string, ok: (s: VideoStatus) => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = await Promise.all(ids.map((id) => d.api<VideoStatus>(`/api/channels/${id}/status`)));
    if (all.every(ok)) return;
    if (Date.now() > deadline) throw new Error(`channels not ${what} after ${timeoutMs} ms: ${all.map((s) => s.state).join(',')}`);
    await sleep(250);
  }
}

/** The upper's side of one session: RTP counted (loss from sequence gaps), the first complete keyframe timed. */
export class UpperSink {
  packets = 0;
  bytes = 0;
  lost = 0;
  firstKeyframeAt: number | undefined;
  private lastSeq: number | undefined;
  private demuxer: PsDemuxer | undefined = new PsDemuxer();

  private receiver!: RtpReceiver;

  static async open(transport: 'udp' | 'tcp', ssrc: number): Promise<UpperSink> {
    const sink = new UpperSink();
    sink.receiver = await RtpReceiver.open(new MediaPorts(0, 0), {
      transport, host: '127.0.0.1', deviceAddress: '127.0.0.1',
      onPacket: (p) => sink.onPacket(p),
      onClosed: () => undefined,
    });
    sink.receiver.ssrcs.add(ssrc);
    return sink;
  }

  get port(): number {
    return this.receiver.port;
  }

  close(): void {
    this.receiver.close();
  }

  private onPacket(p: RtpPacket): void {
    const now = performance.now();
    this.packets++;
    this.bytes += p.payload.length + 12;
    if (this.lastSeq !== undefined) this.lost += (p.seq - this.lastSeq - 1 + 0x10000) % 0x10000;
    this.lastSeq = p.seq;
    // Demuxed only until the first keyframe: a frame is complete at its marker.
    if (!this.demuxer) return;
    this.demuxer.push(Buffer.from(p.payload)); // the receiver's buffer is reused
    if (p.marker && this.demuxer.flush().some((u) => u.kind === 'video' && u.keyframe)) {
      this.firstKeyframeAt = now;
      this.demuxer = undefined;
    }
  }
}

export function offerSdp(port: number, transport: 'udp' | 'tcp', ssrc: string): string {
  const m = transport === 'udp' ? `m=video ${port} RTP/AVP 96` : `m=video ${port} TCP/RTP/AVP 96\r\na=setup:passive\r\na=connection:new`;
  return `v=0\r\no=${UPPER_ID} 0 0 IN IP4 127.0.0.1\r\ns=Play\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n${m}\r\na=recvonly\r\na=rtpmap:96 PS/90000\r\ny=${ssrc}\r\n`;
}

export interface Call {
  req: SipRequest;
  res: SipResponse;
}

/** INVITE with a long transaction timeout (the answer waits for the channel's first keyframe; a cold one starts its ingest first). */
export async function invite(d: District, code: string, sdp: string): Promise<Call> {
  const req = buildRequest({
    method: 'INVITE', uri: `sip:${code}@127.0.0.1:${d.lower.port}`, from: `<sip:${UPPER_ID}@${UPPER_DOMAIN}>;tag=${newTag()}`, to: `<sip:${code}@${UPPER_DOMAIN}>`,
    callId: newCallId('127.0.0.1'), cseq: 1, via: { transport: 'udp', host: '127.0.0.1', port: d.upper.port },
    contact: `<sip:${UPPER_ID}@127.0.0.1:${d.upper.port}>`, headers: { Subject: `${code}:0100000001,${UPPER_ID}:0` }, body: sdp, contentType: 'APPLICATION/SDP',
  });
  const res = await d.upper.sip.request(d.lower, req, { timeoutMs: 60_000 });
  if (res.status !== 200) throw new Error(`INVITE ${code}: ${res.status} ${res.reason}`);
  d.upper.ack(d.lower, req, res);
  return { req, res };
}

export async function hangUp(d: District, call: Call): Promise<void> {
  await d.upper.bye(d.lower, call.req, call.res);
}

/** The gateway's ffmpeg children (ingest), by pid; not tsx's esbuild service, also a child. */
export function ffmpegChildren(pid: number): number[] {
  let kids: number[];
  try {
    kids = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there are none
  }
  return kids.filter((k) => {
    try {
      return readFileSync(`/proc/${k}/comm`, 'utf8').trim() === 'ffmpeg';
    } catch {
      return false; // gone meanwhile
    }
  });
}

/** CPU % of one core over a window: the gateway's node process, and its ffmpeg children together. */
export async function measureGateway(gw: ChildProcess, seconds: number): Promise<{ nodePct: number; ffmpegPct: number; ffmpegProcesses: number }> {
  const pid = gw.pid!;
  const kids = ffmpegChildren(pid);
  const node0 = cpuSeconds(pid) ?? 0;
  const kids0 = new Map(kids.map((k) => [k, cpuSeconds(k)]));
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  let ffmpeg = 0;
  for (const [k, before] of kids0) {
    const after = cpuSeconds(k);
    if (before !== undefined && after !== undefined) ffmpeg += after - before;
  }
  return { nodePct: (((cpuSeconds(pid) ?? 0) - node0) / elapsed) * 100, ffmpegPct: (ffmpeg / elapsed) * 100, ffmpegProcesses: kids.length };
}

/** `gateway_gb28181_upward_rtp_packets_total` and `_bytes_total` from /metrics. */
export async function upwardCounters(d: District): Promise<{ packets: number; bytes: number }> {
  const text = await (await fetch(`${d.base}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { packets: read('gateway_gb28181_upward_rtp_packets_total'), bytes: read('gateway_gb28181_upward_rtp_bytes_total') };
}

/** 1, 5 and 15-minute load averages (the machine is shared: say how busy it was). */
export function loadAverage(): number[] {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
}
