// The shapes that go in and out of the detectors library.

/** A decoded frame: interleaved RGB, 3 bytes per pixel. */
export interface RawFrame {
  width: number;
  height: number;
  data: Buffer;
  /** Capture time, epoch ms. */
  ts: number;
}

/** One detected object: [x, y, w, h] from the top-left, in pixels of the frame processed (the gateway gives them in the camera's, with `frameSize`). */
export interface Detection {
  label: string;
  score: number;
  box: [number, number, number, number];
  trackId?: number;
}

/** What the wall draws over the live picture for one processed frame. */
export interface DetectionEvent {
  channelId: string;
  frameTs: number;
  frameSize: [number, number];
  detections: Detection[];
}

/** A box in model-input pixels, corners, with its class index. */
export interface RawBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  cls: number;
}

export type Layout = 'yolov8' | 'yolov5' | 'rtdetr' | 'e2e';
