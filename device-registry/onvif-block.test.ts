// The onvif block of a channel on a real registry (SQLite and PostgreSQL): accepted on an
// RTSP channel and checked field by field; a PATCH may set the event switches
// (or drop the block) but not the facts, which only a trusted update (the
// gateway re-reading its camera) writes; one channel per camera (host:port);
// the export carries the facts and never the password; an import resolver
// replaces rows or fails them with the problems it names.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { postgresPerFile } from '../test/helpers/postgres.ts';
import { GwError } from './errors.ts';
import { toCsv, toImportJson } from './import/export.ts';
import { parseCsv } from './import/parse.ts';
import { runImport } from './import/run-import.ts';
import { onvifAltKey } from './schemas/onvif.ts';
import { RegistryService } from './service/registry-service.ts';
import type { Actor } from './store/registry-store.ts';
import { PgRegistryStore } from './store/postgres/pg-store.ts';
import type { RegistryStore } from './store/registry-store.ts';
import { SqliteRegistryStore } from './store/sqlite/sqlite-store.ts';

const ADMIN: Actor = { keyId: null, name: 'test', role: 'admin' };
const dir = mkdtempSync(join(tmpdir(), 'gw-onvif-block-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const postgres = postgresPerFile('onvif_block');

const facts = {
  manufacturer: 'HIKVISION', model: 'DS-2CD2T47G2', firmware: 'V5.7.3', serial: 'DS-2CD2T47G2-L20210101AACH123456789',
  clockSkewMs: -7200000, capabilities: { ptz: true, events: true }, readAt: '2026-12-07T10:00:00.000Z',
  profiles: [
    { token: 'Profile_1', name: 'mainStream', encoding: 'H265', width: 2560, height: 1440, fps: 25, ptz: true },
    { token: 'Profile_2', name: 'subStream', encoding: 'H264', width: 640, height: 360, fps: 15, ptz: true },
  ],
};
const onvifChannel = (id: string, host = '10.0.0.8', port = 80) => ({
  id, name: `ONVIF ${id}`, kind: 'rtsp', enabled: false,
  source: { url: `rtsp://${host}:554/Streaming/Channels/101`, username: 'admin', password: 'cam-secret-pw' },
  subSource: { url: `rtsp://${host}:554/Streaming/Channels/102` },
  onvif: { xaddr: `http://${host}${port === 80 ? '' : `:${port}`}/onvif/device_service`, profiles: { main: 'Profile_1', sub: 'Profile_2' }, facts },
});
const fieldsOf = (err: unknown) => ((err as GwError).details?.errors ?? []).map((e) => e.field);

function suite(engine: string, open: () => Promise<RegistryStore>) {
  describe(engine, () => {
    let service: RegistryService;
    before(async () => {
      service = new RegistryService(await open());
    });
    after(() => service?.store.close());

    test('an RTSP channel takes the onvif block; it is shown as given (no secret in it), and a bad one is named field by field', async () => {
      const { item } = await service.create('channels', onvifChannel('cam-onvif-1'), ADMIN);
      assert.deepEqual((item.onvif as { facts: unknown }).facts, facts);
      assert.doesNotMatch(JSON.stringify(item), /cam-secret-pw/);
      await assert.rejects(
        service.create('channels', { ...onvifChannel('cam-onvif-bad', '10.0.0.9'), onvif: { xaddr: 'ftp://x', profiles: {}, facts: { ...facts, clockSkewMs: 'late' } } }, ADMIN),
        (err) => {
          const fields = fieldsOf(err);
          for (const f of ['onvif.xaddr', 'onvif.profiles.main', 'onvif.facts.clockSkewMs']) assert.ok(fields.includes(f), `${f} in ${fields.join(', ')}`);
          return true;
        },
      );
      await assert.rejects(
        service.create('channels', { id: 'rtmp-onvif', name: 'x', kind: 'rtmp', source: {}, onvif: onvifChannel('x').onvif }, ADMIN),
        (err) => fieldsOf(err).some((f) => f.startsWith('onvif')),
        'only an RTSP channel is an ONVIF camera',
      );
    });

    test('one channel per camera: the same host:port again is refused, by another URL spelling too', async () => {
      assert.equal(onvifAltKey('http://10.0.0.8/onvif/device_service'), onvifAltKey('http://10.0.0.8:80/onvif/other'));
      assert.notEqual(onvifAltKey('http://10.0.0.8:8080/onvif/device_service'), onvifAltKey('http://10.0.0.8/onvif/device_service'));
      await assert.rejects(
        service.create('channels', { ...onvifChannel('cam-onvif-2'), onvif: { ...onvifChannel('x').onvif, xaddr: 'http://10.0.0.8:80/onvif/device_service' } }, ADMIN),
        (err) => err instanceof GwError && /already used by channel 'cam-onvif-1'/.test(err.message),
      );
      await service.create('channels', onvifChannel('cam-onvif-3', '10.0.0.8', 8080), ADMIN); // another port: another device
    });

    test('a PATCH sets the event switches but not the facts; a trusted update (the gateway) writes the facts', async () => {
      const patched = await service.update('channels', 'cam-onvif-1', { onvif: { events: { types: ['camera_tamper', 'line_crossing'] } } }, ADMIN);
      const block = patched.onvif as { events: unknown; facts: { model: string }; xaddr: string };
      assert.deepEqual(block.events, { types: ['camera_tamper', 'line_crossing'] });
      assert.equal(block.facts.model, facts.model, 'the rest of the block is kept');
      await assert.rejects(service.update('channels', 'cam-onvif-1', { onvif: { facts: { ...facts, model: 'forged' } } }, ADMIN), (err) => fieldsOf(err).some((f) => f.startsWith('onvif')));
      await assert.rejects(service.update('channels', 'cam-onvif-1', { onvif: { events: { types: ['fire'] } } }, ADMIN), (err) => fieldsOf(err).some((f) => f.startsWith('onvif.events')));
      const trusted = await service.update('channels', 'cam-onvif-1', { onvif: { facts: { ...facts, firmware: 'V5.8.0' } } }, ADMIN, undefined, { trusted: true });
      assert.equal((trusted.onvif as { facts: { firmware: string } }).facts.firmware, 'V5.8.0');
      await assert.rejects(
        service.update('channels', 'cam-onvif-1', { onvif: { facts: { ...facts, clockSkewMs: 'x' } } }, ADMIN, undefined, { trusted: true }),
        (err) => fieldsOf(err).includes('onvif.facts.clockSkewMs'),
        'a trusted update is still checked as a whole',
      );
      // null: no longer an ONVIF camera; its host:port is free for another channel.
      await service.create('channels', onvifChannel('cam-onvif-4', '10.0.0.44'), ADMIN);
      const dropped = await service.update('channels', 'cam-onvif-4', { onvif: null }, ADMIN);
      assert.equal(dropped.onvif, undefined);
      await service.create('channels', onvifChannel('cam-onvif-5', '10.0.0.44'), ADMIN);
    });

    test('the export (JSON and CSV) carries the ONVIF facts and no password; the JSON imports back', async () => {
      const items: Record<string, unknown>[] = [];
      for await (const row of service.all('channels')) items.push(service.descriptor('channels').toPublic(row));
      const json = toImportJson(items);
      const one = json.find((i) => i.id === 'cam-onvif-1')!;
      assert.equal((one.onvif as { facts: { serial: string } }).facts.serial, facts.serial);
      const csv = toCsv('channels', items);
      assert.match(csv, /DS-2CD2T47G2-L20210101AACH123456789/);
      for (const text of [JSON.stringify(json), csv]) assert.doesNotMatch(text, /cam-secret-pw/);
      const back = await runImport(service, 'channels', parseCsv(csv, 'channels'), { dryRun: true, mode: 'all', onConflict: 'update' }, ADMIN);
      assert.equal(back.invalid, 0, back.problems.join('; '));
    });

    test('an import resolver replaces rows or fails them; the others are checked as before, and nothing is written when one fails (mode all)', async () => {
      const remove = service.addImportResolver('channels', async (inputs) => inputs.map((input) => {
        if (input?.kind !== 'fake') return undefined;
        return input.host === 'bad' ? { errors: [{ field: 'password', message: 'refused' }] } : { input: { ...onvifChannel(String(input.id), String(input.host)) } };
      }));
      try {
        const rows = [
          { row: 1, input: { id: 'cam-r1', kind: 'fake', host: '10.0.1.1' } },
          { row: 2, input: { id: 'cam-r2', kind: 'fake', host: 'bad' } },
          { row: 3, input: { id: 'cam-r3', name: 'plain', kind: 'rtsp', source: { url: 'rtsp://10.0.1.3/x' }, enabled: false } },
          { row: 4, input: { id: 'cam-r4', kind: 'fake', host: '10.0.1.1' } },
        ];
        const report = await runImport(service, 'channels', rows, { dryRun: false, mode: 'all', onConflict: 'fail' }, ADMIN);
        assert.deepEqual(report.rows.map((r) => r.action), ['create', 'error', 'create', 'error']);
        assert.deepEqual(report.rows[1]!.errors, [{ field: 'password', message: 'refused' }]);
        assert.match(report.rows[3]!.errors![0]!.message, /same as row 1/, 'the same camera twice in one file');
        assert.equal(report.written, 0);
        assert.equal(await service.store.get('channels', 'cam-r1'), undefined, 'nothing half-created');
        const valid = await runImport(service, 'channels', rows, { dryRun: false, mode: 'valid', onConflict: 'fail' }, ADMIN);
        assert.equal(valid.written, 2);
        assert.equal(((await service.get('channels', 'cam-r1')).onvif as { xaddr: string }).xaddr, 'http://10.0.1.1/onvif/device_service');
      } finally {
        remove();
      }
    });
  });
}

suite('SQLite', async () => new SqliteRegistryStore(join(dir, 'registry.db')));
suite('PostgreSQL', async () => PgRegistryStore.open(await postgres.freshDatabase()));
