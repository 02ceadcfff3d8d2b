// Starts an in-process gateway on a fresh temp data dir, with every log line
// and everything printed captured, and API keys for each role.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Role } from '../../device-registry/index.ts';
import { loadConfig } from '../../gateway/config/load.ts';
import { createGateway, type RunningGateway } from '../../gateway/gateway.ts';
import { createLogger } from '../../gateway/log.ts';

export interface TestGateway {
  gw: RunningGateway;
  app: FastifyInstance;
  dataDir: string;
  adminKey: string;
  keys: Record<Role, string>;
  /** Every log line so far. */
  logs: () => string;
  /** What the gateway printed outside the log (the first-start banner). */
  printed: () => string;
  call: (role: Role | null, opts: InjectOptions) => Promise<LightMyRequestResponse>;
  stop: (opts?: { keepData?: boolean }) => Promise<void>;
}

export async function startTestGateway(opts: { argv?: string[]; dataDir?: string } = {}): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gw-test-'));
  // Video is off unless a test asks for it (--video.enabled true): registry tests need no ffmpeg.
  const argv = ['--dataDir', dataDir, '--http.port', '0', '--log.level', 'debug', '--video.enabled', 'false', '--video.rtmp.port', '0', '--sensors.broker.port', '0', '--gb28181.port', '0', '--gb28181.media.portMin', '0', '--gb28181.media.portMax', '0',
    // ONVIF discovery probes loopback only, briefly: nothing is sent to other addresses from a test.
    '--onvif.discovery.interfaces', '[127.0.0.1]', '--onvif.discovery.timeoutMs', '300', ...(opts.argv ?? [])];
  const config = loadConfig({ argv, env: {}, cwd: process.cwd() });
  const capture = () => {
    const chunks: string[] = [];
    const stream = new PassThrough();
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    return { stream, text: () => chunks.join('') };
  };
  const logs = capture();
  const printed = capture();
  const gw = await createGateway(config, createLogger(config.log.level, logs.stream), printed.stream);
  await gw.app.ready();
  const adminKey = /GATEWAY ADMIN KEY: (\S+)/.exec(printed.text())?.[1] ?? '';
  const keys = { admin: adminKey } as Record<Role, string>;
  const admin = await gw.service.store.listApiKeys();
  const actor = { keyId: admin[0]?.id ?? null, name: 'test', role: 'admin' as const };
  for (const role of ['engineer', 'operator', 'dispatcher'] as const) {
    keys[role] = (await gw.keys.create({ name: `${role} key`, role }, actor)).secret;
  }
  return {
    gw,
    app: gw.app,
    dataDir,
    adminKey,
    keys,
    logs: logs.text,
    printed: printed.text,
    call: (role, o) => gw.app.inject({ ...o, headers: { ...(role ? { authorization: `Bearer ${keys[role]}` } : {}), ...o.headers } }),
    stop: async ({ keepData = false } = {}) => {
      await gw.close();
      if (!keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A small but complete registry: a department, a district with a street and a grid cell. */
export async function seedBasics(t: TestGateway): Promise<void> {
  const posts: Array<[string, unknown]> = [
    ['/api/departments', { id: 'dept-1', name: '城管执法大队' }],
    ['/api/grids', { code: 'D1', name: '示范区', level: 'district', departmentId: 'dept-1', polygon: square(121.4, 31.2, 0.1) }],
    ['/api/grids', { code: 'D1-S1', name: '东门街道', level: 'street', parentCode: 'D1', polygon: square(121.4, 31.2, 0.05) }],
    ['/api/grids', { code: 'D1-S1-G1', name: '东门广场网格', level: 'grid', parentCode: 'D1-S1' }],
    ['/api/grids', { code: 'D1-S2', name: '河滨街道', level: 'street', parentCode: 'D1' }],
  ];
  for (const [url, payload] of posts) {
    const res = await t.call('engineer', { method: 'POST', url, payload: payload as object });
    if (res.statusCode !== 201) throw new Error(`seed ${url}: ${res.statusCode} ${res.body}`);
  }
}

export const square = (lng: number, lat: number, size: number) => ({
  type: 'Polygon',
  coordinates: [[[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]],
});

export const rtspChannel = (id: string, extra: Record<string, unknown> = {}) => ({
  id, name: `东门广场-${id}`, kind: 'rtsp', source: { url: `rtsp://10.0.0.1:554/${id}` }, gridCode: 'D1-S1-G1', tags: ['广场'], ...extra,
});

export const sensor = (id: string, extra: Record<string, unknown> = {}) => ({
  id, name: `燃气-${id}`, kind: 'gas', mqtt: { clientId: id, username: id, password: `pw-${id}-secret` }, unit: '%LEL', gridCode: 'D1-S1-G1', ...extra,
});
