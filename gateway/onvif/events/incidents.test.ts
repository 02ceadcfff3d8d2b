import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventCandidateId, occurredAt } from './incidents.ts';

const NOW = Date.parse('2026-12-07T10:00:00Z');
const at = (ms: number) => ({ topic: 't', at: ms, source: {}, data: {} });

test("an event's time is kept (the client moved it onto our clock)", () => {
  assert.equal(occurredAt(at(NOW - 5000), NOW), NOW - 5000);
  assert.equal(occurredAt(at(NOW - 86_400_000), NOW), NOW - 86_400_000);
});

test('a time the door would refuse (a clock never set, hours ahead) is the arrival time', () => {
  assert.equal(occurredAt(at(Date.parse('2000-01-01T00:00:00Z')), NOW), NOW);
  assert.equal(occurredAt(at(NOW + 3600_000), NOW), NOW);
  assert.equal(occurredAt(at(Number.NaN), NOW), NOW);
});

const tamper = (over: Partial<Parameters<typeof eventCandidateId>[2]> = {}) => ({
  topic: 'tns1:VideoSource/GlobalSceneChange/ImagingService', at: NOW, source: { Source: 'VideoSource_1' }, data: { State: 'true' },
  cameraTime: '2026-12-07T12:00:05Z', operation: 'Changed', ...over,
});

test('a camera event has one candidate id whichever node pulled it (its skew, its prefix, the order of items do not matter)', () => {
  const id = eventCandidateId('cam-1', 'camera_tamper', tamper());
  assert.match(id, /^onvif-[0-9a-f]{40}$/);
  // Another node measured another skew: its `at` differs, the camera's own time does not.
  assert.equal(eventCandidateId('cam-1', 'camera_tamper', tamper({ at: NOW + 1234 })), id);
  assert.equal(eventCandidateId('cam-1', 'camera_tamper', tamper({ topic: 'ns2:VideoSource/ns2:GlobalSceneChange/ns2:ImagingService' })), id);
  assert.equal(eventCandidateId('cam-1', 'camera_tamper', tamper({ source: { Source: 'VideoSource_1' }, data: { State: 'true' } })), id);
});

test('another time, channel, type, source or data is another candidate', () => {
  const id = eventCandidateId('cam-1', 'camera_tamper', tamper());
  assert.notEqual(eventCandidateId('cam-1', 'camera_tamper', tamper({ cameraTime: '2026-12-07T12:00:06Z' })), id);
  assert.notEqual(eventCandidateId('cam-2', 'camera_tamper', tamper()), id);
  assert.notEqual(eventCandidateId('cam-1', 'camera_motion', tamper()), id);
  assert.notEqual(eventCandidateId('cam-1', 'camera_tamper', tamper({ source: { Source: 'VideoSource_2' } })), id);
  const crossing = { topic: 'tns1:RuleEngine/LineDetector/Crossed', at: NOW, source: {}, cameraTime: '2026-12-07T12:00:05Z' };
  assert.notEqual(eventCandidateId('cam-1', 'line_crossing', { ...crossing, data: { ObjectId: '1' } }), eventCandidateId('cam-1', 'line_crossing', { ...crossing, data: { ObjectId: '2' } }));
});

test('a state restated to a new subscription (Initialized) has one id whatever time the camera stamped on it', () => {
  const restated = eventCandidateId('cam-1', 'camera_tamper', tamper({ operation: 'Initialized', cameraTime: '2026-12-07T12:00:05Z' }));
  assert.equal(eventCandidateId('cam-1', 'camera_tamper', tamper({ operation: 'Initialized', cameraTime: '2026-12-07T12:09:41Z' })), restated);
  assert.notEqual(eventCandidateId('cam-1', 'camera_tamper', tamper()), restated, 'the change itself is its own occurrence');
});
