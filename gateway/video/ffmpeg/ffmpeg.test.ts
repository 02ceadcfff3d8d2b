// The ffmpeg command line and what we read back from ffmpeg.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIngestArgs, redactArgs, type IngestPlan } from './args.ts';
import { classifyError, parseVideoStream, ProgressParser } from './diagnostics.ts';
import { parseVersion } from './locate.ts';

const plan = (over: Partial<IngestPlan> = {}): IngestPlan => ({
  input: { kind: 'rtsp', url: 'rtsp://admin:pw@10.0.0.1/ch1' },
  ffmpegMajor: 5,
  hls: { dir: '/data/hls/cam-1', segmentSeconds: 1, listSize: 6 },
  ioTimeoutSeconds: 10,
  ...over,
});

test('RTSP input: TCP, the I/O timeout under its name for the ffmpeg version, wall-clock timestamps', () => {
  const v5 = buildIngestArgs(plan());
  assert.deepEqual(v5.slice(v5.indexOf('-rtsp_transport'), v5.indexOf('-i') + 2), [
    '-rtsp_transport', 'tcp', '-timeout', '10000000', '-fflags', '+genpts+discardcorrupt', '-use_wallclock_as_timestamps', '1', '-i', 'rtsp://admin:pw@10.0.0.1/ch1',
  ]);
  assert.ok(buildIngestArgs(plan({ ffmpegMajor: 4 })).includes('-stimeout'));
  const rtmp = buildIngestArgs(plan({ input: { kind: 'rtmp', url: 'rtmp://127.0.0.1/live/k' } }));
  assert.ok(rtmp.includes('-rw_timeout') && !rtmp.includes('-timeout'));
});

test('one process, several outputs: HLS and RTMP through one tee (copy), the tap as raw RGB on stdout', () => {
  const args = buildIngestArgs(plan({ rtmpOut: 'rtmp://127.0.0.1:1935/internal/cam-1', tap: { fps: 2, width: 640 } }));
  assert.equal(args.filter((a) => a === '-i').length, 1);
  const tee = args[args.indexOf('tee') + 1]!;
  assert.match(tee, /^\[f=hls:hls_time=1:hls_list_size=6:hls_flags=delete_segments\+independent_segments\+temp_file\+omit_endlist\+program_date_time:/);
  assert.ok(tee.includes('|[f=flv:onfail=ignore]rtmp\\://127.0.0.1\\:1935/internal/cam-1'), tee);
  assert.deepEqual(args.slice(args.indexOf('-c:v'), args.indexOf('-c:v') + 2), ['-c:v', 'copy']);
  assert.deepEqual(args.slice(-9), ['-map', '0:v:0', '-vf', 'fps=2,scale=640:-2,showinfo', '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1']);
  assert.ok(args.includes('-progress') && args.includes('pipe:3'));
});

test('transcoding: H.264 with a forced keyframe interval', () => {
  const args = buildIngestArgs(plan({ transcode: { gopSeconds: 1 } }));
  assert.ok(args.includes('libx264'));
  assert.ok(args.includes('expr:gte(t,n_forced*1)'));
});

test('credentials are redacted from a logged command line', () => {
  assert.ok(!redactArgs(buildIngestArgs(plan())).join(' ').includes('admin:pw'));
});

test('error lines become reasons a person can act on', () => {
  const cases: Array<[string, string]> = [
    ['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized', 'auth failed'],
    ['rtsp://10.0.0.1/x: Connection refused', 'unreachable'],
    ['[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found', 'not found'],
    ['rtsp://10.0.0.9/x: Connection timed out', 'timeout'],
    ["Stream map '0:v:0' matches no streams.", 'no video stream'],
  ];
  for (const [line, reason] of cases) assert.equal(classifyError(['Input #0', line]), reason, line);
  assert.equal(classifyError(['all good']), undefined);
});

test('stream lines and progress blocks', () => {
  assert.deepEqual(parseVideoStream('  Stream #0:0: Video: h264 (Main), yuv420p(progressive), 1280x720 [SAR 1:1 DAR 16:9], 25 fps, 25 tbr, 90k tbn'), {
    codec: 'h264', width: 1280, height: 720, fps: 25,
  });
  assert.equal(parseVideoStream('  Stream #0:1: Audio: aac, 48000 Hz'), undefined);
  const blocks: Record<string, string>[] = [];
  const p = new ProgressParser((b) => blocks.push(b));
  p.push('frame=10\nfps=25.0\nprogr');
  p.push('ess=continue\nframe=35\nprogress=continue\n');
  assert.deepEqual(blocks.map((b) => b.frame), ['10', '35']);
});

test('ffmpeg versions: Debian 5.1 and the 4.1 static build', () => {
  assert.equal(parseVersion('ffmpeg version 5.1.9-0+deb12u1 Copyright').major, 5);
  assert.equal(parseVersion('ffmpeg version N-47683-g0e8eb07980-static\nlibavformat    58. 18.104').major, 4);
});
