import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredRow } from '../../device-registry/index.ts';
import { ChannelDemand, IDLE } from './channel-demand.ts';
import { decideChannel, type DecisionInputs } from './channel-decision.ts';

const row = (doc: Record<string, unknown>, secret: Record<string, unknown> | null = null): StoredRow =>
  ({ id: 'cam-1', doc: { kind: 'rtsp', enabled: true, mode: 'always-on', detectionProfile: null, source: { url: 'rtsp://10.0.0.1/101' }, ...doc }, secret } as unknown as StoredRow);
const inputs = (over: Partial<DecisionInputs> = {}): DecisionInputs => ({ tap: { fps: 2, width: 640 }, demand: new ChannelDemand(6000), subscribers: () => 0, ...over });

test('deleted and disabled channels run nothing, and say why', () => {
  assert.deepEqual(decideChannel(undefined, inputs()), { why: 'deleted' });
  assert.deepEqual(decideChannel(row({ enabled: false }), inputs()), { why: 'disabled' });
});

test('an always-on RTSP channel runs with the camera URL and its credentials; the tap only when frames are wanted', () => {
  const d = decideChannel(row({ source: { url: 'rtsp://10.0.0.1/101', username: 'admin' } }, { password: 'pw' }), inputs());
  assert.equal(d.always, true);
  assert.deepEqual(d.spec?.input, { kind: 'rtsp', url: 'rtsp://admin:pw@10.0.0.1/101' });
  assert.equal(d.spec?.tap, undefined);
  assert.deepEqual(decideChannel(row({}), inputs({ subscribers: () => 1 })).spec?.tap, { fps: 2, width: 640, skip: 'noref' });
  assert.deepEqual(decideChannel(row({ detectionProfile: 'p' }), inputs()).spec?.tap, { fps: 2, width: 640, skip: 'noref' });
});

test('the tap decodes less: non-reference frames skipped by default, keyframes only or everything when the channel says so', () => {
  const tapOf = (tapDecode: string) => decideChannel(row({ detectionProfile: 'p', video: { tapDecode, tapFps: 1 } }), inputs()).spec?.tap;
  assert.deepEqual(tapOf('keyframes'), { fps: 1, width: 640, skip: 'nokey' });
  assert.deepEqual(tapOf('all'), { fps: 1, width: 640 });
});

test('a channel with a sub-stream detects on it: its main stream runs all the time without a tap; detectOn main keeps the tap on the main stream', () => {
  const sub = { subSource: { url: 'rtsp://10.0.0.1/102' }, detectionProfile: 'p', mode: 'on-demand' };
  const d = decideChannel(row(sub), inputs());
  assert.equal(d.always, true);
  assert.ok(d.spec);
  assert.equal(d.spec.tap, undefined);
  assert.deepEqual(decideChannel(row({ ...sub, video: { detectOn: 'main' } }), inputs()).spec?.tap, { fps: 2, width: 640, skip: 'noref' });
  // another in-process subscriber of the main stream still gets its frames
  assert.ok(decideChannel(row(sub), inputs({ subscribers: () => 1 })).spec?.tap);
});

test('an on-demand channel runs while watched, else is idle; detection or recording make it run all the time', () => {
  const demand = new ChannelDemand(6000);
  const onDemand = row({ mode: 'on-demand' });
  assert.deepEqual(decideChannel(onDemand, inputs({ demand })), { why: IDLE, always: false });
  demand.viewed('cam-1');
  assert.ok(decideChannel(onDemand, inputs({ demand })).spec);
  assert.equal(decideChannel(row({ mode: 'on-demand', detectionProfile: 'p' }), inputs()).always, true);
  const record = { dir: '/rec' } as never;
  const recorded = decideChannel(onDemand, inputs({ recording: { wants: () => record, status: () => undefined } }));
  assert.equal(recorded.always, true);
  assert.equal(recorded.spec?.record, record);
});

test('sharded: an RTSP channel runs only under this node\'s lease; an RTMP push only while pushed here', () => {
  const ownership = { nodeId: 'a', owns: () => undefined, on: () => undefined, off: () => undefined };
  const live = { rtmpUrl: (app: string, name: string) => `rtmp://127.0.0.1/${app}/${name}`, on: () => undefined, off: () => undefined };
  assert.deepEqual(decideChannel(row({}), inputs({ ownership })), { why: 'runs on another node', elsewhere: true });
  const push = row({ kind: 'rtmp' }, { pushKey: 'k1' });
  const demand = new ChannelDemand(6000);
  assert.equal(decideChannel(push, inputs({ demand, ownership, live })).why, 'no push', 'a push is not sharded');
  assert.equal(decideChannel(push, inputs({ demand, live, pushPlaces: { pushing: () => undefined, elsewhere: () => true } })).elsewhere, true);
  demand.setPushing('cam-1', true);
  assert.deepEqual(decideChannel(push, inputs({ demand, live })).spec?.input, { kind: 'rtmp', url: 'rtmp://127.0.0.1/live/k1' });
  assert.equal(decideChannel(push, inputs({ demand })).why, 'RTMP push is disabled in the configuration');
});

test('demand: an on-demand run nobody asked for is idle; pushes and always-on runs never are', () => {
  const demand = new ChannelDemand(0);
  const spec = (channelId: string, kind: 'rtsp' | 'rtmp') => ({ channelId, input: { kind, url: '' }, transcode: 'auto', gopSeconds: 1 }) as never;
  demand.setAlwaysOn('always', true);
  assert.deepEqual(demand.idle([spec('watched', 'rtsp'), spec('always', 'rtsp'), spec('pushed', 'rtmp')]), ['watched']);
});
