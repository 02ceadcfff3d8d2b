// Runs the embedded demo (scripts/demo.ts: simulated cameras, sensors and a
// GB28181 NVR) as `npm start` does, but on free ports and a fresh data dir,
// with a known admin key and one key per role for the browser tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Role } from '../../device-registry/index.ts';

export interface DemoGateway {
  url: string;
  keys: Record<Role, string>;
  proc: ChildProcess;
  output: () => string;
  /** GET/POST against the demo's API with a role's key. */
  api: <T = unknown>(role: Role, path: string, init?: { method?: string; body?: unknown }) => Promise<T>;
  stop: () => Promise<void>;
}

const FREE_PORTS = ['--http.port', '0', '--video.rtmp.port', '0', '--sensors.broker.port', '0', '--gb28181.port', '0', '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0'];

export async function startDemo(extraArgs: string[] = []): Promise<DemoGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gw-demo-'));
  const adminKey = `gwk_${randomBytes(24).toString('base64url')}`;
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--dataDir', dataDir, '--auth.adminKey', adminKey, ...FREE_PORTS, ...extraArgs], {
    env: { ...process.env, DEMO_RTSP_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = once(proc, 'exit');

  const url = await new Promise<string>((resolve, reject) => {
    const deadline = Date.now() + 120_000; // the first start encodes the simulator's clips
    const poll = setInterval(() => {
      const m = /"url":"(http:[^"]+)"[^\n]*"msg":"gateway listening"/.exec(out);
      if (m) return void (clearInterval(poll), resolve(m[1]!.replace('0.0.0.0', '127.0.0.1')));
      if (proc.exitCode !== null || Date.now() > deadline) {
        clearInterval(poll);
        reject(new Error(`demo did not start (exit ${proc.exitCode}):\n${out.slice(-4000)}`));
      }
    }, 100);
  });

  const api = async <T,>(key: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> => {
    const res = await fetch(url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${key}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const keys = { admin: adminKey } as Record<Role, string>;
  for (const role of ['engineer', 'operator', 'dispatcher'] as const) {
    keys[role] = (await api<{ secret: string }>(adminKey, '/api/keys', { body: { name: `${role} (browser test)`, role } })).secret;
  }
  return {
    url,
    keys,
    proc,
    output: () => out,
    api: (role, path, init) => api(keys[role], path, init),
    stop: async () => {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
