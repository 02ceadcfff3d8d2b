// Live detections per camera, as they arrive on the event stream, kept for a
// few seconds so a tile can draw the set whose frame is the one on screen
// (the picture lags the detector by the player's latency).
import { on } from '../api/events.ts';
import type { Detection, DetectionEvent } from '../api/types.ts';

export interface DetectionFrame { frameTs: number; frameSize: [number, number]; detections: Detection[] }

const KEEP_MS = 15_000;
const byChannel = new Map<string, DetectionFrame[]>();

export function addDetections(channelId: string, frame: DetectionFrame): void {
  let list = byChannel.get(channelId);
  if (!list) byChannel.set(channelId, (list = []));
  // Frames arrive in order per channel; an incident's own frame may come late: keep sorted.
  let i = list.length;
  while (i > 0 && list[i - 1]!.frameTs > frame.frameTs) i--;
  if (list[i - 1]?.frameTs !== frame.frameTs) list.splice(i, 0, frame);
  const cutoff = frame.frameTs - KEEP_MS;
  while (list.length && list[0]!.frameTs < cutoff) list.shift();
}

/**
 * The detections to draw over the frame captured at `displayedTs`: the set at
 * or before it, moved towards the next set by track (detections come ~2 per
 * second, the picture 25 times), unless it is older than `holdMs` (the object
 * has gone, or the detector stopped seeing it). With no player clock (null)
 * the newest set is drawn as it arrives.
 */
export function detectionsAt(channelId: string, displayedTs: number | null, holdMs: number): DetectionFrame | null {
  const list = byChannel.get(channelId);
  if (!list?.length) return null;
  if (displayedTs === null) {
    const newest = list[list.length - 1]!;
    return Date.now() - newest.frameTs < NO_CLOCK_HOLD_MS ? newest : null;
  }
  for (let i = list.length - 1; i >= 0; i--) {
    const f = list[i]!;
    if (f.frameTs > displayedTs + FRAME_SLACK_MS) continue;
    if (displayedTs - f.frameTs > holdMs) return null;
    const next = list[i + 1];
    return next && next.frameTs - f.frameTs <= holdMs ? between(f, next, (displayedTs - f.frameTs) / (next.frameTs - f.frameTs)) : f;
  }
  return null;
}

/** The newest set received for the channel. */
export const newestSet = (channelId: string): DetectionFrame | undefined => byChannel.get(channelId)?.at(-1);

/** The set received just before the one captured at `frameTs` (for a track's velocity), or undefined. */
export function setBefore(channelId: string, frameTs: number): DetectionFrame | undefined {
  const list = byChannel.get(channelId) ?? [];
  for (let i = list.length - 1; i >= 0; i--) if (list[i]!.frameTs < frameTs) return list[i];
  return undefined;
}

/** `from` with each tracked box moved the fraction `k` of the way to the same track in `to`. */
function between(from: DetectionFrame, to: DetectionFrame, k: number): DetectionFrame {
  const f = Math.min(1, Math.max(0, k));
  const detections = from.detections.map((d) => {
    const there = d.trackId === undefined ? undefined : to.detections.find((e) => e.trackId === d.trackId);
    if (!there) return d;
    const box = d.box.map((v, j) => v + (there.box[j]! - v) * f) as Detection['box'];
    return { ...d, box };
  });
  return { ...from, detections };
}

/** A frame interval of slack for rounding between the two clocks. */
const FRAME_SLACK_MS = 40;
/** Without a player clock, how long the newest set stays up after its capture. */
const NO_CLOCK_HOLD_MS = 3000;

on('detection', (e: DetectionEvent) => addDetections(e.channelId, { frameTs: e.frameTs, frameSize: e.frameSize, detections: e.detections }));
