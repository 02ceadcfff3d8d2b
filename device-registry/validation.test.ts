// The pieces of validation that HTTP tests reach only indirectly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { splitRtspCredentials } from './entities/channels.ts';
import { checkPolygon } from './geojson.ts';
import { ChannelInput } from './schemas/channel.ts';
import { GridInput } from './schemas/grid.ts';
import { Type } from '@sinclair/typebox';
import { check, isRtspUrl } from './validation.ts';

test('RTSP URLs', () => {
  for (const ok of ['rtsp://10.0.0.1/ch1', 'rtsps://cam.example:322/live', 'rtsp://u:p@[fe80::1]:554/x']) assert.ok(isRtspUrl(ok), ok);
  for (const bad of ['http://10.0.0.1/ch1', 'rtsp://', 'rtsp:// 10.0.0.1/x', '10.0.0.1/ch1', '']) assert.ok(!isRtspUrl(bad), bad);
});

test('credentials leave the URL, percent-decoded', () => {
  assert.deepEqual(splitRtspCredentials('rtsp://admin:p%40ss%3Aword@10.0.0.1:554/Streaming/Channels/101?transportmode=unicast'), {
    url: 'rtsp://10.0.0.1:554/Streaming/Channels/101?transportmode=unicast', username: 'admin', password: 'p@ss:word',
  });
  assert.deepEqual(splitRtspCredentials('rtsp://10.0.0.1/x'), { url: 'rtsp://10.0.0.1/x', username: undefined, password: undefined });
});

test('errors name the field and say what is wrong', () => {
  assert.deepEqual(check(ChannelInput, { name: 'x', kind: 'rtsp', source: { url: 'ftp://x' }, mode: 'sometimes' }), [
    { field: 'source.url', message: 'not an rtsp:// URL', code: 'not_rtsp_url' },
    { field: 'mode', message: 'must be one of always-on, on-demand', code: 'one_of', params: { values: 'always-on, on-demand' } },
  ]);
  assert.deepEqual(check(ChannelInput, { name: 'x', kind: 'gb28181', source: { deviceId: '1', channelId: '34020000001320000001' } }), [
    { field: 'source.deviceId', message: 'must be a 20-digit GB/T 28181 code', code: 'code20_format' },
  ]);
  assert.deepEqual(check(GridInput, { code: 'G1', name: 'g', level: 'city' }), [
    { field: 'level', message: 'must be one of district, street, community, grid', code: 'one_of', params: { values: 'district, street, community, grid' } },
  ]);
});

test('every field error has a catalogue code and params: a bound, a missing field', () => {
  const Body = Type.Object({ lat: Type.Number({ minimum: -90, maximum: 90 }), name: Type.String() });
  assert.deepEqual(check(Body, { lat: 91 }), [
    { field: 'name', message: 'is required', code: 'required' },
    { field: 'lat', message: 'must be <= 90', code: 'max', params: { limit: 90 } },
  ]);
});

test('polygons: a square passes; holes and multipolygons are checked ring by ring', () => {
  const square = [[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]];
  assert.deepEqual(checkPolygon({ type: 'Polygon', coordinates: [square] }, 'polygon'), []);
  const flat = [[0, 0], [1, 0], [2, 0], [0, 0]];
  assert.deepEqual(checkPolygon({ type: 'MultiPolygon', coordinates: [[square], [square, flat]] }, 'polygon'), [
    { field: 'polygon.coordinates.1.1', message: 'ring has no area' },
  ]);
});
