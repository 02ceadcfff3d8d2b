// Every problem and offline reason the sensor room states has a code in the
// shared vocabulary (device-registry/vocabulary.ts), so the console and the
// sensor cards say it in zh-CN or en: the message problems (lastProblem.reason)
// and the health reasons (views.ts, the rule engine's offline reasons).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reasonCode, SENSOR_PROBLEMS } from '../../../device-registry/vocabulary.ts';
import { BAD_REASONS } from './sensor-state.ts';

test('each message problem (lastProblem.reason) is named in the shared vocabulary', () => {
  for (const reason of BAD_REASONS) assert.ok(SENSOR_PROBLEMS[reason]?.['zh-CN'], reason);
});

test('each health reason has its code', () => {
  const said: Record<string, string> = {
    'disabled in the registry': 'sensor_disabled', 'no message yet': 'no_message_yet', offline: 'offline',
    'LWT offline': 'lwt_offline', 'no reading for 300 s': 'no_reading', // engine.ts setOffline
  };
  for (const [text, code] of Object.entries(said)) assert.equal(reasonCode(text)?.code, code, text);
});
