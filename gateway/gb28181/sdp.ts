// The SDP of a GB28181 live play: our offer (we receive MPEG-PS on payload
// 96, over UDP or over TCP where the device connects to us) and the few
// fields of the device's answer we need (where it sends from, its SSRC).

export interface PlayOffer {
  platformId: string;
  /** Where the device sends RTP. */
  address: string;
  port: number;
  transport: 'udp' | 'tcp';
  ssrc: string;
}

/** What an offer's session line says: a live play (`s=Play`, `t=0 0`), or a playback or download of recordings (records/playback-sdp.ts). */
export interface OfferSession {
  name: string;
  /** `u=`: the channel a history offer names. */
  uri?: string;
  time: string;
  /** Attributes after the media's own (a download's speed). */
  attributes?: string[];
}

export function buildPlayOffer(o: PlayOffer, session: OfferSession = { name: 'Play', time: '0 0' }): string {
  const proto = o.transport === 'tcp' ? 'TCP/RTP/AVP' : 'RTP/AVP';
  const lines = [
    'v=0',
    `o=${o.platformId} 0 0 IN IP4 ${o.address}`,
    `s=${session.name}`,
    ...(session.uri ? [`u=${session.uri}`] : []),
    `c=IN IP4 ${o.address}`,
    `t=${session.time}`,
    `m=video ${o.port} ${proto} 96 97 98 99`,
    'a=recvonly',
    'a=rtpmap:96 PS/90000',
    'a=rtpmap:97 MPEG4/90000',
    'a=rtpmap:98 H264/90000',
    'a=rtpmap:99 H265/90000',
    ...(session.attributes ?? []),
    // passive: we listen, the device connects (works through the device's NAT).
    ...(o.transport === 'tcp' ? ['a=setup:passive', 'a=connection:new'] : []),
    `y=${o.ssrc}`,
  ];
  return `${lines.join('\r\n')}\r\n`;
}

export interface PlayAnswer {
  address?: string;
  port?: number;
  transport?: 'udp' | 'tcp';
  /** Decimal SSRC from `y=`, as the device will send it. */
  ssrc?: number;
  payloadTypes: number[];
  rtpmap: Record<number, string>;
}

export function parsePlayAnswer(sdp: string): PlayAnswer {
  const answer: PlayAnswer = { payloadTypes: [], rtpmap: {} };
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    const c = /^c=IN IP[46] (\S+)/.exec(line);
    if (c) answer.address = c[1];
    const m = /^m=video (\d+) (\S+)((?: \d+)*)/.exec(line);
    if (m) {
      answer.port = Number(m[1]);
      answer.transport = m[2]!.toUpperCase().startsWith('TCP') ? 'tcp' : 'udp';
      answer.payloadTypes = m[3]!.trim().split(/\s+/).filter(Boolean).map(Number);
    }
    const map = /^a=rtpmap:(\d+) ([^/\s]+)/.exec(line);
    if (map) answer.rtpmap[Number(map[1])] = map[2]!.toUpperCase();
    const y = /^y=(\d{1,10})$/.exec(line);
    // Ten digits can exceed 32 bits; such a y= cannot be an RTP SSRC and is ignored.
    if (y && Number(y[1]) <= 0xffffffff) answer.ssrc = Number(y[1]);
  }
  return answer;
}

/**
 * A live SSRC: "0" (live), 5 digits of the domain, a 4-digit sequence. As a
 * number it must fit in 32 bits, which any 10-digit value starting with 0 does.
 */
export function liveSsrc(domain: string, sequence: number): string {
  const digits = domain.replace(/\D/g, '').padEnd(8, '0');
  return `0${digits.slice(3, 8)}${String(sequence % 10000).padStart(4, '0')}`;
}
