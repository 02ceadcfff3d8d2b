// TCP side of the SIP transport: accepted and dialled connections, one framer
// each, idle timeout, a per-address connection cap, and writes that never block others.
import net from 'node:net';
import { SipError, SipParseError } from './errors.ts';
import { SipStreamFramer } from './framer.ts';
import type { SipLogger, SipRemote, TransportStats } from './transport-types.ts';

export interface TcpOptions {
  idleMs: number;
  maxPerAddress: number;
  maxConnections: number;
  connectTimeoutMs: number;
  maxWriteBufferBytes: number;
  maxHeaderBytes: number;
  maxBodyBytes: number;
}

/** What the transport does with what comes out of a connection. */
export interface TcpSink {
  frame(buf: Buffer, remote: SipRemote): void;
  broken(err: SipParseError, remote: SipRemote): void;
  closed(remote: SipRemote): void;
}

interface Conn {
  socket: net.Socket;
  remote: SipRemote;
  inbound: boolean;
}

const peerKey = (address: string, port: number): string => `${address}|${port}`;

export class TcpConnections {
  private server: net.Server | undefined;
  private readonly conns = new Map<string, Conn>();
  private readonly byPeer = new Map<string, string>();
  private readonly perAddress = new Map<string, number>();
  private readonly dialling = new Map<string, Promise<Conn>>();
  private seq = 0;

  constructor(
    private readonly o: TcpOptions,
    private readonly stats: TransportStats,
    private readonly sink: TcpSink,
    private readonly log: SipLogger | undefined,
  ) {}

  listen(host: string, port: number): Promise<number> {
    const server = net.createServer((socket) => this.accept(socket));
    server.maxConnections = this.o.maxConnections;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (err) => this.log?.warn({ err }, 'SIP TCP server error'));
        this.server = server;
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  }

  /** Writes on the given connection if open, else on any open one to that peer, else dials it. */
  async send(remote: SipRemote, buf: Buffer): Promise<void> {
    const conn = this.find(remote) ?? (await this.dial(remote));
    const { socket } = conn;
    if (socket.writableLength > this.o.maxWriteBufferBytes) {
      // A peer that stops reading must not make us buffer without bound.
      socket.destroy();
      throw new SipError('SIP_ERR_SEND', `TCP peer ${remote.address}:${remote.port} is not reading; connection closed`);
    }
    await new Promise<void>((resolve, reject) => {
      socket.write(buf, (err) => (err ? reject(new SipError('SIP_ERR_SEND', `TCP write failed: ${err.message}`, { cause: err })) : resolve()));
    });
  }

  async close(): Promise<void> {
    for (const conn of this.conns.values()) conn.socket.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private find(remote: SipRemote): Conn | undefined {
    const byId = remote.connectionId ? this.conns.get(remote.connectionId) : undefined;
    if (byId && !byId.socket.destroyed) return byId;
    const id = this.byPeer.get(peerKey(remote.address, remote.port));
    const conn = id ? this.conns.get(id) : undefined;
    return conn && !conn.socket.destroyed ? conn : undefined;
  }

  private accept(socket: net.Socket): void {
    const address = socket.remoteAddress ?? '';
    const count = this.perAddress.get(address) ?? 0;
    if (count >= this.o.maxPerAddress) {
      this.stats.tcpRejected++;
      socket.destroy();
      return;
    }
    this.perAddress.set(address, count + 1);
    this.stats.tcpAccepted++;
    this.attach(socket, address, socket.remotePort ?? 0, true);
  }

  private dial(remote: SipRemote): Promise<Conn> {
    const key = peerKey(remote.address, remote.port);
    const pending = this.dialling.get(key);
    if (pending) return pending;
    const attempt = new Promise<Conn>((resolve, reject) => {
      const socket = net.connect({ host: remote.address, port: remote.port });
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new SipError('SIP_ERR_SEND', `cannot connect to ${remote.address}:${remote.port}: ${err.message}`, { cause: err }));
      };
      const timer = setTimeout(() => fail(new Error('connect timeout')), this.o.connectTimeoutMs);
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(this.attach(socket, remote.address, remote.port, false));
      });
    });
    this.dialling.set(key, attempt);
    const forget = () => this.dialling.delete(key);
    attempt.then(forget, forget);
    return attempt;
  }

  private attach(socket: net.Socket, address: string, port: number, inbound: boolean): Conn {
    const id = `tcp-${++this.seq}`;
    const remote: SipRemote = { transport: 'tcp', address, port, connectionId: id };
    const conn: Conn = { socket, remote, inbound };
    this.conns.set(id, conn);
    this.byPeer.set(peerKey(address, port), id);
    this.stats.tcpOpen = this.conns.size;
    const framer = new SipStreamFramer({
      maxHeaderBytes: this.o.maxHeaderBytes,
      maxBodyBytes: this.o.maxBodyBytes,
      onKeepalive: () => {
        this.stats.keepalives++;
        if (!socket.destroyed) socket.write('\r\n'); // RFC 5626 pong
      },
    });
    socket.setNoDelay(true);
    socket.setTimeout(this.o.idleMs, () => {
      this.stats.tcpIdleClosed++;
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = framer.push(chunk);
      } catch (err) {
        // The stream cannot be resynchronised: stop reading, let the answer (a 513) go out, then close.
        socket.pause();
        socket.removeAllListeners('data');
        if (err instanceof SipParseError) this.sink.broken(err, remote);
        else this.log?.warn({ err, remote }, 'SIP TCP framing failed');
        setTimeout(() => socket.destroy(), 200).unref();
        return;
      }
      for (const frame of frames) this.sink.frame(frame, remote);
    });
    socket.on('error', (err) => {
      this.stats.socketErrors++;
      this.log?.debug?.({ err, remote }, 'SIP TCP connection error');
    });
    socket.on('close', () => this.detach(conn));
    return conn;
  }

  private detach(conn: Conn): void {
    const id = conn.remote.connectionId ?? '';
    if (!this.conns.delete(id)) return;
    const key = peerKey(conn.remote.address, conn.remote.port);
    if (this.byPeer.get(key) === id) this.byPeer.delete(key);
    if (conn.inbound) {
      const left = (this.perAddress.get(conn.remote.address) ?? 1) - 1;
      if (left > 0) this.perAddress.set(conn.remote.address, left);
      else this.perAddress.delete(conn.remote.address);
    }
    this.stats.tcpOpen = this.conns.size;
    this.sink.closed(conn.remote);
  }
}
