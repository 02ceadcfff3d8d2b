// The media leg to an upper platform: RTP over UDP to its SDP address, or
// over TCP with RFC 4571 framing, either connecting to it (our setup:active,
// when it offers setup:passive) or letting it connect to our port (our
// setup:passive, when it offers setup:active). Ports come from the media
// port range. Only the upper's own address may connect to a passive port.
import type { Socket as UdpSocket } from 'node:dgram';
import { connect, type Server, type Socket } from 'node:net';
import { frameRfc4571 } from '../media/index.ts';
import type { MediaPorts } from '../media-ports.ts';
import { closeUdp } from '../media/udp-close.ts';

export interface SenderTarget {
  transport: 'udp' | 'tcp';
  address: string;
  port: number;
  /** Our TCP role. */
  setup?: 'active' | 'passive';
}

export interface SenderCounts {
  packets: number;
  bytes: number;
  /** Frames not sent: TCP not connected yet, or its send buffer full. */
  droppedFrames: number;
  sendErrors: number;
  refusedConnections: number;
}

/** Unsent TCP bytes above which frames are dropped (until the next keyframe) rather than queued. */
const MAX_TCP_BACKLOG = 4 * 1024 * 1024;

export class RtpSender {
  readonly counts: SenderCounts = { packets: 0, bytes: 0, droppedFrames: 0, sendErrors: 0, refusedConnections: 0 };
  private udp: UdpSocket | undefined;
  private server: Server | undefined;
  private conn: Socket | undefined;
  private reservedPort = 0;
  private closed = false;
  private connectTimer: NodeJS.Timeout | undefined;

  private constructor(readonly target: SenderTarget, private readonly bindHost: string) {}

  /** Binds the local port the answer names (UDP socket, TCP listener; for TCP active a port held until start). */
  static async open(ports: MediaPorts, bindHost: string, target: SenderTarget): Promise<RtpSender> {
    const s = new RtpSender(target, bindHost);
    if (target.transport === 'udp') {
      s.udp = await ports.udp(bindHost);
      s.udp.on('error', () => s.counts.sendErrors++);
    } else {
      s.server = await ports.tcp(bindHost);
      s.server.on('error', () => s.counts.sendErrors++);
      s.reservedPort = s.port;
    }
    return s;
  }

  get port(): number {
    if (this.udp) return this.udp.address().port;
    const address = this.server?.address();
    return typeof address === 'object' && address ? address.port : this.reservedPort;
  }

  /** Ready to carry packets (UDP always; TCP once connected). */
  get connected(): boolean {
    return !!this.udp || (!!this.conn && !this.conn.connecting && !this.conn.destroyed);
  }

  /** ACK: connect (TCP active) or wait for the upper's connection (TCP passive). `gone` ends the session; `connected` once TCP is up. */
  start(connectTimeoutMs: number, gone: (why: string) => void, connected: () => void = () => undefined): void {
    if (this.udp || this.closed) return;
    const fail = (why: string) => {
      if (!this.closed) gone(why);
    };
    this.connectTimer = setTimeout(() => {
      if (!this.connected) fail(`the upper platform's media connection was not made within ${Math.round(connectTimeoutMs / 1000)} s`);
    }, connectTimeoutMs);
    this.connectTimer.unref();
    if (this.target.setup === 'passive') {
      this.server!.on('connection', (socket) => this.accept(socket, fail, connected));
      return;
    }
    // Active: give the held port back and connect from it (any port if it was taken meanwhile).
    this.server!.close();
    this.server = undefined;
    const dial = (localPort?: number) => {
      const socket = connect({ host: this.target.address, port: this.target.port, ...(localPort ? { localPort, localAddress: this.bindHost } : {}) });
      socket.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE' && localPort) return dial();
        fail(`cannot connect to the upper platform's media port: ${err.code ?? err.message}`);
      });
      socket.once('connect', () => this.use(socket, fail, connected));
    };
    dial(this.reservedPort);
  }

  /** Sends one frame's packets; false when the frame was dropped (the caller waits for a keyframe). */
  send(packets: Buffer[]): boolean {
    if (this.closed) return false;
    if (this.udp) {
      for (const p of packets) {
        this.udp.send(p, this.target.port, this.target.address, (err) => {
          if (err) this.counts.sendErrors++;
        });
        this.count(p.length);
      }
      return true;
    }
    if (!this.connected || this.conn!.writableLength > MAX_TCP_BACKLOG) {
      this.counts.droppedFrames++;
      return false;
    }
    this.conn!.write(Buffer.concat(packets.map(frameRfc4571)));
    for (const p of packets) this.count(p.length);
    return true;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.conn?.destroy();
    this.server?.close();
    closeUdp(this.udp);
  }

  private count(bytes: number): void {
    this.counts.packets++;
    this.counts.bytes += bytes;
  }

  private accept(socket: Socket, fail: (why: string) => void, connected: () => void): void {
    const from = socket.remoteAddress ?? '';
    if (this.conn || !sameHost(from, this.target.address)) {
      this.counts.refusedConnections++;
      socket.destroy();
      return;
    }
    this.use(socket, fail, connected);
  }

  private use(socket: Socket, fail: (why: string) => void, connected: () => void): void {
    if (this.closed) return void socket.destroy();
    this.conn = socket;
    clearTimeout(this.connectTimer);
    socket.setNoDelay(true);
    socket.on('data', () => undefined); // an upper may send RTCP or keepalives; nothing to do with them
    socket.on('error', () => socket.destroy());
    socket.on('close', () => fail('the upper platform closed the media connection'));
    connected();
  }
}

/** The same IPv4 host, written plain or IPv4-mapped. */
function sameHost(a: string, b: string): boolean {
  const plain = (x: string) => (x.startsWith('::ffff:') ? x.slice(7) : x);
  return plain(a) === plain(b);
}
