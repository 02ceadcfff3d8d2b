import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSqliteIndex } from '../store/sqlite-index.ts';
import { clipName, coveredTo, heldIncidents, storedClipUrls } from './stored-clips.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-stored-clips-'));
after(() => rmSync(dir, { recursive: true, force: true }));

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

test('after a restart the incidents to look at: holds on this node\'s footage, not released (or with keep time left), ending after `since`', async () => {
  const index = openSqliteIndex(join(dir, 'recordings.db'));
  const now = Date.now();
  const seg = (channelId: string, nodeId: string) => index.addSegment({ channelId, startMs: now - 60_000, endMs: now - 50_000, bytes: 1, path: `${channelId}/x.ts`, nodeId, keyframeFirst: true, class: 'events', source: 'gateway' });
  await seg('cam', 'local');
  await seg('cam-other-node', 'node-b');
  const hold = (incidentId: string, channelId: string, toMs: number) => index.putHold({ channelId, fromMs: toMs - 20_000, toMs, incidentId, reason: 'intrusion' });
  await hold('open', 'cam', now - 55_000);
  await hold('old', 'cam', now - 10 * 86_400_000);
  await hold('released', 'cam', now - 55_000);
  await index.releaseHolds('released', now - 1);
  await hold('kept', 'cam', now - 55_000);
  await index.releaseHolds('kept', now + 86_400_000);
  await hold('theirs', 'cam-other-node', now - 55_000);
  const found = await heldIncidents(index, 'local', now - 7 * 86_400_000, now);
  assert.deepEqual(found.map((f) => `${f.channelId}/${f.incidentId}`).sort(), ['cam/kept', 'cam/open']);
  await index.close();
});
