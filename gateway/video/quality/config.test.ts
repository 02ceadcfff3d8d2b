// The defaults in configs/gateway.yaml are the ones the unit tests and the
// benchmark use (QUALITY_DEFAULTS), and the config check refuses bad values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../config/load.ts';
import { QUALITY_DEFAULTS } from './config.ts';

test('configs/gateway.yaml videoQuality equals QUALITY_DEFAULTS', () => {
  const config = loadConfig({ argv: [], env: {}, cwd: process.cwd() });
  assert.deepEqual(config.videoQuality, QUALITY_DEFAULTS);
});

test('a bad threshold is refused with its path', () => {
  assert.throws(() => loadConfig({ argv: ['--videoQuality.thresholds.occlusionMinArea', '2'], env: {}, cwd: process.cwd() }), /videoQuality\.thresholds\.occlusionMinArea/);
});
