// store.postgres.pools: every PostgreSQL pool of a node sized by configuration,
// validated with the path at fault, and named per node and pool in
// pg_stat_activity.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import pino from 'pino';
import { ConfigError, loadConfig } from '../config/load.ts';
import { poolOptions } from './stores.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-pools-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the pools have defaults, and configs/gateway.yaml states their sum (what a node opens at most)', () => {
  const { pools } = loadConfig({ argv: [], env: {}, cwd: dir }).store.postgres;
  assert.deepEqual({ registry: pools.registry, incidents: pools.incidents, leases: pools.leases }, { registry: 6, incidents: 6, leases: 3 });
  const documented = /A node opens at most their sum \((\d+) here/.exec(readFileSync('configs/gateway.yaml', 'utf8'))?.[1];
  assert.equal(Number(documented), Object.values(pools).reduce((a, b) => a + b, 0), 'the sum written in the defaults file is the sum of the pools');
});

test('each pool is set by file, environment or flag, and named "<nodeId> <pool>" for pg_stat_activity', () => {
  const config = loadConfig({
    argv: ['--store.postgres.pools.leases', '2', '--cluster.nodeId', 'gateway-7'], env: { GATEWAY_STORE__POSTGRES__POOLS__INCIDENTS: '12' }, cwd: dir,
  });
  assert.deepEqual([config.store.postgres.pools.registry, config.store.postgres.pools.incidents, config.store.postgres.pools.leases], [6, 12, 2]);
  const log = pino({ enabled: false });
  assert.deepEqual({ ...poolOptions(config, 'incidents', log), log: undefined }, { max: 12, name: 'gateway-7 incidents', log: undefined });
  assert.equal(poolOptions(config, 'leases', log).max, 2);
});

test('a pool of 0, an unknown pool and the old single poolSize are refused with their paths', () => {
  try {
    loadConfig({ argv: ['--store.postgres.pools.registry', '0', '--store.postgres.pools.sessions', '4', '--store.postgres.poolSize', '10'], env: {}, cwd: dir });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    for (const path of ['store.postgres.pools.registry', 'store.postgres.pools.sessions', 'store.postgres.poolSize']) assert.ok(text.includes(path), `${path} in:\n${text}`);
  }
});
