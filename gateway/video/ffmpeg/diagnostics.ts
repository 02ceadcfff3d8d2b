// Reads what ffmpeg says: `-progress` blocks (frame counts for the watchdog),
// the input stream line (codec, size, fps), the raw tap's frame size, and the
// error lines that tell a person why a camera is offline.

export type OfflineReason =
  | 'auth failed' | 'unreachable' | 'not found' | 'timeout' | 'no video stream' | 'codec unsupported' | 'stopped' | 'no push' | 'exited'
  | 'device offline' | 'invite refused';

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
];

/** The reason a person can act on, from ffmpeg's last error lines. */
export function classifyError(lines: string[]): OfflineReason | undefined {
  for (const line of [...lines].reverse()) {
    for (const [pattern, reason] of REASONS) if (pattern.test(line)) return reason;
  }
  return undefined;
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

/** Keeps the last lines of stderr and hands complete lines to a callback. */
export class LineTail {
  private partial = '';
  readonly lines: string[] = [];

  constructor(private readonly max: number, private readonly onLine: (line: string) => void, private readonly keep: (line: string) => boolean = () => true) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split(/\r?\n|\r/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      if (this.keep(line)) {
        this.lines.push(line);
        if (this.lines.length > this.max) this.lines.shift();
      }
      this.onLine(line);
    }
  }
}
