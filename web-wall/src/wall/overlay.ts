// Detection boxes over the live picture on a canvas, redrawn for every frame
// the video shows (requestVideoFrameCallback) with the detections of that
// frame's capture time, so boxes stay on the object. When the alarm ends the
// last boxes fade out. The canvas carries what it drew as data attributes for
// the browser tests and the benchmark.
import { detectionsAt, newestSet, setBefore, type DetectionFrame } from '../alarms/detections.ts';
import { label } from '../i18n/index.ts';
import { carryForward } from './box-motion.ts';
import { contentRect, mapBox, type Rect } from './letterbox.ts';

/** At 2 detections per second, a set stays up until the next one is overdue. */
const HOLD_MS = 1200;
const FADE_MS = 1500;

type DrawnBox = Rect & { label: string; score: number };

export class BoxOverlay {
  private active = false;
  private fadeFrom: number | null = null;
  private last: DrawnBox[] = [];
  private running = false;
  private firstDrawn = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly video: HTMLVideoElement,
    private readonly channelId: string,
    private readonly clock: () => number | null,
    private readonly onFirstBoxes: (at: number) => void,
  ) {}

  setActive(active: boolean): void {
    if (active === this.active) return;
    this.active = active;
    if (active) {
      this.fadeFrom = null;
      this.firstDrawn = false;
    } else this.fadeFrom = performance.now();
    this.run();
  }

  destroy(): void {
    this.active = false;
    this.running = false;
    this.clear();
  }

  private run(): void {
    if (this.running) return;
    this.running = true;
    const step = () => {
      if (!this.running) return;
      if (!this.draw()) return void (this.running = false);
      // Per displayed video frame where the browser can; otherwise per animation frame.
      if ('requestVideoFrameCallback' in this.video && !this.video.paused) this.video.requestVideoFrameCallback(step);
      else requestAnimationFrame(step);
    };
    step();
  }

  /** Draws one frame; false when there is nothing more to draw. */
  private draw(): boolean {
    const ctx = this.resize();
    if (!ctx) return this.active;
    const { width, height } = this.canvas;
    ctx.clearRect(0, 0, width, height);
    let boxes = this.last;
    let alpha = 1;
    if (this.active) {
      // Nothing before the picture runs: until then the player's clock is not known either.
      const shownTs = this.clock();
      const found = this.video.readyState >= 2 && this.video.currentTime > 0 ? detectionsAt(this.channelId, shownTs, HOLD_MS) : null;
      // The picture may be newer than the newest detection (low-latency FLV): carry tracked boxes forward to it.
      const frame = found && shownTs !== null && found.frameTs === newestSet(this.channelId)?.frameTs
        ? carryForward(found, setBefore(this.channelId, found.frameTs), shownTs)
        : found;
      boxes = frame ? this.place(frame) : [];
      this.last = boxes;
      if (boxes.length && !this.firstDrawn) {
        this.firstDrawn = true;
        this.onFirstBoxes(Date.now());
      }
    } else {
      alpha = 1 - (performance.now() - (this.fadeFrom ?? 0)) / FADE_MS;
      if (alpha <= 0) {
        this.clear();
        return false;
      }
    }
    this.paint(ctx, boxes, alpha);
    // Written only when it changes: this runs for every video frame.
    const drawn = JSON.stringify(alpha === 1 ? boxes.map(round) : []);
    if (this.canvas.dataset.boxes !== drawn) this.canvas.dataset.boxes = drawn;
    return true;
  }

  private place(frame: DetectionFrame): DrawnBox[] {
    const picture = contentRect(this.canvas.clientWidth, this.canvas.clientHeight, this.video.videoWidth, this.video.videoHeight);
    return frame.detections.map((d) => ({ ...mapBox(d.box, frame.frameSize, picture), label: d.label, score: d.score }));
  }

  private paint(ctx: CanvasRenderingContext2D, boxes: DrawnBox[], alpha: number): void {
    const dpr = window.devicePixelRatio || 1;
    ctx.save();
    ctx.scale(dpr, dpr);
    ctx.globalAlpha = alpha;
    ctx.lineWidth = 2;
    ctx.font = '12px system-ui, sans-serif';
    for (const b of boxes) {
      ctx.strokeStyle = '#ffd400';
      ctx.strokeRect(b.x, b.y, b.w, b.h);
      const text = `${label('object', b.label)} ${Math.round(b.score * 100)}%`; // the class by its name in the operator's language
      const tw = ctx.measureText(text).width + 8;
      const ty = b.y >= 16 ? b.y - 16 : b.y + b.h;
      ctx.fillStyle = 'rgba(255, 212, 0, 0.9)';
      ctx.fillRect(b.x - 1, ty, tw, 16);
      ctx.fillStyle = '#111';
      ctx.fillText(text, b.x + 3, ty + 12);
    }
    ctx.restore();
  }

  private resize(): CanvasRenderingContext2D | null {
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(this.canvas.clientWidth * dpr);
    const h = Math.round(this.canvas.clientHeight * dpr);
    if (!w || !h) return null;
    if (this.canvas.width !== w || this.canvas.height !== h) Object.assign(this.canvas, { width: w, height: h });
    return this.canvas.getContext('2d');
  }

  private clear(): void {
    this.last = [];
    this.canvas.getContext('2d')?.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.canvas.dataset.boxes = '[]';
  }
}

const round = (b: DrawnBox) => ({ label: b.label, score: b.score, x: Math.round(b.x), y: Math.round(b.y), w: Math.round(b.w), h: Math.round(b.h) });
