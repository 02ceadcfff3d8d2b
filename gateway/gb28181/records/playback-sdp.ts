// The SDP offer of a device playback or download (GB/T 28181-2016 §9.8, §9.9):
// the live offer's media lines with `s=Playback` or `s=Download`,
// `u=<channel>:0`, `t=<start> <stop>` in seconds since 1970, and for a
// download the speed the device may send at.
import type { PlayOffer } from '../sdp.ts';

export interface HistoryOffer extends PlayOffer {
  mode: 'Playback' | 'Download';
  channelId: string;
  /** Epoch ms. */
  from: number;
  to: number;
  downloadSpeed?: number;
}

export function buildHistoryOffer(o: HistoryOffer): string {
  const proto = o.transport === 'tcp' ? 'TCP/RTP/AVP' : 'RTP/AVP';
  const lines = [
    'v=0',
    `o=${o.platformId} 0 0 IN IP4 ${o.address}`,
    `s=${o.mode}`,
    `u=${o.channelId}:0`,
    `c=IN IP4 ${o.address}`,
    `t=${Math.floor(o.from / 1000)} ${Math.ceil(o.to / 1000)}`,
    `m=video ${o.port} ${proto} 96 97 98 99`,
    'a=recvonly',
    'a=rtpmap:96 PS/90000',
    'a=rtpmap:97 MPEG4/90000',
    'a=rtpmap:98 H264/90000',
    'a=rtpmap:99 H265/90000',
    ...(o.mode === 'Download' ? [`a=downloadspeed:${o.downloadSpeed ?? 4}`] : []),
    ...(o.transport === 'tcp' ? ['a=setup:passive', 'a=connection:new'] : []),
    `y=${o.ssrc}`,
  ];
  return `${lines.join('\r\n')}\r\n`;
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
