// The Influx sink against a real line-protocol server (VictoriaMetrics,
// started by the test on a free port): readings from MQTT arrive with their
// tags, batches leave at `batchLines` or every `flushMs`, an outage is ridden
// out with retries and a bounded buffer whose drops are counted, and charts
// still work from the local rollups.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { SENSORS_DEFAULTS } from '../gateway/sensors/config.ts';
import { WarnRollup } from '../gateway/log-rollup.ts';
import { influxTarget, InfluxSink } from '../gateway/sensors/series/influx-sink.ts';
import type { TimeSeriesSink } from '../gateway/sensors/series/sink.ts';
import { publish, startHarness, waitFor } from '../gateway/sensors/test/harness.ts';
import { startVictoriaMetrics, type VictoriaMetrics } from './helpers/influx.ts';

let vm: VictoriaMetrics;
const log = pino({ level: 'silent' });
const noRollups: TimeSeriesSink = { name: 'sqlite', write: (_t, _r, done) => done(), stats: () => ({}), close: async () => undefined };
const sinkWith = (over: Partial<typeof SENSORS_DEFAULTS.series.influx>) =>
  new InfluxSink({ ...SENSORS_DEFAULTS.series.influx, url: vm.url, org: 'city', bucket: 'sensors', token: 'test', ...over }, noRollups, log, new WarnRollup(log));
const readings = (n: number, from: number) => Array.from({ length: n }, (_, i) => ({ metric: 'ch4', value: i, unit: '%LEL', ts: from + i }));
const count = async (sensor: string) => (await vm.export(`{__name__="sensor_value",sensor="${sensor}"}`)).reduce((n, s) => n + s.values.length, 0);

before(async () => {
  vm = await startVictoriaMetrics();
});
after(async () => {
  await vm?.close();
});

test('readings published over MQTT reach the server with their tags; charts come from the local rollups', async () => {
  const h = await startHarness({ config: { series: { sink: 'influx', influx: { url: vm.url, org: 'city', bucket: 'sensors', token: 'test', flushMs: 200 } } } });
  try {
    await h.addSensor('gas-influx');
    const c = await h.connectSensor('gas-influx');
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 30; i++) await publish(c, 'sensors/gas-influx/telemetry', JSON.stringify({ ts: t0 + i * 1000, readings: [{ n: 'ch4', v: i / 2, u: '%LEL' }] }));
    c.end(true);
    const series = await waitFor(async () => {
      const s = await vm.export('{__name__="sensor_value",sensor="gas-influx"}');
      return s[0] && s[0].values.length === 30 ? s : undefined;
    }, 5000, '30 samples in VictoriaMetrics');
    const { db: _bucket, ...labels } = series[0]!.labels; // VictoriaMetrics adds the bucket as `db`
    assert.deepEqual(labels, { __name__: 'sensor_value', kind: 'gas', metric: 'ch4', sensor: 'gas-influx', unit: '%LEL' });
    assert.deepEqual(series[0]!.timestamps.slice(0, 2), [t0, t0 + 1000]);
    assert.deepEqual(series[0]!.values.slice(0, 3), [0, 0.5, 1]);
    const chart = await h.get('operator', '/api/sensors/gas-influx/readings?metric=ch4&step=60');
    const points = (chart.body.series as Array<{ points: Array<{ n: number }> }>)[0]!.points;
    assert.equal(points.reduce((n, p) => n + p.n, 0), 30);
    assert.equal(((await h.get('operator', '/api/sensors/ingest')).body.sink as { written: number }).written, 30);
  } finally {
    await h.stop();
  }
});

test('a batch leaves when it reaches batchLines, without waiting for the flush interval', async () => {
  const sink = sinkWith({ batchLines: 50, flushMs: 60_000 });
  try {
    sink.write({ sensorId: 'batch-1', kind: 'gas' }, readings(120, Date.now() - 10_000), () => undefined);
    await waitFor(() => (sink.stats().written as number) === 100, 3000, 'two full batches');
    assert.deepEqual([sink.stats().batches, sink.stats().buffered], [2, 20]);
    assert.equal(await count('batch-1'), 100);
  } finally {
    await sink.close(); // sends the remaining 20
  }
  assert.equal(await count('batch-1'), 120);
});

test('server down: retries with backoff, the buffer stays bounded and drops are counted; back up: the rest is delivered', async () => {
  const sink = sinkWith({ batchLines: 100, flushMs: 50, maxBufferLines: 300, backoff: { initialMs: 50, maxMs: 200 }, timeoutMs: 1000 });
  try {
    await vm.stop();
    const t0 = Date.now() - 20_000;
    sink.write({ sensorId: 'outage-1', kind: 'gas' }, readings(500, t0), () => undefined);
    await waitFor(() => (sink.stats().failures as number) >= 2, 5000, 'failed attempts');
    const during = sink.stats();
    assert.equal(during.retrying, true);
    assert.equal(during.dropped, 200, 'the oldest 200 of 500 were dropped to keep 300');
    assert.match(String(during.lastError), /ECONNREFUSED|connect/i);
    await vm.start();
    await waitFor(() => (sink.stats().written as number) === 300, 10_000, 'the buffered lines after the outage');
    assert.equal(await count('outage-1'), 300);
    const ts = (await vm.export('{sensor="outage-1"}'))[0]!.timestamps;
    assert.equal(Math.min(...ts), t0 + 200, 'the newest were kept');
    assert.equal(sink.stats().retrying, false);
  } finally {
    await sink.close();
  }
});

test('InfluxDB 1.x targets: db and retention policy become the bucket', () => {
  const c = SENSORS_DEFAULTS.series.influx;
  assert.deepEqual(influxTarget({ ...c, db: 'city', retentionPolicy: 'weekly' }), { org: '', bucket: 'city/weekly' });
  assert.deepEqual(influxTarget({ ...c, org: 'o', bucket: 'b' }), { org: 'o', bucket: 'b' });
});
