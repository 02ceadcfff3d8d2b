// The config section: the defaults pass the schema, the README's YAML block
// (what goes into configs/gateway.yaml) equals SENSORS_DEFAULTS, and a bad
// value is reported by its path.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { check } from '../../../device-registry/index.ts';
import { SENSORS_DEFAULTS, SensorsConfig } from '../config.ts';

test('SENSORS_DEFAULTS passes the schema', () => {
  assert.deepEqual(check(SensorsConfig, SENSORS_DEFAULTS), []);
});

test('the README’s YAML is SENSORS_DEFAULTS, key for key', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const block = /<!-- sensors-yaml -->\s*```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, 'the marked YAML block');
  assert.deepEqual(parse(block), { sensors: SENSORS_DEFAULTS });
});

test('problems are reported by path', () => {
  const bad = structuredClone(SENSORS_DEFAULTS) as unknown as Record<string, Record<string, unknown>>;
  (bad.broker as Record<string, unknown>).port = 70000;
  (bad.series as Record<string, unknown>).sink = 'mongodb';
  (bad.kinds as Record<string, unknown>)['Bad Kind'] = {};
  const fields = check(SensorsConfig, bad).map((e) => e.field);
  assert.ok(fields.includes('broker.port'), fields.join());
  assert.ok(fields.includes('series.sink'), fields.join());
  assert.ok(fields.some((f) => f.startsWith('kinds')), fields.join());
});
