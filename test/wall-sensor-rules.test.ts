// The sensor rules form's model (web-wall/src/console/sensor-rules.ts): a
// rules map as rows and back, keeping what the rows do not show.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyRow, rowsOf, writeRows } from '../web-wall/src/console/sensor-rules.ts';

const saved = JSON.stringify({ ch4: { above: 20, recover: 10, forSeconds: 10, severity: 'critical', staleSeconds: 120 }, level: { below: 0.5, enabled: false } });

test('a rules map becomes one row per condition', () => {
  assert.deepEqual(rowsOf(saved), [
    { metric: 'ch4', type: 'above', threshold: '20', recover: '10', forSeconds: '10', severity: 'critical' },
    { metric: 'level', type: 'below', threshold: '0.5', recover: '', forSeconds: '', severity: '' },
  ]);
  assert.deepEqual(rowsOf(''), []);
  assert.equal(rowsOf('{"ch4": '), undefined, 'not JSON: only the JSON box can edit it');
  assert.equal(rowsOf('[1]'), undefined);
});

test('rows written back: edits and new rows land, keys the rows do not show stay, unfinished rows wait', () => {
  const rows = rowsOf(saved)!;
  rows[0]!.threshold = '25';
  rows.push({ ...emptyRow('gas'), type: 'ratePerMinute', threshold: '5' });
  rows.push(emptyRow('gas')); // no threshold yet
  assert.deepEqual(JSON.parse(writeRows(saved, rows)), {
    ch4: { above: 25, recover: 10, forSeconds: 10, severity: 'critical', staleSeconds: 120, ratePerMinute: 5 },
    level: { below: 0.5, enabled: false },
  });
});

test('a removed row takes its condition out; a metric with no shown condition is kept; nothing left is empty text', () => {
  const onlyEnabled = JSON.stringify({ rh: { enabled: false }, temp: { above: 60 } });
  assert.deepEqual(JSON.parse(writeRows(onlyEnabled, [])), { rh: { enabled: false } });
  assert.equal(writeRows('{"temp": {"above": 60}}', []), '');
  assert.deepEqual(emptyRow('water_level'), { metric: 'level', type: 'above', threshold: '', recover: '', forSeconds: '', severity: '' });
});
