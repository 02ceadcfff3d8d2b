import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { MediaPorts } from './media-ports.ts';
import { freePort } from '../../test/helpers/mosquitto.ts';

test('media ports: taken ports are skipped, an exhausted range is a clear error, released ports come round again', async () => {
  const min = await freePort();
  const ports = new MediaPorts(min, min + 1);
  const a = await ports.udp('127.0.0.1');
  const b = await ports.udp('127.0.0.1');
  assert.deepEqual([a.address().port, b.address().port].sort(), [min, min + 1]);
  await assert.rejects(ports.udp('127.0.0.1'), new RegExp(`no free UDP port in ${min}-${min + 1}`));
  const freed = a.address().port;
  await new Promise<void>((r) => a.close(() => r()));
  const c: Socket = await ports.udp('127.0.0.1');
  assert.equal(c.address().port, freed, 'the only free port of the range');
  const tcp = await ports.tcp('127.0.0.1');
  assert.ok([min, min + 1].includes((tcp.address() as AddressInfo).port), 'TCP uses the same range');
  b.close();
  c.close();
  tcp.close();
});
