import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipName, coveredTo, storedClipUrls } from './stored-clips.ts';

const id = 'a0000000-0000-4000-8000-000000000001';
const url = (from: number, to: number) => `/api/clips/${id}/${clipName(from, to)}`;

test('a clip\'s planned end is read back from its URL, in evidence.clips or (older) only on the flow, for its own channel', () => {
  assert.equal(coveredTo({ id }, 'cam'), undefined, 'no clip yet');
  assert.equal(clipName(1000.4, 2000.2), '1000-2001.mp4');
  const incident = {
    id,
    evidence: { clips: [{ url: url(1000, 21_000), channelId: 'cam' }] },
    flow: [{ action: 'report' }, { action: 'clip', data: { clip: { url: url(1000, 21_000), channelId: 'cam' } } }, { action: 'clip', data: { clip: { url: url(21_000, 40_000) } } }],
  };
  assert.equal(coveredTo(incident, 'cam'), 40_000);
  assert.equal(coveredTo({ ...incident, flow: [] }, 'cam'), 21_000);
  assert.deepEqual(storedClipUrls(incident, 'other'), [url(21_000, 40_000)], 'a clip naming another channel is not this one\'s');
  assert.equal(coveredTo({ id, evidence: { clips: 'not a list' } }, 'cam'), undefined);
});
