// Every defect the analysers report has a name in both languages in the
// shared vocabulary, which the console and incident views say it with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INCIDENT_TYPES, QUALITY_DEFECTS } from '../../../device-registry/vocabulary.ts';
import { DEFECTS } from './assess.ts';
import { INCIDENT_TYPE } from './incidents.ts';

test('each defect and the incident type are named in zh-CN and en', () => {
  assert.deepEqual(Object.keys(QUALITY_DEFECTS).sort(), [...DEFECTS].sort());
  for (const d of DEFECTS) assert.ok(QUALITY_DEFECTS[d]!['zh-CN'] && QUALITY_DEFECTS[d]!.en, d);
  assert.ok(INCIDENT_TYPES[INCIDENT_TYPE]?.['zh-CN']);
});
