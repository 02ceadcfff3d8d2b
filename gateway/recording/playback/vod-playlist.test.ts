import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Segment } from '../store/recording-index.ts';
import { segmentsForRange, vodPlaylist } from './vod-playlist.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const seg = (startS: number, endS: number): Segment => ({
  channelId: 'cam', startMs: T0 + startS * 1000, endMs: T0 + endS * 1000, bytes: 1000, path: `cam/2026-01-01/${T0 + startS * 1000}.ts`, nodeId: 'local', keyframeFirst: true, class: 'continuous', source: 'gateway',
});

test('a VOD playlist: type VOD, target duration the longest segment rounded up, EXTINF and PROGRAM-DATE-TIME per segment, a DISCONTINUITY at the gap only, ENDLIST', () => {
  const text = vodPlaylist([seg(0, 4), seg(4.5, 10.2), seg(30, 34)]);
  const lines = text.trim().split('\n');
  assert.ok(lines.includes('#EXT-X-PLAYLIST-TYPE:VOD'));
  assert.ok(lines.includes('#EXT-X-TARGETDURATION:6'));
  assert.equal(lines.filter((l) => l.startsWith('#EXTINF:')).length, 3);
  assert.deepEqual(lines.filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')), ['#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z', '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:04.500Z', '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:30.000Z']);
  assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1, 'a 0.5 s step is no gap; 20 s is');
  assert.ok(lines.indexOf('#EXT-X-DISCONTINUITY') > lines.indexOf(`rec/${T0 + 4500}.ts`) && lines.indexOf('#EXT-X-DISCONTINUITY') < lines.indexOf(`rec/${T0 + 30_000}.ts`));
  assert.equal(lines.at(-1), '#EXT-X-ENDLIST');
  assert.ok(lines.includes('#EXTINF:5.700,'));
});

test('the range starts at the segment holding `from` and ends at the one holding `to`; an empty range is an empty VOD playlist', () => {
  const all = [seg(0, 4), seg(4, 8), seg(8, 12), seg(12, 16)];
  assert.deepEqual(segmentsForRange(all, T0 + 5000, T0 + 9000).map((s) => s.startMs), [T0 + 4000, T0 + 8000]);
  assert.deepEqual(segmentsForRange(all, T0 + 4000, T0 + 8000).map((s) => s.startMs), [T0 + 4000]);
  const empty = vodPlaylist([]);
  assert.match(empty, /#EXT-X-PLAYLIST-TYPE:VOD/);
  assert.match(empty, /#EXT-X-ENDLIST/);
  assert.doesNotMatch(empty, /#EXTINF/);
});

test('segments that cannot be fetched now are listed with EXT-X-GAP before their EXTINF (hls.js skips them), the others as before', () => {
  const all = [seg(0, 4), seg(4, 8), seg(8, 12)];
  const lines = vodPlaylist(all, { gap: (s) => s.startMs === T0 + 4000 }).trim().split('\n');
  assert.equal(lines.filter((l) => l === '#EXT-X-GAP').length, 1);
  const at = lines.indexOf(`rec/${T0 + 4000}.ts`);
  assert.deepEqual(lines.slice(at - 2, at + 1), ['#EXT-X-GAP', '#EXTINF:4.000,', `rec/${T0 + 4000}.ts`]);
  assert.equal(lines.filter((l) => l.startsWith('#EXTINF:')).length, 3, 'still listed: the timeline keeps its place');
});

test('a hand-over between nodes is a DISCONTINUITY however seamless (another ffmpeg, its own timestamps)', () => {
  const onB = (x: Segment): Segment => ({ ...x, nodeId: 'node-b' });
  const lines = vodPlaylist([seg(0, 4), seg(4, 8), onB(seg(8.2, 12)), onB(seg(12, 16))]).trim().split('\n');
  assert.equal(lines.filter((l) => l === '#EXT-X-DISCONTINUITY').length, 1);
  assert.equal(lines[lines.indexOf(`rec/${T0 + 8200}.ts`) - 3], '#EXT-X-DISCONTINUITY');
});
