// The incident metrics on either engine: raised by type and source kind
// (types bounded), open by status and dead letters read through the async
// store (so a cluster on PostgreSQL reports them too), and a store that stops
// answering leaves the last values in the scrape instead of failing it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { RegistryService, SqliteRegistryStore, SYSTEM_ACTOR } from '../../device-registry/index.ts';
import { startPostgres, type Postgres } from '../../test/helpers/postgres.ts';
import type { IncidentsConfig } from './config.ts';
import { startIncidents, type IncidentRoom } from './index.ts';
import { IncidentTypeLabels, registerIncidentMetrics } from './metrics.ts';

const config: IncidentsConfig = {
  // A minor incident is overdue a few ms after its dispatch.
  cooldownSeconds: 60, slaMinutes: { critical: 30, major: 120, minor: 0.0001, warning: 1440 }, claimLeaseSeconds: 300, timeZone: 'Asia/Shanghai',
  eventRetentionHours: 24, health: { channelOfflineSeconds: 120, stableSeconds: 30 }, webhooks: { timeoutMs: 1000, maxAttempts: 1, backoffMs: 100 },
};
const dir = mkdtempSync(join(tmpdir(), 'gw-incident-metrics-'));
const registryStore = new SqliteRegistryStore(join(dir, 'registry.db'));
const registry = new RegistryService(registryStore);
let postgres: Postgres;
before(async () => {
  postgres = await startPostgres();
  await registry.create('departments', { id: 'dept-1', name: '城管执法大队' }, SYSTEM_ACTOR);
});
after(async () => {
  await postgres?.close();
  await registryStore.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A port nothing listens on: webhook deliveries there fail at once. */
const closedPort = () => new Promise<number>((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as { port: number };
    srv.close(() => resolve(port));
  });
});

async function poll<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sample = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

test('incident types as a label: configured and machine types keep their name, a person\'s free type is other, and there are never more than 200', () => {
  const labels = new IncidentTypeLabels(['intrusion']);
  assert.equal(labels.label('intrusion', 'manual'), 'intrusion');
  assert.equal(labels.label('camera_offline', 'channel-health'), 'camera_offline');
  assert.equal(labels.label('my_own_words', 'manual'), 'other');
  assert.equal(labels.label('partner_ai_smoke', 'detector'), 'partner_ai_smoke');
  assert.equal(labels.label('partner_ai_smoke', 'manual'), 'partner_ai_smoke', 'a type a machine used is known');
  const names = new Set<string>();
  for (let i = 0; i < 1000; i++) names.add(labels.label(`flood_${i}`, 'detector'));
  assert.ok(names.size <= 200 && names.has('other'), `${names.size} names`);
});

for (const engine of ['SQLite', 'PostgreSQL'] as const) {
  describe(`incident metrics on ${engine}`, () => {
    let room: IncidentRoom;
    let metrics: Registry;
    let n = 0;
    before(async () => {
      const postgresUrl = engine === 'PostgreSQL' ? await postgres.createDatabase(`metrics_${Date.now()}`) : undefined;
      room = await startIncidents(config, { registry, dataDir: mkdtempSync(join(dir, 'data-')), log: pino({ level: 'silent' }), postgresUrl });
      metrics = new Registry();
      registerIncidentMetrics(metrics, room, { knownTypes: ['gas_leak'], log: pino({ level: 'silent' }) });
    });
    after(async () => {
      await room?.stop();
    });
    const raise = (type: string, kind: 'sensor' | 'manual' = 'sensor') =>
      room.raise({ source: { kind, id: 'gas-1' }, type, severity: 'major', occurredAt: Date.now(), dedupeKey: `${engine}-${++n}` });

    test('raised by type and source kind, open by status from the store, webhook dead letters', async () => {
      await room.webhooks.create({ name: 'down', url: `http://127.0.0.1:${await closedPort()}/hook` });
      await raise('gas_leak');
      await raise('gas_leak');
      await raise('typed_by_hand', 'manual');
      const text = await poll(async () => {
        const t = await metrics.metrics();
        const dead = [sample(t, 'gateway_incident_webhook_dead_letters'), sample(t, 'gateway_incident_webhook_deliveries_total{outcome="dead"}')];
        return dead.every((d) => d === 3) ? t : undefined;
      }, 'three dead letters, counted and in the store');
      assert.equal(sample(text, 'gateway_incidents_raised_total{type="gas_leak",source_kind="sensor"}'), 2);
      assert.equal(sample(text, 'gateway_incidents_raised_total{type="other",source_kind="manual"}'), 1);
      assert.equal(sample(text, 'gateway_incidents_open{status="reported"}'), 3);
      assert.equal(sample(text, 'gateway_incidents_open{status="dispatched"}'), 0);
      assert.equal(sample(text, 'gateway_incident_webhook_deliveries_total{outcome="delivered"}'), 0);
    });

    test('an incident past its SLA deadline is a breach, counted once; dispatched incidents are open as dispatched', async () => {
      const dispatcher = { keyId: null, name: 'test', role: 'dispatcher' as const };
      const raised = (await room.raise({ source: { kind: 'sensor', id: 'gas-1' }, type: 'gas_leak', severity: 'minor', occurredAt: Date.now(), dedupeKey: `${engine}-sla` })) as { incident: { id: string; version: number } };
      const accepted = (await room.service.act(raised.incident.id, 'accept', { version: raised.incident.version }, dispatcher)) as { version: number };
      await room.service.act(raised.incident.id, 'dispatch', { version: accepted.version, departmentId: 'dept-1' }, dispatcher);
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await room.service.escalateOverdue(), 1);
      assert.equal(await room.service.escalateOverdue(), 0, 'escalated once');
      const text = await poll(async () => {
        const t = await metrics.metrics();
        return sample(t, 'gateway_incidents_open{status="dispatched"}') === 1 ? t : undefined;
      }, 'the dispatched incident in the store figures');
      assert.equal(sample(text, 'gateway_incidents_sla_breaches_total'), 1);
    });

    if (engine === 'PostgreSQL') {
      test('PostgreSQL down: the scrape still answers, with the last figures', async () => {
        await new Promise((r) => setTimeout(r, 5100)); // past the store read cache
        await postgres.stop();
        try {
          const text = await metrics.metrics();
          assert.equal(sample(text, 'gateway_incidents_open{status="reported"}'), 3);
        } finally {
          await postgres.start();
        }
      });
    }
  });
}
