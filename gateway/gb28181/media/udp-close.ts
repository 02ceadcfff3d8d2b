// Closing an RTP socket that a socket error may already have closed (Node
// closes a UDP socket on its 'error'): that is not a failure, anything else is.
import type { Socket } from 'node:dgram';

export function closeUdp(socket: Socket | undefined): void {
  try {
    socket?.close();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_SOCKET_DGRAM_NOT_RUNNING') throw err;
  }
}
