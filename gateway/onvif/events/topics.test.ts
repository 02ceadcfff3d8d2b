import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OnvifEvent } from '../index.ts';
import { incidentTypeOf, topicPath } from './topics.ts';

const ev = (topic: string, data: Record<string, string> = {}): OnvifEvent => ({ topic, at: 0, source: {}, data });

test('the topics of the brief map to their incident types when their state is on', () => {
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/CellMotionDetector/Motion', { IsMotion: 'true' })), 'camera_motion');
  assert.equal(incidentTypeOf(ev('tns1:VideoSource/MotionAlarm', { State: 'true' })), 'camera_motion');
  assert.equal(incidentTypeOf(ev('tns1:VideoSource/GlobalSceneChange/ImagingService', { State: 'true' })), 'camera_tamper');
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/TamperDetector/Tamper', { IsTamper: 'true' })), 'camera_tamper');
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/LineDetector/Crossed', { ObjectId: '7' })), 'line_crossing');
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/FieldDetector/ObjectsInside', { IsInside: 'true' })), 'field_detection');
});

test('a state going off, or no state at all, raises nothing', () => {
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/CellMotionDetector/Motion', { IsMotion: 'false' })), undefined);
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/CellMotionDetector/Motion')), undefined);
  assert.equal(incidentTypeOf(ev('tns1:VideoSource/MotionAlarm', { State: 'false' })), undefined);
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/FieldDetector/ObjectsInside', { IsInside: 'false' })), undefined);
  assert.equal(incidentTypeOf(ev('tns1:VideoSource/GlobalSceneChange/ImagingService', { State: '0' })), undefined);
});

test('other topics raise nothing, near misses included', () => {
  assert.equal(incidentTypeOf(ev('tns1:Device/Trigger/DigitalInput', { LogicalState: 'true' })), undefined);
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/CellMotionDetector', { IsMotion: 'true' })), undefined);
  assert.equal(incidentTypeOf(ev('tns1:RuleEngine/CellMotionDetector/Motion/Extra', { IsMotion: 'true' })), undefined);
});

test('prefixes other than tns1 and other letter case are matched (cameras bind the namespace as they like)', () => {
  assert.equal(topicPath('ns2:RuleEngine/ns2:CellMotionDetector/ns2:Motion'), 'ruleengine/cellmotiondetector/motion');
  assert.equal(incidentTypeOf(ev('onvif:RuleEngine/CellMotionDetector/Motion', { IsMotion: 'True' })), 'camera_motion');
  assert.equal(incidentTypeOf(ev('RuleEngine/LineDetector/Crossed')), 'line_crossing');
  assert.equal(incidentTypeOf(ev('tns1:VideoSource/MotionAlarm', { State: '1' })), 'camera_motion');
});
