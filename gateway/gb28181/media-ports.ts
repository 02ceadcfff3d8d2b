// RTP receive ports for live sessions: the configured range (firewalls are
// opened for it), or any free port when the range is 0–0.
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

export class MediaPorts {
  private next: number;

  constructor(private readonly min: number, private readonly max: number) {
    this.next = min;
  }

  private *candidates(): Generator<number> {
    if (this.min === 0) {
      yield 0;
      return;
    }
    const span = this.max - this.min + 1;
    for (let i = 0; i < span; i++) {
      const port = this.min + ((this.next - this.min + i) % span);
      yield port;
    }
  }

  async udp(host: string): Promise<Socket> {
    for (const port of this.candidates()) {
      const socket = createSocket('udp4');
      const ok = await new Promise<boolean>((resolve) => {
        socket.once('error', () => resolve(false));
        socket.bind({ address: host, port, exclusive: true }, () => resolve(true));
      });
      if (ok) {
        this.advance(port);
        socket.removeAllListeners('error');
        return socket;
      }
      socket.close();
    }
    throw new Error(`no free UDP port in ${this.min}-${this.max}`);
  }

  async tcp(host: string): Promise<Server> {
    for (const port of this.candidates()) {
      const server = createServer();
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen({ host, port, exclusive: true }, () => resolve(true));
      });
      if (ok) {
        this.advance(port);
        server.removeAllListeners('error');
        return server;
      }
      server.close();
    }
    throw new Error(`no free TCP port in ${this.min}-${this.max}`);
  }

  /** Round robin through the range, so a just-closed port is not reused at once (late packets). */
  private advance(port: number): void {
    if (this.min !== 0) this.next = port + 1 > this.max ? this.min : port + 1;
  }
}
