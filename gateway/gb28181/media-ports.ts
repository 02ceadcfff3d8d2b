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

  udp(host: string): Promise<Socket> {
    return this.first('UDP', (port) => {
      const socket = createSocket('udp4');
      return new Promise((resolve) => {
        socket.once('error', () => socket.close(() => resolve(undefined)));
        socket.bind({ address: host, port, exclusive: true }, () => resolve(socket));
      });
    });
  }

  tcp(host: string): Promise<Server> {
    return this.first('TCP', (port) => {
      const server = createServer();
      return new Promise((resolve) => {
        server.once('error', () => server.close(() => resolve(undefined)));
        server.listen({ host, port, exclusive: true }, () => resolve(server));
      });
    });
  }

  /** The first port of the range that `bind` opens (undefined: taken, try the next). */
  private async first<T extends Socket | Server>(what: string, bind: (port: number) => Promise<T | undefined>): Promise<T> {
    for (const port of this.candidates()) {
      const opened = await bind(port);
      if (opened) {
        this.advance(port);
        opened.removeAllListeners('error');
        return opened;
      }
    }
    throw new Error(`no free ${what} port in ${this.min}-${this.max}`);
  }

  /** Round robin through the range, so a just-closed port is not reused at once (late packets). */
  private advance(port: number): void {
    if (this.min !== 0) this.next = port + 1 > this.max ? this.min : port + 1;
  }
}
