// Reads what ffmpeg says: `-progress` blocks (frame counts for the watchdog),
// the input stream line (codec, size, fps), the raw tap's frame size, and the
// error lines that tell a person why a camera is offline.

/** A new reason also gets its code and wording in device-registry/vocabulary.ts (REASONS); reason-codes.test.ts checks each has one. */
export type OfflineReason =
  | 'auth failed' | 'unreachable' | 'not found' | 'timeout' | 'no video stream' | 'codec unsupported' | 'stopped' | 'no push' | 'exited'
  | 'end of stream' | 'device offline' | 'invite refused';

/**
 * The copy of the source cannot be muxed: packets without timestamps, as a
 * source with B-frames gives over RTSP (the first packets carry no DTS).
 * Transcoding works (the decoder stamps every frame).
 */
const COPY_FAILED = /first pts and dts value must be set|Packet is missing PTS/i;

const REASONS: Array<[RegExp, OfflineReason]> = [
  // The GB28181 relay answers with these reason phrases (gateway/gb28181/relay.ts).
  [/HTTP error 503 .*device/i, 'device offline'],
  [/HTTP error 502 .*INVITE/i, 'invite refused'],
  [/HTTP error 504/i, 'timeout'],
  [/401 Unauthorized|authorization failed|403 Forbidden/i, 'auth failed'],
  [/404 Not Found|Stream not found|DESCRIBE failed: 4\d\d/i, 'not found'],
  [/Connection refused|No route to host|Network is unreachable|Name or service not known|Temporary failure in name resolution|Failed to resolve/i, 'unreachable'],
  [/timed out|Connection timeout|Operation timed out/i, 'timeout'],
  [/Stream map '0:v:0' matches no streams|does not contain any stream|no video stream/i, 'no video stream'],
  [/Decoder \(codec [^)]*\) not found|Unsupported codec|codec not currently supported|Could not find codec parameters|not supported by the hls muxer/i, 'codec unsupported'],
  [COPY_FAILED, 'codec unsupported'],
];

/** The reason a person can act on and its line, from ffmpeg's last error lines. */
function classify(lines: string[]): { reason: OfflineReason; line: string } | undefined {
  for (const line of [...lines].reverse()) {
    for (const [pattern, reason] of REASONS) if (pattern.test(line)) return { reason, line };
  }
  return undefined;
}

/** Lines ffmpeg repeats while all is well (per frame, per segment): kept out of the error tail so they cannot push the cause out. */
const NOISE = /^\[Parsed_showinfo|Non-monotonous DTS|Opening '[^']*' for writing|DTS discontinuity|Timestamps are unset in a packet/;
export const isNoise = (line: string) => NOISE.test(line);

/** What a silent source makes ffmpeg say once the I/O timeout ends its wait: no data, so nothing to parse. */
const SILENCE = /Invalid data found when processing input|Could not find codec parameters .*unspecified size/i;
const ERRORISH = /error|fail|refused|unauthorized|not found|timed out|invalid|no such|matches no streams|unsupported/i;
/** Lines of our own outputs and ffmpeg's closing summary: they follow the cause, never state it. */
const OUTPUT_SIDE = /^\[(?:hls|tee|mpegts|segment|libx264|rawvideo|Parsed_\w+|graph[^\]]*|swscaler) @/;
const OUTPUT_SIDE_UNLESS_RTMP_INPUT = /^\[(?:flv|rtmp) @/;
const SUMMARY = /^(?:Conversion failed!|av_interleaved_write_frame\(\)|Error (?:writing trailer|closing file|initializing output stream)|Could not write header for output file)/;

export interface RunFacts {
  exitCode: number | null;
  /** From spawn to exit. */
  ranMs: number;
  /** The input's socket I/O timeout. */
  ioTimeoutMs: number;
  /** The run produced frames: the source was live at some point. */
  producedFrames: boolean;
  /** An RTMP input's demuxer speaks as [flv]/[rtmp], like our RTMP output. */
  rtmpInput: boolean;
  /** An RTSP camera: "Invalid data" at once means it closed the connection before any RTSP answer. */
  rtspInput?: boolean;
}

export interface Diagnosis {
  reason: OfflineReason;
  /** The line that states the cause (ffmpeg's, or ours when ffmpeg said none). */
  line: string;
  /** Copying failed where transcoding would work. */
  copyFailed: boolean;
}

/** Why a run ended, and the line that says so: the classified line, else the last input-side error line. */
export function diagnose(lines: string[], facts: RunFacts): Diagnosis {
  const inputSide = (l: string) => !SUMMARY.test(l) && !OUTPUT_SIDE.test(l) && !(OUTPUT_SIDE_UNLESS_RTMP_INPUT.test(l) && !facts.rtmpInput);
  // An output's complaint counts only when it is the cause: a copy it cannot mux.
  const known = classify(lines.filter((l) => inputSide(l) || COPY_FAILED.test(l)));
  const cause = known?.line ?? lines.filter((l) => inputSide(l) && ERRORISH.test(l)).at(-1);
  // A source that connects and then sends nothing: ffmpeg gives up when the I/O timeout ends its wait.
  if (cause && SILENCE.test(cause) && !facts.producedFrames && facts.ranMs >= facts.ioTimeoutMs * 0.9) {
    return { reason: 'timeout', line: cause, copyFailed: false };
  }
  // An RTSP camera that takes the connection and closes it unanswered (a dead service behind a port forward, a firewall): nothing to talk to.
  if (cause && SILENCE.test(cause) && !facts.producedFrames && facts.rtspInput) {
    return { reason: 'unreachable', line: `${cause} (the connection closed before the camera answered)`, copyFailed: false };
  }
  if (known) return { ...known, copyFailed: COPY_FAILED.test(known.line) };
  if (facts.exitCode === 0) return { reason: 'end of stream', line: cause ?? 'the source ended the stream (ffmpeg exited normally)', copyFailed: false };
  return { reason: 'exited', line: cause ?? `ffmpeg exited with code ${facts.exitCode ?? 'none'}`, copyFailed: false };
}

export interface StreamInfo {
  codec: string;
  width: number;
  height: number;
  fps?: number;
}

/** "Stream #0:0: Video: h264 (Main), yuv420p(progressive), 1280x720, 25 fps, 25 tbr, 90k tbn" */
export function parseVideoStream(line: string): StreamInfo | undefined {
  const m = /Stream #\d+:\d+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5})/.exec(line);
  if (!m) return undefined;
  const fps = /, ([\d.]+) fps/.exec(line);
  return { codec: m[1]!, width: Number(m[2]), height: Number(m[3]), ...(fps ? { fps: Number(fps[1]) } : {}) };
}

/** Splits a stream of `key=value` lines into progress blocks ending with `progress=…`. */
export class ProgressParser {
  private partial = '';
  private block: Record<string, string> = {};

  constructor(private readonly onBlock: (block: Record<string, string>) => void) {}

  push(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      this.block[key] = line.slice(eq + 1).trim();
      if (key === 'progress') {
        this.onBlock(this.block);
        this.block = {};
      }
    }
  }
}

/**
 * Keeps the last lines of stderr and hands complete lines to a callback. Every
 * line is cleaned first (`clean`: the scrubber that takes credentials out), so
 * nothing after this point sees ffmpeg's raw text.
 */
export class LineTail {
  private partial = '';
  readonly lines: string[] = [];

  constructor(
    private readonly max: number,
    private readonly onLine: (line: string) => void,
    private readonly keep: (line: string) => boolean = () => true,
    private readonly clean: (line: string) => string = (line) => line,
  ) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      if (!raw.trim()) continue;
      const line = this.clean(raw);
      if (this.keep(line)) {
        this.lines.push(line);
        if (this.lines.length > this.max) this.lines.shift();
      }
      this.onLine(line);
    }
  }
}
