// Test support, not module API: FLV written by hand (AVC and HEVC, legacy and
// enhanced tags) and a loopback HTTP server that serves it live at 25 fps the
// way node-media-server serves internal/<channel> (header, sequence header,
// then frames), for unit tests that must not run ffmpeg. The end-to-end test
// (test/gb28181-upward-media.test.ts) uses the real ingest and server.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LiveFlv } from './channel-feed.ts';

const fill = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => 0x10 + ((i * 31 + seed) % 0xe0)));
export const SPS = Buffer.concat([Buffer.from([0x67, 0x42, 0xc0, 0x1e]), fill(6, 1)]);
export const PPS = Buffer.from([0x68, 0xce, 0x3c, 0x80]);
export const VPS = Buffer.concat([Buffer.from([0x40, 0x01]), fill(20, 2)]);
export const HSPS = Buffer.concat([Buffer.from([0x42, 0x01]), fill(30, 3)]);
export const HPPS = Buffer.concat([Buffer.from([0x44, 0x01]), fill(5, 4)]);

/** A slice NAL (no start code): IDR or P for H.264, IDR_W_RADL or TRAIL_R for H.265. */
export function slice(codec: 'h264' | 'h265', key: boolean, i: number, size = 400): Buffer {
  const header = codec === 'h264' ? (key ? [0x65, 0x88] : [0x41, 0x9a]) : key ? [0x26, 0x01, 0xaf] : [0x02, 0x01, 0xd0];
  return Buffer.concat([Buffer.from(header), fill(size, i)]);
}

export const annexB = (nals: Buffer[]) => Buffer.concat(nals.flatMap((n) => [Buffer.from([0, 0, 0, 1]), n]));
const lengthPrefixed = (nals: Buffer[]) => Buffer.concat(nals.flatMap((n) => [Buffer.from([n.length >>> 24, (n.length >>> 16) & 0xff, (n.length >>> 8) & 0xff, n.length & 0xff]), n]));

export function flvHeader(): Buffer {
  return Buffer.from([0x46, 0x4c, 0x56, 1, 0x05, 0, 0, 0, 9, 0, 0, 0, 0]);
}

export function flvTag(type: number, timestamp: number, data: Buffer): Buffer {
  const head = Buffer.alloc(11);
  head[0] = type;
  head.writeUIntBE(data.length, 1, 3);
  head.writeUIntBE(timestamp & 0xffffff, 4, 3);
  head[7] = (timestamp >>> 24) & 0xff;
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + data.length);
  return Buffer.concat([head, data, prev]);
}

function cts(ms: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeIntBE(ms, 0, 3);
  return b;
}

function avcConfig(): Buffer {
  return Buffer.concat([Buffer.from([1, SPS[1]!, SPS[2]!, SPS[3]!, 0xff, 0xe1, 0, SPS.length]), SPS, Buffer.from([1, 0, PPS.length]), PPS]);
}

function hevcConfig(): Buffer {
  const fixed = Buffer.alloc(22);
  fixed[0] = 1;
  fixed[21] = 0x03; // lengthSizeMinusOne 3
  const arrays = [[32, VPS], [33, HSPS], [34, HPPS]] as const;
  return Buffer.concat([fixed, Buffer.from([arrays.length]), ...arrays.map(([type, nal]) => Buffer.concat([Buffer.from([0x80 | type, 0, 1, 0, nal.length]), nal]))]);
}

export type FlvStyle = 'avc' | 'hevc-legacy' | 'hevc-enhanced';

/** The sequence header tag's payload. */
export function sequenceHeader(style: FlvStyle): Buffer {
  if (style === 'avc') return Buffer.concat([Buffer.from([0x17, 0, 0, 0, 0]), avcConfig()]);
  if (style === 'hevc-legacy') return Buffer.concat([Buffer.from([0x1c, 0, 0, 0, 0]), hevcConfig()]);
  return Buffer.concat([Buffer.from([0x90]), Buffer.from('hvc1'), hevcConfig()]); // ExHeader, keyframe, SequenceStart
}

/** A coded frame tag's payload. */
export function frameTag(style: FlvStyle, key: boolean, nals: Buffer[], ctsMs = 0): Buffer {
  const body = lengthPrefixed(nals);
  if (style === 'avc') return Buffer.concat([Buffer.from([key ? 0x17 : 0x27, 1]), cts(ctsMs), body]);
  if (style === 'hevc-legacy') return Buffer.concat([Buffer.from([key ? 0x1c : 0x2c, 1]), cts(ctsMs), body]);
  return Buffer.concat([Buffer.from([(key ? 0x90 : 0xa0) | 1]), Buffer.from('hvc1'), cts(ctsMs), body]); // CodedFrames
}

export interface FlvStandIn extends LiveFlv {
  /** Frames sent so far on the current response(s), keyframe every 25. */
  readonly requests: number;
  readonly open: number;
  /** The Annex-B access unit a receiver should get for frame i (parameter sets on keyframes). */
  expected(i: number): Buffer;
  publishing: boolean;
  /** Ends every response (the ingest stopped). */
  endAll(): void;
  close(): Promise<void>;
}

/** Serves `/internal/<name>.flv` live: keyframe every 25 frames, frame i stamped i × 40 ms. */
export async function startFlvStandIn(style: FlvStyle = 'avc'): Promise<FlvStandIn> {
  const codec = style === 'avc' ? 'h264' : 'h265';
  const responses = new Set<ServerResponse>();
  let frame = 0;
  let requests = 0;
  const timer = setInterval(() => {
    const key = frame % 25 === 0;
    const tag = flvTag(9, frame * 40, frameTag(style, key, [slice(codec, key, frame)]));
    for (const res of responses) if ((res as ServerResponse & { sawKey?: boolean }).sawKey || key) {
      (res as ServerResponse & { sawKey?: boolean }).sawKey = true;
      res.write(tag);
    }
    frame++;
  }, 40);
  const server = createServer((req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'video/x-flv' });
    res.write(Buffer.concat([flvHeader(), flvTag(9, 0, sequenceHeader(style))]));
    responses.add(res);
    res.on('close', () => responses.delete(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const sets = codec === 'h264' ? [SPS, PPS] : [VPS, HSPS, HPPS];
  const standIn: FlvStandIn = {
    publishing: true,
    get requests() {
      return requests;
    },
    get open() {
      return responses.size;
    },
    isPublishing: () => standIn.publishing,
    flvUrl: (app, name) => `http://127.0.0.1:${port}/${app}/${name}.flv`,
    expected: (i) => annexB([...(i % 25 === 0 ? sets : []), slice(codec, i % 25 === 0, i)]),
    endAll() {
      for (const res of responses) res.end();
    },
    close: () => {
      clearInterval(timer);
      for (const res of responses) res.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return standIn;
}
