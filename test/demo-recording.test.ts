// The demo records (configs/demo.yaml, started as `npm start` does, on free
// ports and a fresh data dir): the school crossing continuously, so playback
// has footage within a minute; the two detection cameras around their
// incidents, so the first detection gets its clip (a `clip` record on the
// flow and evidence.clips) and the MP4 plays.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startDemo, type DemoGateway } from './helpers/demo.ts';
import { waitFor } from './helpers/video.ts';

const run = promisify(execFile);
const CONTINUOUS = 'cam-school-03';
const DETECTING = ['cam-dongmen-01', 'cam-hedi-02'];
const scratch = mkdtempSync(join(tmpdir(), 'gw-demo-rec-'));
let demo: DemoGateway;
let startedAt = 0;

before(async () => {
  startedAt = Date.now();
  demo = await startDemo();
});
after(async () => {
  await demo?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

type Segment = { start: string; end: string; class: string };
type Clip = { url: string; thumbnailUrl: string; channelId: string; from: string; to: string; durationSeconds: number };
type Incident = { id: string; source: { kind: string; id: string }; evidence: { clips?: Clip[] }; flow: Array<{ action: string; data?: { clip?: Clip } }> };
const recordings = (id: string) => demo.api<{ segments: Segment[] }>('operator', `/api/channels/${id}/recordings`);

test('the continuous camera has footage within a minute of the start, and stays recording with nobody watching', { timeout: 180_000 }, async () => {
  const segments = await waitFor(async () => ((await recordings(CONTINUOUS)).segments.length ? (await recordings(CONTINUOUS)).segments : undefined), 120_000, `${CONTINUOUS} footage`);
  console.log(`${CONTINUOUS}: first segment indexed ${(Date.now() - startedAt) / 1000} s after the demo was started`);
  assert.equal(segments[0]!.class, 'continuous');
  const status = await demo.api<{ recording?: { state: string; mode: string } }>('operator', `/api/channels/${CONTINUOUS}/status`);
  assert.deepEqual([status.recording?.state, status.recording?.mode], ['recording', 'continuous']);
  for (const id of DETECTING) {
    const s = await demo.api<{ recording?: { mode: string } }>('operator', `/api/channels/${id}/status`);
    assert.equal(s.recording?.mode, 'events', `${id} records around its incidents`);
  }
});

test('a detection incident gets its clip on the flow and in evidence.clips, and the MP4 downloads and plays', { timeout: 300_000 }, async () => {
  const incident = await waitFor(async () => {
    const list = await demo.api<{ items: Incident[] }>('operator', '/api/incidents?limit=100');
    for (const i of list.items.filter((x) => x.source.kind === 'detector' && DETECTING.includes(x.source.id))) {
      const full = await demo.api<Incident>('operator', `/api/incidents/${i.id}`);
      if (full.evidence.clips?.length) return full;
    }
    return undefined;
  }, 240_000, 'a detection incident with its clip');
  const clip = incident.evidence.clips![0]!;
  console.log(`first clip on ${clip.channelId} ${(Date.now() - startedAt) / 1000} s after the demo was started: ${clip.from} to ${clip.to}, ${clip.durationSeconds} s`);
  assert.equal(clip.channelId, incident.source.id);
  const record = incident.flow.find((f) => f.action === 'clip' && f.data?.clip?.url === clip.url);
  assert.deepEqual(record?.data?.clip, clip, 'the flow record and the evidence say the same clip');
  const res = await fetch(`${demo.url}${clip.url}`, { headers: { authorization: `Bearer ${demo.keys.dispatcher}` } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'video/mp4');
  const file = join(scratch, 'clip.mp4');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const seconds = Number((await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file])).stdout.trim());
  assert.ok(seconds > 0, `the clip plays for ${seconds} s`);
  const thumb = await fetch(`${demo.url}${clip.thumbnailUrl}`, { headers: { authorization: `Bearer ${demo.keys.dispatcher}` } });
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
});
