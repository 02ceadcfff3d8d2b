import assert from 'node:assert/strict';
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { onCaptureClock } from './playlist-clock.ts';

const iso = (ms: number) => new Date(ms).toISOString();

test('program dates move onto the capture clock measured from when segments closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdt-'));
  const capture = Date.parse('2026-12-02T10:00:00.000Z'); // seg-0's first frame was captured here
  const ahead = 2300; // ffmpeg's dates run 2.3 s ahead (it probed the input that long)
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:0'];
  for (let i = 0; i < 4; i++) {
    writeFileSync(join(dir, `seg-${i}.ts`), 'x');
    // Each file closes when the next keyframe arrives: 1 s after its start, plus 5-60 ms of processing.
    const closed = (capture + (i + 1) * 1000 + [60, 5, 30, 12][i]!) / 1000;
    utimesSync(join(dir, `seg-${i}.ts`), closed, closed);
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${iso(capture + ahead + i * 1000)}`, '#EXTINF:1.000000,', `seg-${i}.ts`);
  }
  const out = await onCaptureClock(lines.join('\n'), dir);
  const dates = [...out.matchAll(/PROGRAM-DATE-TIME:(.+)/g)].map((m) => Date.parse(m[1]!) - capture);
  assert.deepEqual(dates, [5, 1005, 2005, 3005]); // the least bound: 5 ms of processing remains
  assert.match(out, /^#EXTM3U\n#EXT-X-VERSION:3\n/);
  assert.equal(out.split('\n').length, lines.length);
});

test('a playlist without dates, or whose segments are gone, is served unchanged', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdt-'));
  const plain = '#EXTM3U\n#EXTINF:1.0,\nseg-1.ts\n';
  assert.equal(await onCaptureClock(plain, dir), plain);
  const gone = '#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2026-12-02T10:00:00.000Z\n#EXTINF:1.0,\nseg-9.ts\n';
  assert.equal(await onCaptureClock(gone, dir), gone);
});
