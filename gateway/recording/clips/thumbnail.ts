// A clip's thumbnail: one frame at the alarm's time, 640 px wide, as JPEG
// (ffmpeg decodes from the keyframe before it; the clip is short).
import { execFile } from 'node:child_process';

export function thumbnailJpeg(ffmpegPath: string, file: string, seconds: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile(ffmpegPath, ['-hide_banner', '-nostdin', '-v', 'error', '-ss', seconds.toFixed(3), '-i', file, '-frames:v', '1', '-vf', 'scale=640:-2', '-q:v', '4', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1'],
      { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: 30_000 },
      (err, stdout) => (err || !stdout.length ? reject(err ?? new Error('no thumbnail frame')) : resolve(stdout)));
  });
}
