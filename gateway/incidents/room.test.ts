// The room as the gateway starts it, on either engine: the store chosen by
// configuration, the idempotent door, the one way out for stored events (the
// sink), the event log SSE replays from, and ping.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { RegistryService, SqliteRegistryStore } from '../../device-registry/index.ts';
import { startPostgres, type Postgres } from '../../test/helpers/postgres.ts';
import type { IncidentCandidate } from './candidate.ts';
import type { IncidentsConfig } from './config.ts';
import { startIncidents, type IncidentRoom } from './index.ts';
import type { StoredEvent } from './store/types.ts';

const config: IncidentsConfig = {
  cooldownSeconds: 60, slaMinutes: { critical: 30, major: 120, minor: 480, warning: 1440 }, claimLeaseSeconds: 300, timeZone: 'Asia/Shanghai',
  eventRetentionHours: 24, health: { channelOfflineSeconds: 120, stableSeconds: 30 }, webhooks: { timeoutMs: 1000, maxAttempts: 3, backoffMs: 100 },
};
const log = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'gw-incident-room-'));
const registryStore = new SqliteRegistryStore(join(dir, 'registry.db'));
const registry = new RegistryService(registryStore);
let postgres: Postgres;
before(async () => {
  postgres = await startPostgres();
});
after(async () => {
  await postgres?.close();
  await registryStore.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const alarm = (over: Partial<IncidentCandidate> = {}): IncidentCandidate =>
  ({ source: { kind: 'sensor', id: 'gas-1' }, type: 'gas_leak', severity: 'major', occurredAt: Date.now(), dedupeKey: `room-${++n}`, ...over });

type Raised = { outcome: string; incident?: { id: string; count: number } };

for (const engine of ['SQLite', 'PostgreSQL'] as const) {
  describe(`the incident room on ${engine}`, () => {
    const start = async (extra: Partial<Parameters<typeof startIncidents>[1]> = {}, dataDir = mkdtempSync(join(dir, 'data-'))): Promise<IncidentRoom> =>
      startIncidents(config, { registry, dataDir, log, ...(engine === 'PostgreSQL' ? { postgresUrl: await postgres.createDatabase(`room_${++n}`) } : {}), ...extra });

    test('a candidate id raised twice changes nothing the second time; events leave once, on the bus; SSE reads the store', async () => {
      const room = await start();
      const seen: Array<number | undefined> = [];
      room.service.bus.on('event', (e) => seen.push(e.seq));
      try {
        await room.ping();
        const key = alarm();
        const first = await room.raise(key, { candidateId: 'msg-1' }) as Raised;
        const again = await room.raise({ ...key, severity: 'critical' }, { candidateId: 'msg-1' }) as Raised;
        assert.equal(first.outcome, 'created');
        assert.deepEqual([again.outcome, again.incident?.id, again.incident?.count], ['created', first.incident?.id, 1]);
        assert.equal(seen.length, 1, 'one stored event on the bus');
        const other = await room.raise(key, { candidateId: 'msg-2' }) as Raised;
        assert.deepEqual([other.outcome, other.incident?.count], ['deduped', 2]);
        const history = await room.service.eventLog.since(0, 10);
        assert.deepEqual(history.map((e) => e.seq), seen);
        assert.equal(await room.service.eventLog.oldestSeq(), seen[0]);
        await assert.rejects(room.service.raise(key, { candidateId: '' }), (e: { code?: string }) => e.code === 'GW_ERR_VALIDATION');
      } finally {
        await room.stop();
      }
      await assert.rejects(room.ping(), 'a stopped room fails its readiness check');
    });

    test('onStoredEvent replaces the local bus for stored events; live events stay on the bus; eventLog is swappable', async () => {
      const sunk: StoredEvent[] = [];
      const onBus: string[] = [];
      const replay = { oldestSeq: async () => 41, since: async () => [] };
      const room = await start({ onStoredEvent: (e) => void sunk.push(e), eventLog: replay });
      room.service.bus.on('event', (e) => onBus.push(e.type));
      try {
        const r = await room.raise(alarm()) as Raised;
        assert.deepEqual(sunk.map((e) => [e.type, e.incidentId]), [['incident.created', r.incident?.id]]);
        room.service.publishLive('detection', { channelId: 'cam-1' });
        assert.deepEqual(onBus, ['detection']);
        assert.equal(room.service.eventLog, replay);
      } finally {
        await room.stop();
      }
    });

    test('the store persists: a room started again (another node, or after a restart) sees the same incidents', async () => {
      const dataDir = mkdtempSync(join(dir, 'data-'));
      const url = engine === 'PostgreSQL' ? await postgres.createDatabase(`room_${++n}`) : undefined;
      const open = () => startIncidents(config, { registry, dataDir, log, ...(url ? { postgresUrl: url } : {}) });
      const one = await open();
      const r = await one.raise(alarm({ dedupeKey: 'shared' })) as Raised;
      const two = engine === 'PostgreSQL' ? await open() : (await one.stop(), await open());
      try {
        const again = await two.raise(alarm({ dedupeKey: 'shared' })) as Raised;
        assert.deepEqual([again.outcome, again.incident?.id, again.incident?.count], ['deduped', r.incident?.id, 2]);
      } finally {
        await two.stop();
        if (engine === 'PostgreSQL') await one.stop();
      }
    });
  });
}

test('an unreachable PostgreSQL stops the room from starting with GW_ERR_UNAVAILABLE', async () => {
  await assert.rejects(startIncidents(config, { registry, dataDir: dir, log, postgresUrl: 'postgres://gw:secret@127.0.0.1:1/incidents' }), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'GW_ERR_UNAVAILABLE');
    assert.doesNotMatch(err.message, /secret/, 'no credentials in the message');
    return true;
  });
});
