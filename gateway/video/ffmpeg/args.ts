// The one ffmpeg command line per channel: one input, HLS and (optionally)
// local RTMP for the low-latency FLV server through a tee (encoded once,
// muxed twice), and optionally raw decoded frames on stdout for detection.
// Progress goes to fd 3 so stderr stays free for diagnostics.

/** gb28181: the GB28181 room's loopback relay serving the demuxed H.264/H.265 elementary stream over HTTP. */
export type IngestInput = { kind: 'rtsp'; url: string } | { kind: 'rtmp'; url: string } | { kind: 'gb28181'; url: string };

/**
 * The detection tap. width: frames scaled to it (height keeps the aspect);
 * absent, the stream's own size. skip: frames the decoder need not decode at
 * all (only when nothing else decodes, i.e. the outputs copy): `noref`
 * drops frames no other frame refers to (B-frames, mostly), `nokey` decodes
 * keyframes only, enough when fps ≤ 1 / the source's GOP in seconds.
 */
export interface TapPlan {
  fps: number;
  width?: number;
  skip?: 'noref' | 'nokey';
}

export interface IngestPlan {
  input: IngestInput;
  ffmpegMajor: number;
  hls: { dir: string; segmentSeconds: number; listSize: number };
  /** rtmp://127.0.0.1:port/internal/<channel> when the low-latency server runs. */
  rtmpOut?: string;
  /** Re-encode to H.264 (H.265 source, or a forced short GOP). */
  transcode?: { gopSeconds: number };
  /** Decoded RGB frames on stdout. */
  tap?: TapPlan;
  /** Socket I/O timeout for the input. */
  ioTimeoutSeconds: number;
  /**
   * Recording (gateway/recording): MPEG-TS segments of the same encoded stream
   * as a third tee output, into `dir` as `<runId>-<n>.ts`, each closed one
   * listed in `<runId>.csv` (name,start,end).
   */
  record?: { dir: string; segmentSeconds: number; runId: string };
}

function inputArgs(plan: IngestPlan): string[] {
  const us = String(Math.round(plan.ioTimeoutSeconds * 1_000_000));
  const common = ['-fflags', '+genpts+discardcorrupt', '-use_wallclock_as_timestamps', '1'];
  if (plan.input.kind === 'rtsp') {
    // ffmpeg 5 renamed the RTSP socket timeout from -stimeout to -timeout (which meant "listen" before).
    const timeout = plan.ffmpegMajor >= 5 ? '-timeout' : '-stimeout';
    return ['-rtsp_transport', 'tcp', timeout, us, ...common, '-i', plan.input.url];
  }
  if (plan.input.kind === 'gb28181') {
    // A raw elementary stream carries no timing: the wall clock at arrival stamps each frame (common has it).
    return ['-rw_timeout', us, '-analyzeduration', '1000000', ...common, '-i', plan.input.url];
  }
  // For RTMP, -timeout means "listen"; -rw_timeout is the I/O timeout on every protocol.
  // An FLV header may announce audio that never comes; without an explicit
  // -analyzeduration ffmpeg waits up to 90 s for it on FLV.
  return ['-rw_timeout', us, '-analyzeduration', '2000000', ...common, '-i', plan.input.url];
}

/** Escapes a value inside a tee muxer slave spec ([opts]target). */
const teeEscape = (value: string) => value.replace(/([\\:|[\]])/g, '\\$1');

function videoCodecArgs(plan: IngestPlan): string[] {
  if (!plan.transcode) return ['-c:v', 'copy'];
  const gop = plan.transcode.gopSeconds;
  return [
    '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'main', '-pix_fmt', 'yuv420p',
    '-crf', '23', '-maxrate', '4M', '-bufsize', '8M', '-bf', '0', '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${gop})`,
    // FLV (through the tee) needs SPS/PPS out of band; the HLS muxer re-inserts them in-band.
    '-flags', '+global_header',
  ];
}

function hlsOptions(plan: IngestPlan): Record<string, string> {
  return {
    hls_time: String(plan.hls.segmentSeconds),
    hls_list_size: String(plan.hls.listSize),
    // temp_file: never serve a half-written segment; omit_endlist: a restart is not the end of a live stream.
    hls_flags: 'delete_segments+independent_segments+temp_file+omit_endlist+program_date_time',
    // Sequence numbers from the clock, so they keep growing across restarts.
    hls_start_number_source: 'epoch',
    hls_segment_filename: `${plan.hls.dir}/seg-%d.ts`,
  };
}

/** The recording slave: cut at keyframes near segment_time; onfail=ignore, so a full disk stops recording, not live. */
function recordSlave(record: NonNullable<IngestPlan['record']>): string {
  const opts = {
    f: 'segment', segment_time: String(record.segmentSeconds), segment_format: 'mpegts',
    segment_list: `${record.dir}/${record.runId}.csv`, segment_list_type: 'csv', onfail: 'ignore',
  };
  const spec = Object.entries(opts).map(([k, v]) => `${k}=${teeEscape(v)}`).join(':');
  return `[${spec}]${teeEscape(`${record.dir}/${record.runId}-%d.ts`)}`;
}

function outputArgs(plan: IngestPlan): string[] {
  const playlist = `${plan.hls.dir}/index.m3u8`;
  const hls = hlsOptions(plan);
  if (!plan.rtmpOut && !plan.record) {
    return ['-map', '0:v:0', ...videoCodecArgs(plan), '-f', 'hls', ...Object.entries(hls).flatMap(([k, v]) => [`-${k}`, v]), playlist];
  }
  const hlsSpec = Object.entries({ f: 'hls', ...hls }).map(([k, v]) => `${k}=${teeEscape(v)}`).join(':');
  // onfail=ignore: if the FLV side fails the HLS side carries on.
  const slaves = [`[${hlsSpec}]${teeEscape(playlist)}`];
  if (plan.rtmpOut) slaves.push(`[f=flv:onfail=ignore]${teeEscape(plan.rtmpOut)}`);
  if (plan.record) slaves.push(recordSlave(plan.record));
  const tee = slaves.join('|');
  return ['-map', '0:v:0', ...videoCodecArgs(plan), '-f', 'tee', tee];
}

/**
 * Decoder options of the input, when the tap is the decoder's one consumer (copy outputs):
 * skipping frames is safe, and one decoding thread, since frame threading holds a frame back
 * per thread (tap frames came 100 ms sooner: 410 → 310 ms p50 from capture, same CPU time).
 */
function decoderArgs(plan: IngestPlan): string[] {
  if (!plan.tap || plan.transcode) return [];
  return ['-threads', '1', ...(plan.tap.skip ? ['-skip_frame', plan.tap.skip] : [])];
}

function tapArgs(plan: IngestPlan): string[] {
  if (!plan.tap) return [];
  const { fps, width } = plan.tap;
  // fps before scale: only the frames kept are scaled and converted. showinfo: a line per
  // frame with its pts, from which the tap clock stamps capture times.
  const filters = [`fps=${fps}`, ...(width ? [`scale=${width}:-2`] : []), 'showinfo'];
  return ['-map', '0:v:0', '-vf', filters.join(','), '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1'];
}

export function buildIngestArgs(plan: IngestPlan): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-progress', 'pipe:3',
    ...decoderArgs(plan),
    ...inputArgs(plan),
    ...outputArgs(plan),
    ...tapArgs(plan),
  ];
}
