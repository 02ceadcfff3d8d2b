// A PS frame as RTP packets (payload type 96, 90 kHz): every packet of a
// frame carries its timestamp and the last one the marker bit, so a receiver
// knows the frame is complete without waiting for the next one.
import { randomInt } from 'node:crypto';
import { buildRtp } from './rtp.ts';

export interface PacketizeOptions {
  ssrc: number;
  /** Default 96 (PS). */
  pt?: number;
  seqStart: number;
  /** 90 kHz RTP timestamp shared by every packet of the frame. */
  timestamp: number;
  /** Largest RTP packet (header included); default 1400. */
  mtu?: number;
}

/** One PS frame as RTP packets; the marker bit is set on the last. Sequence numbers wrap at 65536. */
export function packetizeRtp(psFrame: Buffer, o: PacketizeOptions): Buffer[] {
  const chunk = (o.mtu ?? 1400) - 12;
  const packets: Buffer[] = [];
  for (let at = 0, i = 0; at < psFrame.length; at += chunk, i++) {
    packets.push(
      buildRtp({
        payloadType: o.pt ?? 96,
        seq: (o.seqStart + i) & 0xffff,
        timestamp: ((o.timestamp % 2 ** 32) + 2 ** 32) % 2 ** 32,
        ssrc: o.ssrc,
        marker: at + chunk >= psFrame.length,
        payload: psFrame.subarray(at, at + chunk),
      }),
    );
  }
  return packets;
}

/** One RTP stream's packetizer: keeps the sequence number (random start, RFC 3550 §5.1) across frames. */
export class RtpPacketizer {
  private seq = randomInt(0, 0x10000);
  private readonly mtu: number;

  constructor(private readonly o: { ssrc: number; pt?: number; mtu?: number }) {
    this.mtu = o.mtu ?? 1400;
    if (this.mtu < 13 || this.mtu > 0xffff) throw new RangeError(`RTP packet size ${this.mtu} outside 13..65535`);
  }

  /** The next sequence number to be sent. */
  get nextSeq(): number {
    return this.seq;
  }

  packets(psFrame: Buffer, timestamp: number): Buffer[] {
    const out = packetizeRtp(psFrame, { ssrc: this.o.ssrc, pt: this.o.pt ?? 96, seqStart: this.seq, timestamp, mtu: this.mtu });
    this.seq = (this.seq + out.length) & 0xffff;
    return out;
  }
}
