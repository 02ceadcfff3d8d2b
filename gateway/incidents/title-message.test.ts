// The system's texts on incidents are coded beside their English: titles
// (evidence.titleMessage, shown as titleMessage) and the flow notes it writes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearFlow, reportFlow, repeatOf } from './store/rules.ts';
import type { IncidentRow, RaiseInput } from './store/types.ts';
import { cameraOfflineTitle, codeOnly, titleMessageOf, TITLE_MESSAGE } from './title-message.ts';
import { publicIncident } from './view.ts';

const SYSTEM = { keyId: null, name: 'system', role: null };

test('camera offline: the English title for API users, the code with the reason and its code', () => {
  const title = cameraOfflineTitle('cam-1', 'no push');
  assert.equal(title.message, 'camera cam-1 offline: no push');
  assert.deepEqual(codeOnly(title), { code: 'camera_offline_title', params: { camera: 'cam-1', reason: 'no push', reasonCode: 'no_push' } });
  assert.deepEqual(cameraOfflineTitle('cam-2', undefined).params, { camera: 'cam-2', reason: 'unknown', reasonCode: 'unknown' });
});

test('flow notes the system writes carry their code: report (the title), clear, severity', () => {
  const input = { title: 'camera cam-1 offline: unreachable', sourceKind: 'channel-health', sourceId: 'cam-1', severity: 'major',
    evidence: { [TITLE_MESSAGE]: { code: 'camera_offline_title', params: { camera: 'cam-1', reason: 'unreachable' } } } } as unknown as RaiseInput;
  assert.deepEqual(reportFlow(SYSTEM, input).data, { source: 'channel-health:cam-1', message: { code: 'camera_offline_title', params: { camera: 'cam-1', reason: 'unreachable' } } });
  assert.deepEqual(reportFlow(SYSTEM, { ...input, evidence: {} }).data, { source: 'channel-health:cam-1' }, 'a title without a code: the source only');
  const clear = clearFlow(SYSTEM);
  assert.deepEqual([clear.note, clear.data], ['the condition ended', { message: { code: 'condition_ended' } }]);
  const target = { severity: 'minor', evidence: {} } as unknown as IncidentRow;
  const worse = repeatOf(target, input, true, SYSTEM).flow!;
  assert.deepEqual([worse.note, worse.data], ['severity minor → major', { message: { code: 'severity_changed', params: { fromSeverity: 'minor', toSeverity: 'major' } } }]);
});

test('the public incident shows the title code, or null for a title a person wrote', () => {
  const row = { evidence: { [TITLE_MESSAGE]: { code: 'condition_ended' } }, firstSeen: 0, lastSeen: 0, createdAt: 0, updatedAt: 0 } as unknown as IncidentRow;
  const nulls = { dispatchedAt: null, slaDeadline: null, clearedAt: null, closedAt: null, lat: null, lng: null, claimBy: null, claimUntil: null };
  assert.deepEqual(publicIncident({ ...row, ...nulls }).titleMessage, { code: 'condition_ended' });
  assert.equal(publicIncident({ ...row, ...nulls, evidence: {} }).titleMessage, null);
  assert.equal(titleMessageOf({ [TITLE_MESSAGE]: 'not an object' }), null);
});
