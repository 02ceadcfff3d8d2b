// The SDP of a play request from an upper platform (it receives, we send):
// where it wants the PS stream, over which transport, with which SSRC, and
// for playback the time range; and our answer (s=Play, a=sendonly, y=).

export interface UpperOffer {
  session: 'Play' | 'Playback' | 'Download' | string;
  address: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** The upper's own role for TCP, as it wrote it. */
  setup?: 'active' | 'passive';
  ssrc?: string;
  /** `t=<start> <end>` in seconds since 1970, for Playback and Download. */
  range?: { startSec: number; endSec: number };
  /** `a=downloadspeed:n` of a Download. */
  downloadSpeed?: number;
}

export class SdpError extends Error {}

export function parseUpperOffer(sdp: string): UpperOffer {
  let session = 'Play';
  let address: string | undefined;
  let port: number | undefined;
  let transport: 'udp' | 'tcp' = 'udp';
  let setup: 'active' | 'passive' | undefined;
  let ssrc: string | undefined;
  let range: UpperOffer['range'];
  let downloadSpeed: number | undefined;
  let media = false;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    const [key, value = ''] = [line.slice(0, 2), line.slice(2)];
    if (key === 's=') session = value.trim();
    else if (key === 'c=') address = /^IN IP[46] (\S+)/.exec(value)?.[1] ?? address;
    else if (key === 't=') {
      const m = /^(\d+)\s+(\d+)$/.exec(value.trim());
      if (m && Number(m[2]) > 0) range = { startSec: Number(m[1]), endSec: Number(m[2]) };
    } else if (key === 'm=' && value.startsWith('video')) {
      const m = /^video (\d+) (\S+)/.exec(value);
      if (!m) throw new SdpError('bad m=video line');
      media = true;
      port = Number(m[1]);
      transport = m[2]!.toUpperCase().startsWith('TCP') ? 'tcp' : 'udp';
    } else if (line.startsWith('a=setup:')) {
      const role = line.slice(8).trim().toLowerCase();
      if (role === 'active' || role === 'passive') setup = role;
    } else if (line.toLowerCase().startsWith('a=downloadspeed:')) {
      const n = Number(line.slice(16).trim());
      if (!Number.isFinite(n) || n <= 0) throw new SdpError(`bad a=downloadspeed ${line.slice(16).trim()}`);
      downloadSpeed = n;
    } else if (key === 'y=') ssrc = /^\d{1,10}$/.test(value.trim()) ? value.trim() : undefined;
  }
  if (!media) throw new SdpError('no m=video line');
  if (!address) throw new SdpError('no c= address');
  if (port === undefined || port > 65535 || (port === 0 && !(transport === 'tcp' && setup === 'active'))) throw new SdpError(`bad media port ${String(port)}`);
  return { session, address, port, transport, setup, ssrc, range, ...(downloadSpeed ? { downloadSpeed } : {}) };
}

export interface OurAnswer {
  channelCode: string;
  address: string;
  port: number;
  transport: 'udp' | 'tcp';
  /** Our role for TCP: active (we connect) or passive (we listen). */
  setup?: 'active' | 'passive';
  ssrc: string;
  session: string;
}

export function buildUpperAnswer(a: OurAnswer): string {
  const lines = [
    'v=0',
    `o=${a.channelCode} 0 0 IN IP4 ${a.address}`,
    `s=${a.session}`,
    `c=IN IP4 ${a.address}`,
    't=0 0',
    `m=video ${a.port} ${a.transport === 'tcp' ? 'TCP/RTP/AVP' : 'RTP/AVP'} 96`,
    'a=sendonly',
    'a=rtpmap:96 PS/90000',
    ...(a.transport === 'tcp' ? [`a=setup:${a.setup ?? 'active'}`, 'a=connection:new'] : []),
    `y=${a.ssrc}`,
    'f=',
  ];
  return `${lines.join('\r\n')}\r\n`;
}
