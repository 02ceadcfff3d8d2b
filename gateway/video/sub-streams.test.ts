import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoredRow } from '../../device-registry/index.ts';
import { hasSubStream, streamOfKey, subRtspUrlWithCredentials, subStreamKey } from './sub-streams.ts';

const row = (doc: Record<string, unknown>, secret: Record<string, unknown> | null): StoredRow =>
  ({ id: 'cam-1', doc: { kind: 'rtsp', ...doc }, secret } as unknown as StoredRow);

test('stream keys: <id>~sub names the sub-stream, anything else the channel', () => {
  assert.equal(subStreamKey('cam-1'), 'cam-1~sub');
  assert.deepEqual(streamOfKey('cam-1~sub'), { channelId: 'cam-1', stream: 'sub' });
  assert.deepEqual(streamOfKey('cam-1'), { channelId: 'cam-1', stream: 'main' });
});

test('the sub-stream uses its own credentials, else the main source\'s', () => {
  const main = { source: { url: 'rtsp://10.0.0.1/101', username: 'admin' } };
  // None of its own: the main source's username and password.
  assert.equal(subRtspUrlWithCredentials(row({ ...main, subSource: { url: 'rtsp://10.0.0.1/102' } }, { password: 'p@ss' })), 'rtsp://admin:p%40ss@10.0.0.1/102');
  // Credentials of its own go as a pair: never the main password with another user, or the reverse.
  assert.equal(subRtspUrlWithCredentials(row({ ...main, subSource: { url: 'rtsp://10.0.0.1/102' } }, { password: 'a', subPassword: 'b' })), 'rtsp://:b@10.0.0.1/102');
  assert.equal(subRtspUrlWithCredentials(row({ ...main, subSource: { url: 'rtsp://10.0.0.1/102', username: 'viewer' } }, { password: 'a', subPassword: 'b' })), 'rtsp://viewer:b@10.0.0.1/102');
  // Its own username only: the main account's password does not go with it.
  assert.equal(subRtspUrlWithCredentials(row({ ...main, subSource: { url: 'rtsp://10.0.0.1/102', username: 'viewer' } }, { password: 'a' })), 'rtsp://viewer@10.0.0.1/102');
  // A DVR-style URL keeps its path parameters and gets the account like any other.
  assert.equal(subRtspUrlWithCredentials(row({ ...main, subSource: { url: 'rtsp://10.0.0.1/user=x&password=y&channel=1&stream=1' } }, { password: 'a' })), 'rtsp://admin:a@10.0.0.1/user=x&password=y&channel=1&stream=1');
});

test('only RTSP channels with a subSource have a sub-stream', () => {
  assert.equal(hasSubStream(row({ subSource: { url: 'rtsp://x/2' } }, null)), true);
  assert.equal(hasSubStream(row({}, null)), false);
  assert.equal(hasSubStream({ id: 'g', doc: { kind: 'gb28181', subSource: { url: 'rtsp://x/2' } } } as unknown as StoredRow), false);
  assert.equal(hasSubStream(undefined), false);
});
