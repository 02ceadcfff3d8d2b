// Cost of video quality diagnosis per camera: CPU ms per analysed picture for
// each analyser and in total (on the 320 px analysis picture, with the
// downscale from a 640x360 tap frame and from 1280x720), the CPU of one
// keyframe look (the short ffmpeg that decodes two keyframes of a 720p25
// H.264 HLS channel, start-up included: user + system CPU from bash's `time`),
// and per camera per minute at the default intervals. Prints one JSON object.
//   node --import tsx bench/video-quality.ts
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lumaStats } from '../gateway/video/quality/analysers/exposure.ts';
import { colourCast } from '../gateway/video/quality/analysers/colour-cast.ts';
import { meanAbsDifference } from '../gateway/video/quality/analysers/frozen.ts';
import { analysisImage } from '../gateway/video/quality/analysers/image.ts';
import { noiseSigma } from '../gateway/video/quality/analysers/noise.ts';
import { largestFlatArea } from '../gateway/video/quality/analysers/occlusion.ts';
import { laplacianVariance } from '../gateway/video/quality/analysers/sharpness.ts';
import { assess } from '../gateway/video/quality/assess.ts';
import { QUALITY_DEFAULTS } from '../gateway/video/quality/config.ts';
import { analysisSize, keyframeArgs } from '../gateway/video/quality/keyframes.ts';
import { findFfmpeg } from '../gateway/video/ffmpeg/locate.ts';

const run = promisify(execFile);
const ffmpeg = findFfmpeg().path;
const ITERATIONS = 200;
const LOOKS = 20;
const t = QUALITY_DEFAULTS.thresholds;

/** CPU ms (user + system) of this process per call of fn, over ITERATIONS calls after a warm-up. */
function cpuMsPerCall(fn: () => unknown): number {
  for (let i = 0; i < 10; i++) fn();
  const before = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) fn();
  const used = process.cpuUsage(before);
  return Math.round(((used.user + used.system) / 1000 / ITERATIONS) * 1000) / 1000;
}

async function rawFrames(graph: string, width: number, height: number, count: number): Promise<Buffer[]> {
  const { stdout } = await run(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', graph, '-frames:v', String(count), '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  const size = width * height * 3;
  return Array.from({ length: count }, (_, i) => stdout.subarray(i * size, (i + 1) * size));
}

const dir = mkdtempSync(join(tmpdir(), 'bench-quality-'));
try {
  // Pictures like a camera's: the moving test pattern, as the tap (640x360) and a 720p source give them.
  const [tap0, tap1] = await rawFrames('testsrc2=size=640x360:rate=25', 640, 360, 2);
  const [hd0] = await rawFrames('testsrc2=size=1280x720:rate=25', 1280, 720, 1);
  const previous = { image: analysisImage(tap0!, 640, 360), ts: 0 };
  const image = analysisImage(tap1!, 640, 360);
  const perAnalyser = {
    frozen: cpuMsPerCall(() => meanAbsDifference(previous.image, image)),
    blackBlank: cpuMsPerCall(() => lumaStats(image)),
    blur: cpuMsPerCall(() => laplacianVariance(image)),
    covered: cpuMsPerCall(() => largestFlatArea(image, t.occlusionBlockStd)),
    colourCast: cpuMsPerCall(() => colourCast(image)),
    noise: cpuMsPerCall(() => noiseSigma(image)),
  };
  const downscale = {
    from640x360: cpuMsPerCall(() => analysisImage(tap1!, 640, 360)),
    from1280x720: cpuMsPerCall(() => analysisImage(hd0!, 1280, 720)),
    // Keyframes arrive scaled by ffmpeg: only luma is computed.
    at320x180: cpuMsPerCall(() => analysisImage(image.rgb, image.width, image.height)),
  };
  const assessAll = cpuMsPerCall(() => assess({ image, ts: 1000 }, t, previous));
  const tapLook = cpuMsPerCall(() => assess({ image: analysisImage(tap1!, 640, 360), ts: 1000 }, t, previous));

  // A 720p25 H.264 channel's HLS segments as the ingest writes them (1 s GOP, 1 s segments).
  await run(ffmpeg, ['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=25', '-t', '8', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-bf', '0',
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-hls_segment_filename', join(dir, 'seg-%d.ts'), join(dir, 'index.m3u8')], { timeout: 120_000 });
  const segments = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort();
  const files = [join(dir, segments.at(-4)!), join(dir, segments.at(-1)!)];
  const size = analysisSize(1280, 720);
  const grabCpu: number[] = [];
  const grabWall: number[] = [];
  // bash's `time` gives the child's user + system CPU, ffmpeg's start-up included (its -benchmark leaves that out).
  const timed = 'TIMEFORMAT="%3U %3S"; time "$0" "$@" >/dev/null 2>/dev/null';
  for (let i = 0; i < LOOKS; i++) {
    const t0 = performance.now();
    const { stderr } = await run('bash', ['-c', timed, ffmpeg, ...keyframeArgs(files, size)]);
    grabWall.push(performance.now() - t0);
    const m = /([\d.]+) ([\d.]+)\s*$/.exec(stderr);
    if (!m) throw new Error(`no time for the keyframe ffmpeg: ${stderr.slice(-300)}`);
    grabCpu.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  const mean = (v: number[]) => Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10;
  const keyframeLookCpuMs = mean(grabCpu) + 2 * downscale.at320x180 + assessAll;
  const { intervalSeconds, tapIntervalSeconds } = QUALITY_DEFAULTS;
  const perMinute = (cpuMs: number, everySeconds: number) => Math.round(cpuMs * (60 / everySeconds) * 100) / 100;
  console.log(JSON.stringify({
    analysisPicture: `${image.width}x${image.height}`,
    iterations: ITERATIONS,
    perFrameCpuMs: { ...perAnalyser, total: assessAll, downscale },
    tapLookCpuMs: tapLook,
    keyframeLook: {
      source: '1280x720 H.264 25 fps, 1 s GOP, two keyframes of segments 3 apart',
      ffmpegCpuMs: mean(grabCpu),
      ffmpegWallMs: mean(grabWall),
      totalCpuMs: Math.round(keyframeLookCpuMs * 10) / 10,
    },
    perCameraPerMinuteCpuMs: {
      withoutDetection: { intervalSeconds, cpuMs: perMinute(keyframeLookCpuMs, intervalSeconds) },
      withDetection: { tapIntervalSeconds, cpuMs: perMinute(tapLook, tapIntervalSeconds) },
    },
    percentOfOneCorePerCamera: {
      withoutDetection: Math.round((perMinute(keyframeLookCpuMs, intervalSeconds) / 60_000) * 100 * 10000) / 10000,
      withDetection: Math.round((perMinute(tapLook, tapIntervalSeconds) / 60_000) * 100 * 10000) / 10000,
    },
  }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
