// What a simulated PTZ camera remembers: the last velocity asked for, whether
// it is still moving (until Stop or the move's timeout), where it points
// (integrated from the velocity, clamped to the generic spaces), and presets
// (token → name, position). Tests read it as `dev.ptz`.

export interface PtzVector { x: number; y: number; zoom: number }
export interface SimPreset { token: string; name: string; position: PtzVector }

/** Generic space units per second at full speed. */
const RATE_PER_S = 0.2;
export const MAX_PRESETS = 256;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export class SimPtz {
  /** The last velocity ContinuousMove asked for (kept after Stop). */
  lastVelocity: PtzVector | undefined;
  /** The last preset gone to. */
  lastPreset: string | undefined;
  readonly presets = new Map<string, SimPreset>();
  readonly counts = { moves: 0, stops: 0, gotos: 0 };
  private velocity: PtzVector = { x: 0, y: 0, zoom: 0 };
  private from: PtzVector = { x: 0, y: 0, zoom: 0 };
  private since = Date.now();
  private until = Infinity;

  /** When the current move stops by itself (its Timeout); Infinity without one. */
  get moveEndsAt(): number {
    return this.until;
  }

  get moving(): boolean {
    const v = this.velocity;
    return Date.now() < this.until && (v.x !== 0 || v.y !== 0 || v.zoom !== 0);
  }

  /** Where the camera points now: pan/tilt in [-1, 1], zoom in [0, 1]. */
  get position(): PtzVector {
    const t = (Math.min(Date.now(), this.until) - this.since) / 1000;
    const f = this.from;
    const v = this.velocity;
    return {
      x: clamp(f.x + v.x * RATE_PER_S * t, -1, 1),
      y: clamp(f.y + v.y * RATE_PER_S * t, -1, 1),
      zoom: clamp(f.zoom + v.zoom * RATE_PER_S * t, 0, 1),
    };
  }

  move(v: PtzVector, timeoutMs: number | undefined): void {
    this.settle();
    this.velocity = { ...v };
    this.lastVelocity = { ...v };
    this.until = timeoutMs === undefined ? Infinity : Date.now() + timeoutMs;
    this.counts.moves++;
  }

  stop(panTilt = true, zoom = true): void {
    this.settle();
    this.velocity = { x: panTilt ? 0 : this.velocity.x, y: panTilt ? 0 : this.velocity.y, zoom: zoom ? 0 : this.velocity.zoom };
    this.counts.stops++;
  }

  goto(token: string): boolean {
    const preset = this.presets.get(token);
    if (!preset) return false;
    this.settle();
    this.velocity = { x: 0, y: 0, zoom: 0 };
    this.from = { ...preset.position };
    this.lastPreset = token;
    this.counts.gotos++;
    return true;
  }

  /** Saves the current position; a new token is the lowest free number, as cameras number presets. */
  setPreset(name: string | undefined, token: string | undefined): { token: string } | { error: 'name-taken' | 'too-many' } {
    const clash = name !== undefined && [...this.presets.values()].some((p) => p.name === name && p.token !== token);
    if (clash) return { error: 'name-taken' };
    if (token === undefined || !this.presets.has(token)) {
      if (this.presets.size >= MAX_PRESETS) return { error: 'too-many' };
      if (token === undefined) {
        let n = 1;
        while (this.presets.has(String(n))) n++;
        token = String(n);
      }
    }
    const old = this.presets.get(token);
    this.presets.set(token, { token, name: name ?? old?.name ?? `Preset ${token}`, position: this.position });
    return { token };
  }

  removePreset(token: string): boolean {
    return this.presets.delete(token);
  }

  /** Fixes the position reached so far as the start of the next motion. */
  private settle(): void {
    this.from = this.position;
    this.since = Date.now();
    if (Date.now() >= this.until) this.velocity = { x: 0, y: 0, zoom: 0 };
  }
}
