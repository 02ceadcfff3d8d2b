// What the simulator needs from a publisher's SDP and RTP: the tracks with
// their control URLs, and whether a video packet starts a keyframe (so a new
// player starts decoding cleanly, as with a camera that sends an IDR first).

export interface SdpTrack {
  /** `a=control:` value as written: `streamid=0`, `trackID=1` or an absolute rtsp:// URL. */
  control: string;
  media: string;
  /** Encoding name from `a=rtpmap`, upper-cased: H264, H265, MPEG4-GENERIC… */
  codec: string;
}

export function parseSdpTracks(sdp: string): SdpTrack[] {
  const tracks: SdpTrack[] = [];
  let current: SdpTrack | undefined;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      current = { control: '', media: line.slice(2).split(' ')[0] ?? '', codec: '' };
      tracks.push(current);
    } else if (current && line.startsWith('a=control:')) {
      current.control = line.slice('a=control:'.length).trim();
    } else if (current && line.startsWith('a=rtpmap:')) {
      current.codec = (/^a=rtpmap:\d+\s+([^/\s]+)/.exec(line)?.[1] ?? '').toUpperCase();
    }
  }
  // A track without a control attribute is addressed by its index, as most servers do.
  tracks.forEach((t, i) => {
    if (!t.control) t.control = `trackID=${i}`;
  });
  return tracks;
}

/** The path part of an RTSP URL or URL path, without surrounding slashes; undefined when unparseable. */
export function urlPath(uri: string): string | undefined {
  try {
    const parsed = new URL(uri, 'rtsp://placeholder/');
    return decodeURIComponent(parsed.pathname).replace(/^\/+|\/+$/g, '');
  } catch {
    return undefined;
  }
}

/** Index of the track a SETUP URL names, given the stream path the SDP was published on. */
export function findTrack(tracks: SdpTrack[], streamPath: string, setupUri: string): number | undefined {
  const target = urlPath(setupUri);
  if (target === undefined) return undefined;
  for (const [i, track] of tracks.entries()) {
    // Relative controls resolve against the Content-Base, i.e. the stream URL plus a slash.
    const resolved = /^rtsps?:\/\//i.test(track.control)
      ? urlPath(track.control)
      : urlPath(`rtsp://placeholder/${streamPath}/${track.control}`);
    if (resolved === target) return i;
  }
  // Some clients SETUP the stream URL itself when there is a single track.
  return tracks.length === 1 && target === streamPath ? 0 : undefined;
}

/** True when this RTP packet begins an H.264 IDR / H.265 IRAP access unit (or its parameter sets). */
export function startsKeyframe(codec: string, rtp: Buffer): boolean {
  if (rtp.length < 12 || rtp[0]! >> 6 !== 2) return false;
  const csrc = rtp[0]! & 0x0f;
  let offset = 12 + csrc * 4;
  if (rtp[0]! & 0x10) {
    if (rtp.length < offset + 4) return false;
    offset += 4 + rtp.readUInt16BE(offset + 2) * 4;
  }
  const payload = rtp.subarray(offset);
  if (payload.length < 2) return false;
  if (codec === 'H264') {
    const type = payload[0]! & 0x1f;
    if (type === 5 || type === 7) return true;
    if (type === 24) return payload.length > 3 && [5, 7].includes(payload[3]! & 0x1f); // STAP-A: first NAL
    if (type === 28) return (payload[1]! & 0x80) !== 0 && (payload[1]! & 0x1f) === 5; // FU-A start of an IDR
    return false;
  }
  if (codec === 'H265') {
    const type = (payload[0]! >> 1) & 0x3f;
    const key = (t: number) => (t >= 16 && t <= 21) || t === 32;
    if (key(type)) return true;
    if (type === 48) return payload.length > 4 && key((payload[4]! >> 1) & 0x3f); // AP: first NAL
    if (type === 49) return payload.length > 2 && (payload[2]! & 0x80) !== 0 && key(payload[2]! & 0x3f); // FU start
    return false;
  }
  return true; // audio and other codecs: any packet is a fine place to start
}
