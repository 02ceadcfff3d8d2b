// What the video manager needs from its neighbours, and its settings: the
// low-latency RTMP/FLV server, the GB28181 room, the cluster's leases and push
// places, and the recording room. Each is optional and attached by
// gateway/video/index.ts (or the cluster) before the manager starts.
import type { StoredRow } from '../../device-registry/index.ts';
import type { TapDefaults } from './channel-spec.ts';
import type { IngestSpec } from './ingest/supervisor.ts';

/** What the manager needs from the low-latency RTMP/FLV server. */
export type PushListener = (e: { app: string; name: string }) => void;

export interface LiveOutputs {
  rtmpUrl(app: string, name: string): string;
  on(event: 'publish' | 'unpublish', listener: PushListener): unknown;
  off(event: 'publish' | 'unpublish', listener: PushListener): unknown;
}

/** What the manager needs from the GB28181 room for channels of kind gb28181. */
export interface GbSource {
  /** Loopback URL that ffmpeg reads the channel's elementary stream from (the room INVITEs on connect, BYEs on close). */
  relayUrl(channelId: string): string;
  /** Why the channel cannot play now (its device is not registered, …), or undefined. */
  unavailable(row: StoredRow): string | undefined;
  /** Cluster: its device is registered with another node, which runs the channel. */
  elsewhere?(row: StoredRow): boolean;
  /** Fires with a device id when the device's availability changes. */
  on(event: 'availability', listener: (deviceId: string) => void): unknown;
  off(event: 'availability', listener: (deviceId: string) => void): unknown;
}

/**
 * Which channels this node runs when channels are sharded over nodes
 * (gateway/cluster/leases). Without one, the node runs every channel.
 */
export interface ChannelOwnership {
  readonly nodeId: string;
  /** The lease version while this node owns the channel. */
  owns(channelId: string): number | undefined;
  on(event: 'acquired' | 'lost', listener: (lease: { channelId: string }) => void): unknown;
  off(event: 'acquired' | 'lost', listener: (lease: { channelId: string }) => void): unknown;
}

/** Cluster: where each RTMP push arrives is recorded, so the other nodes proxy its media there (gateway/cluster/media). */
export interface PushPlaces {
  /** An encoder started (true) or stopped (false) pushing the channel to this node. */
  pushing(channelId: string, active: boolean): void;
  /** Another node receives the channel's push now. */
  elsewhere(channelId: string): boolean;
}

/** What the manager needs from the recording room (gateway/recording). */
export interface RecordingHook {
  /** Where the channel's ingest writes recording segments, or undefined when it records nothing; a recording channel runs all the time. */
  wants(row: StoredRow): IngestSpec['record'];
  /** The channel's recording state, shown in its status. */
  status(channelId: string): object | undefined;
}

export interface VideoSettings {
  hls: { segmentSeconds: number; listSize: number };
  watchdogSeconds: number;
  ioTimeoutSeconds: number;
  startStaggerMs: number;
  onDemandIdleSeconds: number;
  tap: TapDefaults;
  backoff: { initialMs: number; maxMs: number };
}
