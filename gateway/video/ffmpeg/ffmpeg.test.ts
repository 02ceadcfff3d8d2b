// The ffmpeg command line and what we read back from ffmpeg.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildIngestArgs, type IngestPlan } from './args.ts';
import { diagnose, LineTail, parseVideoStream, ProgressParser, type RunFacts } from './diagnostics.ts';
import { parseVersion } from './locate.ts';

const plan = (over: Partial<IngestPlan> = {}): IngestPlan => ({
  input: { kind: 'rtsp', url: 'rtsp://admin:pw@10.0.0.1/ch1' },
  ffmpegMajor: 5,
  hls: { dir: '/data/hls/cam-1', segmentSeconds: 1, listSize: 6 },
  ioTimeoutSeconds: 10,
  ...over,
});

/** What a run was like: by default it failed after 1.5 s, before the 3 s I/O timeout, with no frame. */
const facts = (over: Partial<RunFacts> = {}): RunFacts => ({ exitCode: 1, ranMs: 1500, ioTimeoutMs: 3000, producedFrames: false, rtmpInput: false, ...over });

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

test('the tap decodes less: the decoder skips frames (before -i) only when the outputs copy; no width keeps the stream\'s own size', () => {
  const nokey = buildIngestArgs(plan({ tap: { fps: 1, width: 640, skip: 'nokey' } }));
  assert.deepEqual(nokey.slice(nokey.indexOf('-skip_frame'), nokey.indexOf('-skip_frame') + 2), ['-skip_frame', 'nokey']);
  assert.ok(nokey.indexOf('-skip_frame') < nokey.indexOf('-i'));
  const transcoding = buildIngestArgs(plan({ tap: { fps: 1, width: 640, skip: 'noref' }, transcode: { gopSeconds: 1 } }));
  assert.ok(!transcoding.includes('-skip_frame'), 'the encoder needs every frame');
  // One decoding thread for the tap (frame threads hold frames back), never for an encoder to keep up with.
  assert.deepEqual(nokey.slice(nokey.indexOf('-threads'), nokey.indexOf('-threads') + 2), ['-threads', '1']);
  assert.ok(nokey.indexOf('-threads') < nokey.indexOf('-i'));
  assert.ok(!transcoding.includes('-threads'));
  assert.ok(!buildIngestArgs(plan({})).includes('-threads'), 'no tap, no decoder');
  assert.ok(!buildIngestArgs(plan({ tap: { fps: 2, width: 640 } })).includes('-skip_frame'));
  const own = buildIngestArgs(plan({ tap: { fps: 2 } }));
  assert.equal(own[own.indexOf('-vf') + 1], 'fps=2,showinfo');
});

test('transcoding: H.264 with a forced keyframe interval', () => {
  const args = buildIngestArgs(plan({ transcode: { gopSeconds: 1 } }));
  assert.ok(args.includes('libx264'));
  assert.ok(args.includes('expr:gte(t,n_forced*1)'));
});

test('error lines become reasons a person can act on', () => {
  const cases: Array<[string, string]> = [
    ['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized', 'auth failed'],
    ['rtsp://10.0.0.1/x: Connection refused', 'unreachable'],
    ['[rtsp @ 0x1] method DESCRIBE failed: 404 Not Found', 'not found'],
    ['rtsp://10.0.0.9/x: Connection timed out', 'timeout'],
    ["Stream map '0:v:0' matches no streams.", 'no video stream'],
  ];
  for (const [line, reason] of cases) assert.equal(diagnose(['Input #0', line], facts()).reason, reason, line);
  assert.equal(diagnose(['all good'], facts()).reason, 'exited');
});

// Tails as Debian's ffmpeg 5.1 printed them against the camera simulator (noise lines left out, as the run's tail does).

test('end of stream: the cause, never the FLV muxer closing its file', () => {
  const tail = [
    "Input #0, rtsp, from 'rtsp://127.0.0.1:38315/a':",
    '[flv @ 0x55c2bcd7ddc0] Failed to update header with correct duration.',
    '[flv @ 0x55c2bcd7ddc0] Failed to update header with correct filesize.',
    'video:1462kB audio:0kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: unknown',
  ];
  const d = diagnose(tail, facts({ exitCode: 0, producedFrames: true, ranMs: 4000 }));
  assert.equal(d.reason, 'end of stream');
  assert.doesNotMatch(d.line, /flv|header/);
});

test('a copy that cannot be muxed (B-frames without timestamps): codec unsupported, the muxer line that says why, transcoding helps', () => {
  const tail = [
    '[mpegts @ 0x562dcb332640] first pts and dts value must be set',
    '[tee @ 0x562dcb322140] Slave muxer #0 failed: Invalid data found when processing input, continuing with 1/2 slaves.',
    '[flv @ 0x562dcb3b6a00] Packet is missing PTS',
    '[flv @ 0x562dcb3b6a00] Failed to update header with correct filesize.',
    '[tee @ 0x562dcb322140] All tee outputs failed.',
    'av_interleaved_write_frame(): Invalid argument',
    'Conversion failed!',
  ];
  const d = diagnose(tail, facts({ producedFrames: true }));
  assert.deepEqual([d.reason, d.copyFailed], ['codec unsupported', true]);
  assert.match(d.line, /first pts and dts value must be set|Packet is missing PTS/);
});

test('a camera that accepts the connection and sends nothing: timeout once the I/O timeout has passed', () => {
  const silent = ['rtsp://127.0.0.1:42147/x: Invalid data found when processing input'];
  assert.equal(diagnose(silent, facts({ ranMs: 3200 })).reason, 'timeout');
  const frozen = [
    "[rtsp @ 0x55acdeef6300] Could not find codec parameters for stream 0 (Video: h264, none): unspecified size",
    "Consider increasing the value for the 'analyzeduration' (0) and 'probesize' (5000000) options",
    '[tee @ 0x55acdef13800] dimensions not set',
    'Could not write header for output file #0 (incorrect codec parameters ?): Invalid argument',
  ];
  const d = diagnose(frozen, facts({ ranMs: 3221 }));
  assert.equal(d.reason, 'timeout');
  assert.match(d.line, /Could not find codec parameters/);
  // The same words at once, with no wait behind them, are about the data, not silence.
  assert.equal(diagnose(silent, facts({ ranMs: 200 })).reason, 'exited');
  // From an RTSP camera they mean it closed the connection unanswered: unreachable, with ffmpeg's line kept.
  const closed = diagnose(silent, facts({ ranMs: 70, rtspInput: true }));
  assert.equal(closed.reason, 'unreachable');
  assert.match(closed.line, /Invalid data found when processing input \(the connection closed before the camera answered\)/);
});

test('classified causes keep their line; an unknown exit says its code', () => {
  const d = diagnose(['[rtsp @ 0x1] method DESCRIBE failed: 401 Unauthorized', 'rtsp://cam/x: Server returned 401 Unauthorized (authorization failed)'], facts());
  assert.equal(d.reason, 'auth failed');
  assert.match(d.line, /401/);
  assert.deepEqual(diagnose(['Conversion failed!'], facts({ exitCode: 187 })), { reason: 'exited', line: 'ffmpeg exited with code 187', copyFailed: false });
  // An RTMP input's demuxer speaks as [flv]: its lines are the input's there.
  assert.match(diagnose(['[flv @ 0x1] Malformed input error'], facts({ rtmpInput: true })).line, /Malformed/);
});

test('the line tail cleans every line before keeping or passing it on', () => {
  const seen: string[] = [];
  const tail = new LineTail(2, (l) => seen.push(l), (l) => !l.startsWith('skip'), (l) => l.replace('secret', '[REDACTED]'));
  tail.push('a secret\nskip secret\nb\nc sec');
  tail.push('ret\n');
  assert.deepEqual(seen, ['a [REDACTED]', 'skip [REDACTED]', 'b', 'c [REDACTED]']);
  assert.deepEqual(tail.lines, ['b', 'c [REDACTED]']);
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
