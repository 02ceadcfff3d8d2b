// The SDP offer of a device playback or download (GB/T 28181-2016 §9.8, §9.9):
// the live offer's media lines with `s=Playback` or `s=Download`,
// `u=<channel>:0`, `t=<start> <stop>` in seconds since 1970, and for a
// download the speed the device may send at.
import { buildPlayOffer, type PlayOffer } from '../sdp.ts';

export interface HistoryOffer extends PlayOffer {
  mode: 'Playback' | 'Download';
  channelId: string;
  /** Epoch ms. */
  from: number;
  to: number;
  downloadSpeed?: number;
}

export function buildHistoryOffer(o: HistoryOffer): string {
  return buildPlayOffer(o, {
    name: o.mode,
    uri: `${o.channelId}:0`,
    time: `${Math.floor(o.from / 1000)} ${Math.ceil(o.to / 1000)}`,
    attributes: o.mode === 'Download' ? [`a=downloadspeed:${o.downloadSpeed ?? 4}`] : [],
  });
}

/** The device side: what a history offer asks (undefined fields when absent). */
export function parseHistoryOffer(sdp: string): { mode?: string; channelId?: string; from?: number; to?: number; downloadSpeed?: number } {
  const line = (p: string) => sdp.split(/\r?\n/).find((l) => l.startsWith(p))?.slice(p.length).trim();
  const t = /^(\d+) (\d+)$/.exec(line('t=') ?? '');
  const speed = Number(/^(\d+)/.exec(line('a=downloadspeed:') ?? '')?.[1]);
  return {
    mode: line('s='), channelId: line('u=')?.split(':')[0],
    from: t ? Number(t[1]) * 1000 : undefined, to: t ? Number(t[2]) * 1000 : undefined,
    downloadSpeed: Number.isFinite(speed) && speed > 0 ? speed : undefined,
  };
}

/** A history SSRC: "1" (history), 5 digits of the domain, a 4-digit sequence. */
export function historySsrc(domain: string, sequence: number): string {
  const digits = domain.replace(/\D/g, '').padEnd(8, '0');
  return `1${digits.slice(3, 8)}${String(sequence % 10000).padStart(4, '0')}`;
}
