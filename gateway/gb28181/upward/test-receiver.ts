// Test support, not module API: the upper platform's media side built from
// our own receiving code (play/rtp-receiver.ts for UDP and TCP listening,
// the RFC 4571 framer for a TCP connection we make, the PS demuxer), keeping
// every RTP packet so tests can check headers, frames and timestamps.
import { connect, type Socket } from 'node:net';
import { parseRtp, PsDemuxer, Rfc4571Framer, type AccessUnit, type RtpPacket, type VideoAccessUnit } from '../media/index.ts';
import { MediaPorts } from '../media-ports.ts';
import { RtpReceiver } from '../play/rtp-receiver.ts';

export interface UpperMedia {
  /** The port to put in the offer (0 when it connects to us). */
  port: number;
  packets: RtpPacket[];
  /** Set when the TCP connection closed. */
  closedWhy: string | undefined;
  /** Connects to our passive port (only for `connector`). */
  connect(port: number): Promise<void>;
  close(): void;
}

/** udp / tcp-listen: a RtpReceiver taking the session's SSRC; tcp-connect: a client of our passive port. */
export async function startUpperMedia(kind: 'udp' | 'tcp-listen' | 'tcp-connect', ssrc: number): Promise<UpperMedia> {
  const packets: RtpPacket[] = [];
  const state: UpperMedia = {
    port: 0, packets, closedWhy: undefined,
    connect: () => Promise.reject(new Error('not a connecting receiver')),
    close: () => undefined,
  };
  if (kind !== 'tcp-connect') {
    const receiver = await RtpReceiver.open(new MediaPorts(0, 0), {
      transport: kind === 'udp' ? 'udp' : 'tcp', host: '127.0.0.1', deviceAddress: '127.0.0.1',
      onPacket: (p) => packets.push({ ...p, payload: Buffer.from(p.payload) }),
      onClosed: (why) => (state.closedWhy = why),
    });
    receiver.ssrcs.add(ssrc);
    state.port = receiver.port;
    state.close = () => receiver.close();
    return state;
  }
  let socket: Socket | undefined;
  state.connect = (port) => new Promise((resolve, reject) => {
    const framer = new Rfc4571Framer();
    socket = connect({ host: '127.0.0.1', port }, () => resolve());
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      for (const f of framer.push(chunk)) packets.push(parseRtp(Buffer.from(f)));
    });
    socket.on('close', () => (state.closedWhy = 'closed'));
  });
  state.close = () => socket?.destroy();
  return state;
}

/** Video frames with their PTS, demuxed in sequence order and flushed at each marker. */
export function demuxPackets(packets: RtpPacket[]): VideoAccessUnit[] {
  const d = new PsDemuxer();
  const out: AccessUnit[] = [];
  for (const p of packets) {
    out.push(...d.push(p.payload));
    if (p.marker) out.push(...d.flush());
  }
  return out.filter((u): u is VideoAccessUnit => u.kind === 'video');
}

export async function until<T>(probe: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
