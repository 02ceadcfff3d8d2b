// Configuration layers (defaults < file < environment < flags) and the
// start-up report that lists every problem by its path.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test('defaults alone are valid', () => {
  const config = loadConfig({ argv: [], env: {}, cwd: dir });
  assert.equal(config.http.port, 8080);
  assert.equal(config.dataDir, join(dir, 'data'));
  assert.equal(config.auth.adminKey, null);
});

test('file < environment < flags', () => {
  const user = file('user.yaml', 'http:\n  port: 9000\n  host: 127.0.0.1\nlog:\n  level: warn\n');
  const config = loadConfig({
    argv: ['--config', user, '--log.level=debug'],
    env: { GATEWAY_HTTP__PORT: '9100', GATEWAY_DATA_DIR: '/var/lib/gw', GATEWAY_SHUTDOWN__GRACE_MS: '500' },
    cwd: dir,
  });
  assert.equal(config.http.host, '127.0.0.1');
  assert.equal(config.http.port, 9100);
  assert.equal(config.log.level, 'debug');
  assert.equal(config.dataDir, '/var/lib/gw');
  assert.equal(config.shutdown.graceMs, 500);
});

test('every problem is listed with its path', () => {
  const user = file('bad.yaml', 'http:\n  port: 70000\n  prot: 1\nlog:\n  level: loud\nauth:\n  adminKey: short\n');
  try {
    loadConfig({ argv: ['--config', user, 'stray'], env: { GATEWAY_SHUTDOWN__GRACE_MS: 'soon' }, cwd: dir });
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = err.problems.join('\n');
    for (const path of ["argument 'stray'", 'http.port', 'http.prot', 'log.level', 'auth.adminKey', 'shutdown.graceMs']) {
      assert.ok(text.includes(path), `${path} is reported in:\n${text}`);
    }
  }
});

test('an unreadable or broken file is reported, not thrown raw', () => {
  const broken = file('broken.yaml', 'http: [\n');
  assert.throws(() => loadConfig({ argv: ['--config', broken], env: {}, cwd: dir }), (e: unknown) => e instanceof ConfigError && /not valid YAML/.test(e.message));
  assert.throws(() => loadConfig({ argv: ['--config', join(dir, 'missing.yaml')], env: {}, cwd: dir }), (e: unknown) => e instanceof ConfigError && /ENOENT/.test(e.message));
});

test('the demo configuration is valid', () => {
  const config = loadConfig({ argv: ['--config', join(process.cwd(), 'configs/demo.yaml')], env: {}, cwd: dir });
  assert.ok((config.seed?.channels?.length ?? 0) >= 4);
});
