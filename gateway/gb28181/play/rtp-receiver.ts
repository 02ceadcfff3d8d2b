// One live session's media port: RTP over UDP, or over TCP where the device
// connects to us (setup:passive, RFC 4571 framing). Only packets from the
// device's address with one of the expected SSRCs get through; the rest are
// counted, so a stray or hostile sender cannot inject into the picture.
import type { Socket as UdpSocket } from 'node:dgram';
import type { AddressInfo, Server, Socket } from 'node:net';
import { MediaError, parseRtp, Rfc4571Framer, type RtpPacket } from '../media/index.ts';
import type { MediaPorts } from '../media-ports.ts';
import { closeUdp } from '../media/udp-close.ts';

export interface ReceiverCounts {
  packets: number;
  bytes: number;
  wrongSsrc: number;
  wrongSource: number;
  badRtp: number;
  /** TCP connections refused (a second one, or from another address). */
  refusedConnections: number;
}

export interface RtpReceiverOptions {
  transport: 'udp' | 'tcp';
  host: string;
  /** The device's IP: packets and connections from elsewhere are dropped. */
  deviceAddress: string;
  onPacket(packet: RtpPacket): void;
  /** The TCP connection closed or broke (the session ends). */
  onClosed(why: string): void;
}

export class RtpReceiver {
  readonly counts: ReceiverCounts = { packets: 0, bytes: 0, wrongSsrc: 0, wrongSource: 0, badRtp: 0, refusedConnections: 0 };
  /** SSRCs accepted: the one we offered and the one the device answered with. */
  readonly ssrcs = new Set<number>();
  lastPacketAt = 0;
  private udp: UdpSocket | undefined;
  private server: Server | undefined;
  private conn: Socket | undefined;
  private readonly mappedDevice: string;

  private constructor(private readonly o: RtpReceiverOptions) {
    this.mappedDevice = o.deviceAddress.startsWith('::ffff:') ? o.deviceAddress.slice(7) : `::ffff:${o.deviceAddress}`;
  }

  static async open(ports: MediaPorts, o: RtpReceiverOptions): Promise<RtpReceiver> {
    const r = new RtpReceiver(o);
    if (o.transport === 'udp') {
      r.udp = await ports.udp(o.host);
      r.udp.on('message', (buf, from) => {
        if (r.fromDevice(from.address)) r.datagram(buf);
        else r.counts.wrongSource++;
      });
      r.udp.on('error', (err) => o.onClosed(`media socket error: ${err.message}`));
    } else {
      r.server = await ports.tcp(o.host);
      r.server.on('connection', (socket) => r.accept(socket));
      r.server.on('error', (err) => o.onClosed(`media listener error: ${err.message}`));
    }
    return r;
  }

  get port(): number {
    const address = this.udp ? this.udp.address() : (this.server?.address() as AddressInfo | null);
    return address?.port ?? 0;
  }

  close(): void {
    this.conn?.destroy();
    this.server?.close();
    closeUdp(this.udp);
  }

  private accept(socket: Socket): void {
    if (this.conn || !this.fromDevice(socket.remoteAddress ?? '')) {
      this.counts.refusedConnections++;
      socket.destroy();
      return;
    }
    this.conn = socket;
    socket.setNoDelay(true);
    const framer = new Rfc4571Framer();
    socket.on('data', (chunk) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        // A bad length prefix: the stream cannot be resynchronised, end it.
        socket.destroy();
        this.o.onClosed(`media stream desynchronised: ${(err as Error).message}`);
        return;
      }
      for (const f of frames) this.datagram(f);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.o.onClosed('the device closed the media connection'));
  }

  /** The device's address; its IPv4-mapped IPv6 form counts as the same (checked per packet: no allocation). */
  private fromDevice(address: string): boolean {
    return address === this.o.deviceAddress || address === this.mappedDevice;
  }

  private datagram(buf: Buffer): void {
    let packet: RtpPacket;
    try {
      packet = parseRtp(buf);
    } catch (err) {
      if (!(err instanceof MediaError)) throw err;
      this.counts.badRtp++;
      return;
    }
    if (!this.ssrcs.has(packet.ssrc)) {
      this.counts.wrongSsrc++;
      return;
    }
    this.counts.packets++;
    this.counts.bytes += buf.length;
    this.lastPacketAt = Date.now();
    this.o.onPacket(packet);
  }
}
