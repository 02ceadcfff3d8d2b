// From a camera's facts to the channel input, and ONVIF import rows read with
// a bounded number of cameras at once. The camera here is a stand-in client
// (its facts or its OnvifError); the real client and simulator are in
// test/onvif-add.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OnvifError, type OnvifClient, type OnvifFacts, type OnvifTarget } from '../index.ts';
import { channelInput, chooseStreams } from './channel-input.ts';
import { onvifRowResolver } from './import-rows.ts';
import { inspectCamera } from './inspect.ts';

const profile = (token: string, encoding: string, width: number, streamUri?: string) => ({ token, name: token, encoding, width, height: (width * 9) / 16, ptz: false, ...(streamUri ? { streamUri } : {}) });
const factsWith = (profiles: OnvifFacts['profiles'], clockSkewMs = 0): OnvifFacts => ({
  manufacturer: 'Dahua', model: 'IPC-HFW2431S', firmware: '2.800', serial: 'SN1', clockSkewMs, clockSource: 'utc', services: {}, capabilities: { ptz: false, events: true }, profiles,
});

test('main is the first profile with an RTSP URI, sub the next; user info in a URI is dropped; one profile: no sub', () => {
  const two = chooseStreams(factsWith([
    profile('MediaProfile000', 'H265', 2688, 'rtsp://admin:leak@10.0.0.9:554/cam/realmonitor?channel=1&subtype=0'),
    profile('MediaProfile001', 'H264', 640, 'rtsp://10.0.0.9:554/cam/realmonitor?channel=1&subtype=1'),
  ]))!;
  assert.equal(two.main.token, 'MediaProfile000');
  assert.equal(two.main.streamUri, 'rtsp://10.0.0.9:554/cam/realmonitor?channel=1&subtype=0');
  assert.equal(two.sub?.token, 'MediaProfile001');
  const one = chooseStreams(factsWith([profile('P1', 'H264', 1920, 'rtsp://10.0.0.9/main')]))!;
  assert.equal(one.sub, undefined);
  const input = channelInput('http://10.0.0.9/onvif/device_service', { host: '10.0.0.9', username: 'admin', password: 'pw' }, factsWith([]), one, { name: '北门', gridCode: 'G1', password: 'never-copied' });
  assert.equal(input.subSource, undefined);
  assert.deepEqual(input.source, { url: 'rtsp://10.0.0.9/main', username: 'admin', password: 'pw' });
  assert.equal((input.onvif as { profiles: { sub?: string } }).profiles.sub, undefined);
  assert.equal(input.gridCode, 'G1');
  assert.equal(input.password, undefined, 'only channel fields pass through');
  assert.equal(chooseStreams(factsWith([profile('J', 'JPEG', 640), profile('H', 'H264', 640, 'http://10.0.0.9/mjpeg')])), undefined, 'no RTSP stream at all');
});

test('a refresh keeps the chosen profiles while the camera still has them', () => {
  const facts = factsWith([profile('a', 'H264', 1920, 'rtsp://h/a'), profile('b', 'H264', 1280, 'rtsp://h/b'), profile('c', 'H264', 640, 'rtsp://h/c')]);
  const kept = chooseStreams(facts, { main: 'b', sub: 'c' })!;
  assert.deepEqual([kept.main.token, kept.sub?.token], ['b', 'c']);
  const gone = chooseStreams(facts, { main: 'x', sub: 'y' })!;
  assert.deepEqual([gone.main.token, gone.sub?.token], ['a', 'b']);
});

/** A stand-in camera per host: facts, or an OnvifError of a kind; counts the reads running at once. */
function cameras(byHost: Record<string, OnvifFacts | OnvifError>) {
  const seen = { running: 0, most: 0, targets: [] as OnvifTarget[] };
  const client = (target: OnvifTarget): OnvifClient => ({
    facts: async () => {
      seen.targets.push(target);
      seen.most = Math.max(seen.most, ++seen.running);
      await new Promise((r) => setTimeout(r, 5));
      seen.running--;
      const answer = byHost[new URL(target.xaddr).hostname];
      if (!answer) throw new OnvifError('unreachable', `${target.xaddr}: connection refused`);
      if (answer instanceof OnvifError) throw answer;
      return answer;
    },
  } as unknown as OnvifClient);
  return { client, seen };
}

test('inspection names the field at fault: a refused password, nothing answering, a SOAP fault; a clock hours off is a warning', async () => {
  const good = factsWith([profile('P1', 'H264', 1920, 'rtsp://10.0.0.1/main')], 3 * 3600_000);
  const { client } = cameras({ '10.0.0.1': good, '10.0.0.2': new OnvifError('auth', '10.0.0.2: NotAuthorized'), '10.0.0.3': new OnvifError('fault', 'GetProfiles', { code: 'Receiver', subcode: 'ter:Action', reason: 'internal error' }) });
  const deps = { client, timeoutMs: 2000 };
  const found = await inspectCamera({ host: '10.0.0.1', username: 'admin', password: 'pw' }, deps);
  assert.deepEqual(found.warnings.map((w) => [w.code, w.params?.seconds]), [['onvif_clock_skew', 10800]]);
  const failure = async (host: string) => inspectCamera({ host, port: 8000, username: 'admin', password: 'S3cret!' }, deps).then(() => assert.fail('read'), (err: { problem: { field: string; code: string; message: string }; toGwError(): { statusCode: number; code: string } }) => ({ ...err.problem, status: err.toGwError().statusCode, gw: err.toGwError().code }));
  const auth = await failure('10.0.0.2');
  assert.deepEqual([auth.field, auth.code, auth.status, auth.gw], ['password', 'onvif_auth_refused', 422, 'GW_ERR_DEVICE_CREDENTIALS']);
  assert.match(auth.message, /10\.0\.0\.2:8000/);
  const down = await failure('10.0.0.4');
  assert.deepEqual([down.field, down.code, down.status], ['host', 'onvif_unreachable', 422]);
  const fault = await failure('10.0.0.3');
  assert.deepEqual([fault.field, fault.code, fault.status], ['host', 'onvif_bad_answer', 502]);
  assert.match(fault.message, /internal error/);
  for (const e of [auth, down, fault]) assert.doesNotMatch(e.message, /S3cret/);
});

test('import rows of kind onvif: read at most `concurrency` at once, become RTSP channels; failures name the row\'s own column', async () => {
  const hosts: Record<string, OnvifFacts | OnvifError> = {};
  for (let i = 1; i <= 20; i++) hosts[`10.0.2.${i}`] = factsWith([profile('P1', 'H264', 1920, `rtsp://10.0.2.${i}/main`), profile('P2', 'H264', 640, `rtsp://10.0.2.${i}/sub`)]);
  hosts['10.0.2.7'] = new OnvifError('auth', 'refused');
  const { client, seen } = cameras(hosts);
  const resolve = onvifRowResolver({ client, timeoutMs: 1000, concurrency: 3 });
  const inputs = Object.keys(hosts).map((host, i) => (i % 2
    ? { kind: 'onvif', name: `cam ${host}`, host, username: 'admin', password: 'pw', tags: ['东门'] }
    : { kind: 'onvif', name: `cam ${host}`, onvif: { host, port: 80 }, source: { username: 'admin', password: 'pw' } }));
  const out = await resolve([...inputs, { kind: 'rtsp', name: 'plain' }, { kind: 'onvif', name: 'no host' }]);
  assert.ok(seen.most <= 3 && seen.most >= 2, `at most 3 at once (saw ${seen.most})`);
  const created = out[0]!.input!;
  assert.equal(created.kind, 'rtsp');
  assert.deepEqual(created.subSource, { url: 'rtsp://10.0.2.1/sub' });
  assert.equal((created.onvif as { xaddr: string }).xaddr, 'http://10.0.2.1/onvif/device_service');
  assert.deepEqual(out[1]!.input!.tags, ['东门']);
  assert.deepEqual(out[6]!.errors?.map((e) => e.field), ['source.password'], 'a CSV row names its column'); // 10.0.2.7, CSV shape
  assert.equal(out[20], undefined, 'a row of another kind is left as it is');
  assert.deepEqual(out[21]!.errors?.map((e) => e.field), ['onvif.host']);
  assert.ok(seen.targets.every((t) => t.password === 'pw'));
});
