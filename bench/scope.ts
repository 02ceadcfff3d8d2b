// Scope (分级分权) cost: listing channels and fanning events out with 10,000
// channels and 1,000 API keys of different scopes, beside the same with admin
// keys, in one run. A gateway in this process (SQLite, the real app and
// routes); a district of 10 streets × 10 communities × 10 grid cells with 10
// cameras in each cell.
// - list: GET /api/channels?limit=100 through app.inject, once per key (auth,
//   the scope's cells, the SQL filter, JSON), ms per call;
// - fan-out: every event handed to 1,000 subscribers through the SSE route's
//   own per-stream path (the ordered chain, eventInScope read at each event,
//   the frame), sockets left out, µs per event per subscriber; half the events
//   are incidents (by their cell), half live detections (by their camera).
//   node --import tsx bench/scope.ts
import { performance } from 'node:perf_hooks';
import type { Actor } from '../device-registry/index.ts';
import { eventInScope } from '../gateway/incidents/http/sse.ts';
import { startTestGateway, type TestGateway } from '../test/helpers/gateway.ts';

const STREETS = 10;
const PER_LEVEL = 10;
const CAMERAS_PER_CELL = 10;
const USERS = 1000;
const EVENTS = 200;
const IMPORT_BATCH = 1000;

const street = (s: number) => `st${s}`;
const community = (s: number, c: number) => `st${s}-c${c}`;
const cell = (s: number, c: number, g: number) => `st${s}-c${c}-g${g}`;

async function must(t: TestGateway, method: 'POST', url: string, payload: unknown): Promise<Record<string, unknown>> {
  const res = await t.call('admin', { method, url, payload: payload as object });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return res.json() as Record<string, unknown>;
}

async function buildDistrict(t: TestGateway): Promise<string[]> {
  await must(t, 'POST', '/api/grids', { code: 'd0', name: '区', level: 'district' });
  const cells: string[] = [];
  for (let s = 0; s < STREETS; s++) {
    await must(t, 'POST', '/api/grids', { code: street(s), name: `街道 ${s}`, level: 'street', parentCode: 'd0' });
    for (let c = 0; c < PER_LEVEL; c++) {
      await must(t, 'POST', '/api/grids', { code: community(s, c), name: `社区 ${s}-${c}`, level: 'community', parentCode: street(s) });
      for (let g = 0; g < PER_LEVEL; g++) {
        await must(t, 'POST', '/api/grids', { code: cell(s, c, g), name: `网格 ${s}-${c}-${g}`, level: 'grid', parentCode: community(s, c) });
        cells.push(cell(s, c, g));
      }
    }
  }
  const rows = cells.flatMap((code) => Array.from({ length: CAMERAS_PER_CELL }, (_, i) => ({
    id: `${code}-cam${i}`, name: `${code} 摄像机 ${i}`, kind: 'rtsp', source: { url: `rtsp://127.0.0.1:9/${code}/${i}` }, gridCode: code, enabled: false,
  })));
  for (let i = 0; i < rows.length; i += IMPORT_BATCH) {
    const report = await must(t, 'POST', '/api/import?entity=channels', rows.slice(i, i + IMPORT_BATCH));
    if (report.written !== Math.min(IMPORT_BATCH, rows.length - i)) throw new Error(`import wrote ${String(report.written)}`);
  }
  return cells;
}

/** Scopes of several sizes: a street (1,000 cameras), a community (100), a cell (10), two cells in different streets (20). */
function scopeOf(i: number): { kind: string; scope: string[] } {
  const s = i % STREETS;
  const c = Math.floor(i / STREETS) % PER_LEVEL;
  const g = Math.floor(i / (STREETS * PER_LEVEL)) % PER_LEVEL;
  switch (i % 4) {
    case 0: return { kind: 'street', scope: [street(s)] };
    case 1: return { kind: 'community', scope: [community(s, c)] };
    case 2: return { kind: 'cell', scope: [cell(s, c, g)] };
    default: return { kind: 'twoCells', scope: [cell(s, c, g), cell((s + 1) % STREETS, c, g)] };
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

async function listCalls(t: TestGateway, secrets: string[]) {
  const ms: number[] = [];
  let items = 0;
  for (const secret of secrets) {
    const t0 = performance.now();
    const res = await t.app.inject({ method: 'GET', url: '/api/channels?limit=100', headers: { authorization: `Bearer ${secret}` } });
    ms.push(performance.now() - t0);
    if (res.statusCode !== 200) throw new Error(`list: ${res.statusCode} ${res.body.slice(0, 200)}`);
    items += (res.json() as { total: number }).total;
  }
  return { calls: secrets.length, medianMs: round(median(ms)), p95Ms: round(p95(ms)), meanMs: round(ms.reduce((a, b) => a + b, 0) / ms.length), meanVisibleChannels: Math.round(items / secrets.length) };
}

/** Each event through every subscriber's own ordered chain, as the SSE route does; µs per event per subscriber. */
async function fanOut(t: TestGateway, actors: Actor[], events: Array<{ seq?: number; type: string; payload: Record<string, unknown> }>) {
  const scopes = t.app.scopes;
  let delivered = 0;
  const sink = (frame: string) => void (delivered += frame.length > 0 ? 1 : 0);
  const chains = actors.map(() => Promise.resolve());
  const t0 = performance.now();
  for (const e of events) {
    for (let i = 0; i < actors.length; i++) {
      const actor = actors[i]!;
      chains[i] = chains[i]!.then(async () => {
        if (await eventInScope(scopes, actor, e as never)) sink(`event: ${e.type}\ndata: ${JSON.stringify(e.payload)}\n\n`);
      });
    }
    await Promise.all(chains);
  }
  const elapsed = performance.now() - t0;
  return { events: events.length, subscribers: actors.length, usPerEventPerSubscriber: round((elapsed * 1000) / (events.length * actors.length)), deliveredShare: round(delivered / (events.length * actors.length), 4) };
}

const setupStart = performance.now();
const t = await startTestGateway({ argv: ['--log.level', 'warn'] });
try {
  const cells = await buildDistrict(t);
  const adminActor = { keyId: null, name: 'bench', role: 'admin' as const };
  const scoped: Array<{ secret: string; actor: Actor; kind: string }> = [];
  const admins: Array<{ secret: string; actor: Actor }> = [];
  for (let i = 0; i < USERS; i++) {
    const { kind, scope } = scopeOf(i);
    const key = await t.gw.keys.create({ name: `operator ${i}`, role: 'operator', scope }, adminActor);
    scoped.push({ secret: key.secret, kind, actor: { keyId: key.id, name: key.name, role: 'operator', scope } });
    const admin = await t.gw.keys.create({ name: `admin ${i}`, role: 'admin' }, adminActor);
    admins.push({ secret: admin.secret, actor: { keyId: admin.id, name: admin.name, role: 'admin' } });
  }
  const setupSeconds = round((performance.now() - setupStart) / 1000, 1);
  // One warm-up call each way (first reads of the grid tree and the prepared statements).
  await listCalls(t, [scoped[0]!.secret, admins[0]!.secret]);

  const events = Array.from({ length: EVENTS }, (_, i) => {
    const code = cells[(i * 7919) % cells.length]!;
    return i % 2 === 0
      ? { seq: i + 1, type: 'incident.created', payload: { id: `inc-${i}`, type: 'intrusion', severity: 'major', status: 'reported', gridCode: code, title: '闯入' } }
      : { type: 'detection', payload: { channelId: `${code}-cam${i % CAMERAS_PER_CELL}`, frameTs: Date.now(), frameSize: [1280, 720], detections: [{ label: 'person', score: 0.9, box: [1, 2, 3, 4] }] } };
  });
  const result = {
    benchmark: 'scope',
    command: 'node --import tsx bench/scope.ts',
    channels: cells.length * CAMERAS_PER_CELL,
    gridCells: 1 + STREETS + STREETS * PER_LEVEL + cells.length,
    users: USERS,
    scopeKinds: Object.fromEntries(['street', 'community', 'cell', 'twoCells'].map((k) => [k, scoped.filter((s) => s.kind === k).length])),
    setupSeconds,
    listChannels: {
      scoped: await listCalls(t, scoped.map((s) => s.secret)),
      admin: await listCalls(t, admins.map((a) => a.secret)),
    },
    eventFanOut: {
      scoped: await fanOut(t, scoped.map((s) => s.actor), events),
      admin: await fanOut(t, admins.map((a) => a.actor), events),
    },
    notes: 'list: app.inject of GET /api/channels?limit=100, once per key; fan-out: the SSE route\'s per-stream path in process (ordered chain, eventInScope at each event, the frame), sockets left out',
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await t.stop();
}
