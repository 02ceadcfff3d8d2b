// Public entry of the upward media room: an upper platform's INVITE for one
// of our channels becomes that channel's video as MPEG-PS over RTP, taken
// from the ingest that already runs (see README.md). The cascade
// (gateway/gb28181/cascade) does the SIP; this module does the media.
export { createUpwardStreams, type UpwardDeps, type UpwardRoom, type UpwardStats } from './upward-streams.ts';
export { sipStatusOf } from './offer.ts';
export { registerUpwardMetrics } from './metrics.ts';
export { startUpwardStreams } from './start.ts';
export type { ChannelVideo, FeedTiming, FlvOwners, LiveFlv, OwnerFlv } from './channel-feed.ts';
export { PushedFrames, type FrameSource, type PushedFrame } from './frame-source.ts';
import type { FrameSource } from './frame-source.ts';

export interface UpwardOffer {
  address: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** The upper's a=setup: passive (it listens, we connect), active (it connects to us). */
  setup?: 'active' | 'passive';
  /** The y= value (10 decimal digits). */
  ssrc?: string;
  playback?: { startSec: number; endSec: number };
}

export interface UpwardAnswer {
  address: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** Our a=setup for TCP. */
  setup?: 'active' | 'passive';
  ssrc: string;
}

export interface UpwardSessionView {
  callId: string;
  upperId: string;
  channelId: string;
  /** udp, tcp-active (we connect) or tcp-passive (the upper connects). */
  transport: string;
  startedAt: number;
  bytesSent: number;
  packetsSent: number;
}

export interface UpwardStreams {
  /** An upper platform's INVITE for a registry channel: prepare the media, answer the SDP fields. Throws GwError (404 no such channel, 503 no video yet / ingest failed, 488 offer not acceptable: `sipStatusOf(err)`). */
  open(session: { callId: string; upperId: string; channelId: string; offer: UpwardOffer }): Promise<UpwardAnswer>;
  /** As open(), sending the frames of `source` (a device playback's) instead of the channel's running ingest; the caller ends the source. */
  openFrom(session: { callId: string; upperId: string; channelId: string; offer: UpwardOffer }, source: FrameSource): Promise<UpwardAnswer>;
  /** ACK received: start sending. */
  start(callId: string): void;
  /** BYE (either side), upper lost, channel unshared: stop and free the port. */
  close(callId: string, reason: string): void;
  sessions(): UpwardSessionView[];
  /** Called when a session ends on its own (ingest stopped, TCP peer gone): cascade sends BYE. */
  onEnded(listener: (callId: string, reason: string) => void): void;
}
