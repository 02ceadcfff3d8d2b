// SIP over UDP and TCP on one host:port (RFC 3261 §18). Parses what arrives, reports
// what cannot be parsed, and never lets one peer's bytes throw out of a socket handler.
import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import { SipError, SipParseError } from './errors.ts';
import { parseSipMessage, serializeSip } from './message.ts';
import type { SipMessage } from './message.ts';
import { TcpConnections } from './tcp.ts';
import type { BadMessage, SipLogger, SipRemote, TransportEvents, TransportStats } from './transport-types.ts';

export type { BadMessage, SipLogger, SipRemote, TransportEvents, TransportStats } from './transport-types.ts';

export interface TransportOptions {
  /** Default 0.0.0.0. */
  host?: string;
  /** Default 5060; 0 picks a free port (the same for UDP and TCP). */
  port?: number;
  udp?: boolean;
  tcp?: boolean;
  /** Larger datagrams are dropped as oversized; default 65 535. */
  maxDatagramBytes?: number;
  /**
   * UDP receive buffer (SO_RCVBUF); default 4 MiB. The OS default (~208 KiB) overflows when a
   * thousand devices register or keep alive at once (after a power cut); Linux caps it at net.core.rmem_max.
   */
  udpReceiveBufferBytes?: number;
  maxHeaderBytes?: number;
  maxBodyBytes?: number;
  /** TCP connections without traffic are closed after this; default 180 s (three GB keepalives). */
  tcpIdleMs?: number;
  /** Inbound TCP connections per remote IP; default 8. */
  maxConnectionsPerAddress?: number;
  maxConnections?: number;
  connectTimeoutMs?: number;
  /** A TCP peer with more unsent bytes than this is disconnected; default 1 MiB. */
  maxWriteBufferBytes?: number;
  logger?: SipLogger;
}

const MAX_UDP_PAYLOAD = 65_507;

export class SipTransport extends EventEmitter<TransportEvents> {
  readonly stats: TransportStats = {
    received: 0, parseErrors: 0, oversized: 0, keepalives: 0, sent: 0, sendErrors: 0, handlerErrors: 0,
    socketErrors: 0, tcpAccepted: 0, tcpRejected: 0, tcpIdleClosed: 0, tcpOpen: 0,
  };
  private udp: dgram.Socket | undefined;
  private readonly tcp: TcpConnections;
  private ports: { udp?: number; tcp?: number } = {};
  private readonly host: string;
  private readonly log: SipLogger | undefined;

  constructor(private readonly opts: TransportOptions = {}) {
    super();
    this.host = opts.host ?? '0.0.0.0';
    this.log = opts.logger;
    const tcpOptions = {
      idleMs: opts.tcpIdleMs ?? 180_000,
      maxPerAddress: opts.maxConnectionsPerAddress ?? 8,
      maxConnections: opts.maxConnections ?? 10_000,
      connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
      maxWriteBufferBytes: opts.maxWriteBufferBytes ?? 1024 * 1024,
      maxHeaderBytes: opts.maxHeaderBytes ?? 16 * 1024,
      maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024,
    };
    this.tcp = new TcpConnections(tcpOptions, this.stats, {
      frame: (buf, remote) => this.deliver(buf, remote),
      broken: (err, remote) => this.reportBad(err, remote, true),
      closed: (remote) => this.safeEmit(() => this.emit('tcp-closed', remote)),
    }, this.log);
  }

  /** Binds UDP then TCP on the same port; rejects with SIP_ERR_ADDR_IN_USE when it is taken. */
  async listen(): Promise<void> {
    const wanted = this.opts.port ?? 5060;
    const useUdp = this.opts.udp !== false;
    const useTcp = this.opts.tcp !== false;
    // With port 0 the UDP port the system picked may be taken for TCP: try a few picks.
    for (let attempt = 0; ; attempt++) {
      const port = useUdp ? await this.bindUdp(wanted) : wanted;
      if (!useTcp) return;
      try {
        this.ports.tcp = await this.tcp.listen(this.host, port);
        return;
      } catch (err) {
        await this.closeUdp();
        if (wanted !== 0 || attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw listenError(err, 'tcp', this.host, port);
      }
    }
  }

  address(): { address: string; port: number; udp?: number; tcp?: number } {
    return { address: this.host, port: this.ports.udp ?? this.ports.tcp ?? 0, ...this.ports };
  }

  /** Sends a message (or ready bytes). TCP: on the remote's connection if open, else dials it. */
  async send(remote: SipRemote, message: SipMessage | Buffer): Promise<void> {
    const buf = Buffer.isBuffer(message) ? message : serializeSip(message);
    try {
      if (remote.transport === 'tcp') await this.tcp.send(remote, buf);
      else await this.sendUdp(remote, buf);
      this.stats.sent++;
    } catch (err) {
      this.stats.sendErrors++;
      throw err;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.closeUdp(), this.tcp.close()]);
    this.ports = {};
  }

  private bindUdp(port: number): Promise<number> {
    const socket = dgram.createSocket({ type: this.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: this.opts.udpReceiveBufferBytes ?? 4 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      socket.once('error', (err) => {
        socket.close();
        reject(listenError(err, 'udp', this.host, port));
      });
      socket.bind({ address: this.host, port, exclusive: true }, () => {
        socket.removeAllListeners('error');
        socket.on('error', (err) => {
          this.stats.socketErrors++;
          this.log?.warn({ err }, 'SIP UDP socket error');
        });
        socket.on('message', (buf, rinfo) => this.onDatagram(buf, { transport: 'udp', address: rinfo.address, port: rinfo.port }));
        this.udp = socket;
        this.ports.udp = socket.address().port;
        resolve(this.ports.udp);
      });
    });
  }

  private closeUdp(): Promise<void> {
    const socket = this.udp;
    this.udp = undefined;
    delete this.ports.udp;
    return socket ? new Promise((resolve) => socket.close(() => resolve())) : Promise.resolve();
  }

  private sendUdp(remote: SipRemote, buf: Buffer): Promise<void> {
    const socket = this.udp;
    if (!socket) return Promise.reject(new SipError('SIP_ERR_CLOSED', 'SIP UDP transport is not listening'));
    if (buf.length > MAX_UDP_PAYLOAD) return Promise.reject(new SipError('SIP_ERR_TOO_LARGE', `message of ${buf.length} bytes does not fit a datagram; use TCP`));
    return new Promise((resolve, reject) => {
      socket.send(buf, remote.port, remote.address, (err) => (err ? reject(new SipError('SIP_ERR_SEND', `UDP send failed: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  private onDatagram(buf: Buffer, remote: SipRemote): void {
    if (buf.length > (this.opts.maxDatagramBytes ?? 65_535)) {
      this.reportBad(new SipParseError('datagram too large', 513), remote, false);
      return;
    }
    if (buf.every((b) => b === 0x0d || b === 0x0a)) {
      this.stats.keepalives++; // CRLF keepalive some devices send over UDP
      return;
    }
    this.deliver(buf, remote);
  }

  private deliver(buf: Buffer, remote: SipRemote): void {
    let message: SipMessage;
    try {
      message = parseSipMessage(buf, {
        stream: remote.transport === 'tcp',
        maxHeaderBytes: this.opts.maxHeaderBytes,
      });
    } catch (err) {
      if (err instanceof SipParseError) this.reportBad(err, remote, false);
      else this.log?.warn({ err, remote }, 'SIP parser failed unexpectedly');
      return;
    }
    this.stats.received++;
    this.safeEmit(() => this.emit('message', message, remote));
  }

  private reportBad(err: SipParseError, remote: SipRemote, closed: boolean): void {
    if (err.status === 513) this.stats.oversized++;
    else this.stats.parseErrors++;
    const info: BadMessage = { reason: err.reason, status: err.status, remote, closed };
    if (err.partial) info.partial = err.partial;
    this.safeEmit(() => this.emit('bad-message', info));
  }

  /** A listener's exception stays here: it must not kill the socket loop or other peers. */
  private safeEmit(emit: () => void): void {
    try {
      emit();
    } catch (err) {
      this.stats.handlerErrors++;
      this.log?.warn({ err }, 'SIP transport listener threw');
    }
  }
}

function listenError(err: unknown, proto: string, host: string, port: number): SipError {
  if (err instanceof SipError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EADDRINUSE') return new SipError('SIP_ERR_ADDR_IN_USE', `SIP ${proto} port ${port} on ${host} is already in use`, { cause: err });
  return new SipError('SIP_ERR_LISTEN', `cannot listen for SIP on ${host}:${port}/${proto}: ${e.message}`, { cause: err });
}
