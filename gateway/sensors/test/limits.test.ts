// Wire-level packet size guard, the token bucket, line protocol and the ACL.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canPublish, canSubscribe } from '../broker/acl.ts';
import { FrameGuard, TokenBucket } from '../broker/limits.ts';
import type { SensorInfo } from '../directory.ts';
import { toLines } from '../series/line-protocol.ts';

/** A QoS 0 PUBLISH as it goes on the wire: type byte, remaining length (varint), topic, payload. */
function publishBytes(size: number): Buffer {
  const topic = Buffer.from('sensors/a/telemetry');
  const body = Buffer.concat([Buffer.from([topic.length >> 8, topic.length & 0xff]), topic, Buffer.alloc(size, 0x61)]);
  const length: number[] = [];
  for (let n = body.length; ; ) {
    const byte = n % 128;
    n = Math.floor(n / 128);
    length.push(n > 0 ? byte | 0x80 : byte);
    if (n === 0) break;
  }
  return Buffer.concat([Buffer.from([0x30, ...length]), body]);
}
const PINGREQ = Buffer.from([0xc0, 0x00]);

test('the frame guard follows packets across chunk boundaries and flags only the oversized one', () => {
  const stream = Buffer.concat([publishBytes(10), publishBytes(200), PINGREQ, publishBytes(5000), publishBytes(10)]);
  for (const chunkSize of [1, 3, 7, 64, stream.length]) {
    const guard = new FrameGuard(1000);
    let flagged: number | undefined;
    for (let i = 0; i < stream.length && flagged === undefined; i += chunkSize) flagged = guard.check(stream.subarray(i, i + chunkSize));
    assert.equal(flagged, 5000 + 2 + 'sensors/a/telemetry'.length, `chunks of ${chunkSize}`);
  }
  const ok = new FrameGuard(1000);
  assert.equal(ok.check(Buffer.concat([publishBytes(900), publishBytes(900)])), undefined);
  assert.ok(Number.isNaN(new FrameGuard(1000).check(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x7f]))), 'five length bytes is not MQTT');
});

test('the token bucket allows the burst, then the rate', () => {
  const b = new TokenBucket(10, 5, 0);
  assert.equal([1, 2, 3, 4, 5, 6].filter(() => b.take(0)).length, 5);
  assert.equal(b.take(50), false);
  assert.equal(b.take(100), true, 'one token after 100 ms at 10/s');
});

test('line protocol: sorted tags, escaped values, millisecond timestamps', () => {
  assert.deepEqual(toLines('sensor', { sensorId: 'gas 01,a=b', kind: 'gas', gridCode: 'G1' }, [{ metric: 'ch4', value: 12.5, unit: '%LEL', ts: 1732233600000 }]), [
    'sensor,grid=G1,kind=gas,metric=ch4,sensor=gas\\ 01\\,a\\=b,unit=%LEL value=12.5 1732233600000',
  ]);
});

test('the ACL: own topics only; commands to subscribe; walls read-only; $SYS for nobody', () => {
  const a = { id: 'a', enabled: true, topic: 'sensors/a/telemetry', availabilityTopic: 'sensors/a/availability', commandTopic: 'sensors/a/commands' } as SensorInfo;
  const sensor = { kind: 'sensor', sensorId: 'a' } as const;
  const wall = { kind: 'wall', keyId: 'k', role: 'operator' } as const;
  assert.ok(canPublish(sensor, a, 'sensors/a/telemetry') && canPublish(sensor, a, 'sensors/a/availability'));
  assert.ok(!canPublish(sensor, a, 'sensors/b/telemetry') && !canPublish(sensor, a, 'sensors/a/commands') && !canPublish(wall, a, 'sensors/a/telemetry'));
  assert.ok(!canPublish(sensor, { ...a, enabled: false }, 'sensors/a/telemetry'));
  assert.ok(canSubscribe(sensor, a, 'sensors/a/commands') && canSubscribe(sensor, a, 'sensors/a/commands/#') && canSubscribe(sensor, a, 'sensors/a/commands/+'));
  for (const f of ['#', 'sensors/+/commands', 'sensors/a/#', 'sensors/a/commandsX', 'sensors/b/commands', '$SYS/#', '$share/g/sensors/a/commands']) {
    assert.ok(!canSubscribe(sensor, a, f), f);
  }
  assert.ok(canSubscribe(wall, undefined, 'sensors/#') && !canSubscribe(wall, undefined, '$SYS/#'));
});
