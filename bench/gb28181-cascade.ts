// Cascade benchmark (signalling): a real gateway process registered with an
// upper platform (our SIP library, in this process), N channels imported and
// shared with it. Measures how long the import takes until every channel has
// its 20-digit code, and the Catalog query of all N: the time from the query
// to the last Response MESSAGE at the upper platform, and how many MESSAGEs.
//   node --import tsx bench/gb28181-cascade.ts [--channels 10000] [--runs 3]
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { decodeCatalog } from '../gateway/gb28181/manscdp/index.ts';
import { TestUpper, UPPER_DOMAIN, UPPER_ID } from '../gateway/gb28181/cascade/test-upper.ts';
import { spawnGateway } from '../test/helpers/process.ts';
import { cpuSeconds, round } from './proc.ts';

const { values } = parseArgs({ options: { channels: { type: 'string', default: '10000' }, runs: { type: 'string', default: '3' } } });
const CHANNELS = Number(values.channels);
const RUNS = Number(values.runs);
const KEY = 'bench-cascade-admin-key-0123456789abcdef';
const OUR_ID = '31010100002000000001';

const dataDir = mkdtempSync(join(tmpdir(), 'bench-cascade-'));
const upper = await TestUpper.start('bench-cascade-pass');
const config = join(dataDir, 'gateway.yaml');
writeFileSync(config, `gb28181:
  id: "${OUR_ID}"
  domain: "3101010000"
  upper:
    - { id: "${UPPER_ID}", domain: "${UPPER_DOMAIN}", address: 127.0.0.1, port: ${upper.port}, transport: udp, password: bench-cascade-pass, share: { all: true } }
`);
const gw = spawnGateway([
  '--config', config, '--dataDir', dataDir, '--http.host', '127.0.0.1', '--http.port', '0', '--log.level', 'info', '--video.enabled', 'false',
  '--sensors.enabled', 'false', '--detection.enabled', 'false', '--gb28181.host', '127.0.0.1', '--gb28181.announceAddress', '127.0.0.1', '--gb28181.port', '0',
], { GATEWAY_AUTH__ADMIN_KEY: KEY });

try {
  const base = await gw.listening();
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...init.headers } });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const sipPort = ((await api('/api/gb28181/status')).platform as { sipPort: number }).sipPort;
  const lower = { transport: 'udp' as const, address: '127.0.0.1', port: sipPort };
  await upper.until('registered', () => upper.registered, 30_000);

  // N channels in one import; timed until every one is shared under a code.
  const rows = Array.from({ length: CHANNELS }, (_, i) => ({ id: `cam-${i}`, kind: 'rtmp', name: `通道 ${i}`, source: {} }));
  const cpu = () => cpuSeconds(gw.proc.pid!) ?? 0;
  const cpu0 = cpu();
  const t0 = performance.now();
  await api('/api/import?entity=channels', { method: 'POST', body: JSON.stringify(rows) });
  const imported = performance.now();
  for (;;) {
    const link = ((await api('/api/gb28181/upper')).items as Array<{ sharedChannels: number }>)[0]!;
    if (link.sharedChannels >= CHANNELS) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const coded = performance.now();
  const codeCpu = cpu() - cpu0;

  const runs: Array<{ ms: number; messages: number; items: number; gatewayCpuSeconds: number }> = [];
  for (let run = 0; run < RUNS; run++) {
    const sn = 9000 + run;
    const c0 = cpu();
    const start = performance.now();
    await upper.query(lower, OUR_ID, 'Catalog', sn);
    // Each MESSAGE decoded once (the upper platform shares this process: re-decoding all at every poll would slow it).
    const decoded = new Map<object, ReturnType<typeof decodeCatalog>>();
    const parts = await upper.until('the whole catalog', () => {
      const got = upper.bodies('Response:Catalog').filter((m) => m.sn === sn).map((m) => decoded.get(m) ?? decoded.set(m, decodeCatalog(m)).get(m)!);
      return got.length && got.reduce((n, p) => n + p.items.length, 0) >= got[0]!.sumNum ? got : undefined;
    }, 600_000);
    const ms = performance.now() - start;
    runs.push({ ms: round(ms, 1), messages: parts.length, items: parts.reduce((n, p) => n + p.items.length, 0), gatewayCpuSeconds: round(cpu() - c0, 2) });
  }
  const ms = runs.map((r) => r.ms).sort((a, b) => a - b);
  process.stdout.write(`${JSON.stringify({
    bench: 'gb28181-cascade',
    channels: CHANNELS,
    importMs: round(imported - t0, 0),
    importToAllCodedMs: round(coded - t0, 0),
    codingGatewayCpuSeconds: round(codeCpu, 2),
    catalog: { runs, medianMs: ms[Math.floor(ms.length / 2)], itemsPerMessage: 20 },
  }, null, 2)}\n`);
} finally {
  gw.proc.kill('SIGTERM');
  await gw.exit;
  await upper.close();
  rmSync(dataDir, { recursive: true, force: true });
}
