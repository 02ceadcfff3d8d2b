// Boxes for a picture newer than the newest detection. In HLS the picture is
// seconds behind live, so the detections of the frame on screen have arrived
// and boxes are drawn from them; low-latency FLV shows frames ~0.3 s after
// capture, while a detection reaches the wall ~1 s or more after its frame
// (tap, inference, event stream), so the newest set is older than the
// picture and the box trails the object by that age. Each tracked box is
// therefore carried forward along its track's last velocity to the capture
// time of the frame on screen, for at most MAX_AHEAD_MS; a box carried out of
// the picture (its centre) is dropped: the object left or jumped, and the box
// must not stand where it was.
import type { DetectionFrame } from '../alarms/detections.ts';

/** Beyond this a prediction is a guess: hold the box still (detectionsAt drops it after its hold). */
const MAX_AHEAD_MS = 1500;
/** Two sets further apart than this give no velocity worth trusting. */
const MAX_SPAN_MS = 1500;

export function carryForward(frame: DetectionFrame, previous: DetectionFrame | undefined, shownTs: number): DetectionFrame {
  const ahead = Math.min(MAX_AHEAD_MS, shownTs - frame.frameTs);
  const span = previous ? frame.frameTs - previous.frameTs : 0;
  if (ahead <= 0 || !previous || span <= 0 || span > MAX_SPAN_MS) return frame;
  const [width, height] = frame.frameSize;
  const detections = frame.detections.flatMap((d) => {
    const before = d.trackId === undefined ? undefined : previous.detections.find((p) => p.trackId === d.trackId);
    if (!before) return [d];
    const k = ahead / span;
    const [x, y, w, h] = d.box;
    const nx = x + (x - before.box[0]) * k;
    const ny = y + (y - before.box[1]) * k;
    // Its centre carried out of the picture: the object left (or jumped), nothing to draw.
    const [cx, cy] = [nx + w / 2, ny + h / 2];
    if (cx < 0 || cy < 0 || cx > width || cy > height) return [];
    return [{ ...d, box: [nx, ny, w, h] as typeof d.box }];
  });
  return { ...frame, detections };
}
