// The media side of a play request from above, as cascade uses it: the
// contract the upward module (gateway/gb28181/upward/index.ts) implements.
// Cascade's unit tests give a stand-in; the gateway gives the real one.
export interface UpwardOffer { address: string; port: number; transport: 'udp' | 'tcp'; setup?: 'active' | 'passive'; ssrc?: string; playback?: { startSec: number; endSec: number } }
export interface UpwardAnswer { address: string; port: number; transport: 'udp' | 'tcp'; setup?: 'active' | 'passive'; ssrc: string }

export interface UpwardStreams {
  /** Prepares the media for an INVITE from above; throws GwError (404 no such channel, 503 no video yet, 488 offer not acceptable). */
  open(session: { callId: string; upperId: string; channelId: string; offer: UpwardOffer }): Promise<UpwardAnswer>;
  /** ACK received: start sending. */
  start(callId: string): void;
  /** BYE (either side), upper lost, channel unshared: stop and free the port. */
  close(callId: string, reason: string): void;
  sessions(): Array<{ callId: string; upperId: string; channelId: string; transport: string; startedAt: number; bytesSent: number; packetsSent: number }>;
  /** A session ended on its own (ingest stopped, TCP peer gone): cascade sends BYE. */
  onEnded(listener: (callId: string, reason: string) => void): void;
}
