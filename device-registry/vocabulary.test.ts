// The shared vocabulary and message catalogue: complete in both languages,
// codes for the English the server has always sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MESSAGES, codeOfText, messageIn, say } from './messages.ts';
import { GRID_LEVELS } from './schemas/grid.ts';
import { GRID_LEVEL_NAMES, INCIDENT_TYPES, KINDS, OBJECT_LABELS, QUALITY_DEFECTS, REASONS, SENSOR_PROBLEMS, UNITS, incidentTypeName, reasonCode, unitSymbol } from './vocabulary.ts';

const placeholders = (s: string) => new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));

test('every word and message has zh-CN and en, and zh-CN uses no placeholder the English lacks', () => {
  for (const [name, table] of Object.entries({ KINDS, INCIDENT_TYPES, OBJECT_LABELS, SENSOR_PROBLEMS, REASONS, UNITS, QUALITY_DEFECTS, GRID_LEVEL_NAMES, MESSAGES })) {
    for (const [code, entry] of Object.entries(table)) {
      assert.ok(entry['zh-CN'] && entry.en, `${name}.${code}`);
      if (name === 'MESSAGES') {
        const en = placeholders(entry.en);
        for (const p of placeholders(entry['zh-CN'])) assert.ok(en.has(p) || p === 'type', `${code}: {${p}} only in zh-CN`);
      }
    }
  }
});

test('reasons the server states in English get their code and params', () => {
  assert.deepEqual(reasonCode('no push'), { code: 'no_push' });
  assert.deepEqual(reasonCode('GB28181 is disabled in the configuration'), { code: 'gb28181_disabled' });
  assert.deepEqual(reasonCode('device offline: not registered'), { code: 'device_not_registered' });
  assert.deepEqual(reasonCode('device offline: keepalive lost'), { code: 'device_offline_because', params: { detail: 'keepalive lost' } });
  assert.deepEqual(reasonCode('no reading for 300 s'), { code: 'no_reading', params: { seconds: '300' } });
  assert.equal(reasonCode('something new'), undefined);
});

test('incident types: listed ones, and <kind>_<suffix> made from the kinds', () => {
  assert.equal(incidentTypeName('smoke_alarm', 'zh-CN'), '烟雾报警');
  assert.equal(incidentTypeName('temperature_rising', 'zh-CN'), '温度上升过快');
  assert.equal(incidentTypeName('temperature_falling', 'en'), 'Temperature falling fast');
  assert.equal(incidentTypeName('gas_high', 'zh-CN'), '燃气过高');
  assert.equal(incidentTypeName('no_such_thing', 'zh-CN'), undefined);
});

test('units: UCUM codes as a person reads them, unknown ones as they are', () => {
  assert.equal(unitSymbol('Cel', 'zh-CN'), '°C');
  assert.equal(unitSymbol('%RH', 'en'), '%RH');
  assert.equal(unitSymbol('furlong', 'en'), 'furlong');
  assert.equal(unitSymbol(undefined, 'en'), '');
});

test('messages: the English is the template filled, the code comes back from parameterless English', () => {
  assert.deepEqual(say('max', { limit: 90 }), { code: 'max', params: { limit: 90 }, message: 'must be <= 90' });
  assert.equal(messageIn('zh-CN', 'max', { limit: 90 }), '不能大于 90');
  assert.equal(codeOfText('must be a 20-digit GB/T 28181 code'), 'code20_format');
  assert.equal(codeOfText('must be <= {limit}'), undefined);
  assert.throws(() => say('no_such_code' as never));
});

test('grid levels are named, each level of the schema', () => {
  assert.deepEqual(Object.keys(GRID_LEVEL_NAMES), [...GRID_LEVELS]);
  assert.equal(messageIn('zh-CN', 'grid_level_order', { level: GRID_LEVEL_NAMES.street!['zh-CN'], parentLevel: GRID_LEVEL_NAMES.grid!['zh-CN'], parent: 'g1' }), '街道（乡镇）不能隶属于网格（上级 g1）');
});

test('texts other parts added keep their English for API users, with a code', () => {
  assert.equal(say('profile_not_found', { name: 'nope' }).message, "detection profile 'nope' does not exist");
  assert.equal(say('test_too_often', { perMinute: 6 }).message, 'at most one test at a time and 6 a minute per key; try again shortly');
  assert.match(say('csv_read_as_gb18030').message, /not UTF-8.*GB18030/);
  assert.equal(messageIn('zh-CN', 'profile_not_found', { name: 'nope' }), '识别配置“nope”不存在');
});
