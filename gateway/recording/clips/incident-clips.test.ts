// Clips are kept as long as their incident holds the footage: the sweep
// deletes a clip once its hold is released and past its keep time (or gone),
// never while it is active or released with time left. Real SQLite index.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pino } from 'pino';
import type { RegistryService } from '../../../device-registry/index.ts';
import type { EvidenceStore } from '../../evidence/index.ts';
import type { RecordingConfig } from '../config.ts';
import { Exporter } from '../export/exporter.ts';
import { RecordingPaths } from '../paths.ts';
import { openSqliteIndex } from '../store/sqlite-index.ts';
import { IncidentClips } from './incident-clips.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-clips-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the sweep deletes a clip whose hold was released and has passed, or is gone; it keeps clips of active holds and of holds with keep time left', async () => {
  const index = openSqliteIndex(join(dir, 'recordings.db'));
  const log = pino({ level: 'silent' });
  const exporter = new Exporter({ dir: join(dir, 'exports'), ffmpegPath: 'ffmpeg', concurrent: 2, keepHours: 1, log });
  const clips = new IncidentClips({
    config: {} as RecordingConfig, registry: {} as RegistryService, evidence: {} as EvidenceStore, incidents: { note: async () => undefined, get: async (id) => ({ id }) },
    index, paths: new RecordingPaths(join(dir, 'recordings')), exporter, holdRange: async () => undefined, recordsHere: () => true, nodeId: 'local',
    dir: join(dir, 'clips'), ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', log,
  });
  const now = Date.now();
  const ids = { active: 'a0000000-0000-4000-8000-000000000001', passed: 'a0000000-0000-4000-8000-000000000002', gone: 'a0000000-0000-4000-8000-000000000003', left: 'a0000000-0000-4000-8000-000000000004' };
  for (const id of Object.values(ids)) {
    mkdirSync(join(dir, 'clips', id), { recursive: true });
    writeFileSync(join(dir, 'clips', id, 'channel'), 'cam');
    writeFileSync(join(dir, 'clips', id, `${now - 20_000}-${now}.mp4`), 'mp4');
  }
  for (const id of [ids.active, ids.passed, ids.left]) await index.putHold({ channelId: 'cam', fromMs: now - 20_000, toMs: now, incidentId: id, reason: 'intrusion' });
  await index.releaseHolds(ids.passed, now - 1000);
  await index.releaseHolds(ids.left, now + 3_600_000);
  await clips.sweep(now);
  assert.ok(existsSync(join(dir, 'clips', ids.active)), 'active hold: kept');
  assert.ok(existsSync(join(dir, 'clips', ids.left)), 'released with keep time left: kept');
  assert.ok(!existsSync(join(dir, 'clips', ids.passed)), 'released and passed: deleted');
  assert.ok(!existsSync(join(dir, 'clips', ids.gone)), 'no hold: deleted');
  assert.ok(clips.file(ids.active, `${now - 20_000}-${now}.mp4`));
  assert.equal(clips.file(ids.passed, `${now - 20_000}-${now}.mp4`), undefined);
  exporter.stop();
  await clips.stop();
  await index.close();
});
