// No credential passes the scrubber, whatever form ffmpeg prints it in; the
// host, port and path a person needs stay.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from '../../../device-registry/index.ts';
import { scrubberFor, secretsOf, shownUrl } from './scrub.ts';

const PASSWORD = 'P@ss:w/rd#Zx9%';
const ENCODED = encodeURIComponent(PASSWORD); // P%40ss%3Aw%2Frd%23Zx9%25
const url = `rtsp://admin:${ENCODED}@10.1.2.3:554/Streaming/Channels/101`;
const rtsp = { kind: 'rtsp' as const, url };
const LOWER_HEX = ENCODED.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()); // P%40ss%3aw%2frd%23Zx9%25
const forms = [PASSWORD, ENCODED, LOWER_HEX, Buffer.from(`admin:${PASSWORD}`).toString('base64')];

const assertClean = (text: string) => {
  for (const form of forms) assert.ok(!text.includes(form), `${form} in: ${text}`);
};

test("ffmpeg's own lines: the input URL is shown as host, port and path", () => {
  const scrub = scrubberFor(rtsp);
  const lines = [
    `${url}: Connection refused`,
    `Input #0, rtsp, from '${url}':`,
    `${url}: Server returned 401 Unauthorized (authorization failed)`,
  ];
  for (const line of lines) {
    const out = scrub(line);
    assertClean(out);
    assert.ok(out.includes('rtsp://10.1.2.3:554/Streaming/Channels/101'), out);
    assert.ok(!out.includes('@10.1.2.3'), out);
  }
  assert.equal(shownUrl(rtsp), 'rtsp://10.1.2.3:554/Streaming/Channels/101');
});

test('any other URL by rule: userinfo (plain, percent-encoded, raw @ inside), credential-like query values, path tokens', () => {
  const cases: Array<[string, string]> = [
    ['rtsp://u:p@ss@cam:554/x: refused', 'rtsp://[REDACTED]@cam:554/x: refused'],
    ['[tee @ 0x1] rtmp\\://u:pw@h\\:1/x', '[tee @ 0x1] rtmp\\://[REDACTED]@h\\:1/x'],
    ['see http://h/cb?to=rtsp%3A%2F%2Fadmin%3Apw%40cam%2Fx end', 'see http://h/cb?to=rtsp%3A%2F%2F[REDACTED]%40cam%2Fx end'],
    ['http://h/x?channel=1&password=hunter22&subtype=0', 'http://h/x?channel=1&password=[REDACTED]&subtype=0'],
    ['http://h/x?access_token=abc&X-Api-Key=k1&signature=s&user=admin', 'http://h/x?access_token=[REDACTED]&X-Api-Key=[REDACTED]&signature=[REDACTED]&user=admin'],
    ['http://127.0.0.1:4000/gb/0123456789abcdef0123456789abcdef/34020000001320000001: Server returned 5XX', 'http://127.0.0.1:4000/gb/[REDACTED]/34020000001320000001: Server returned 5XX'],
    ['GET /media/eyJjIjoiY2FtIn0.c2ln/cam-1/index.m3u8', 'GET /media/[REDACTED]/cam-1/index.m3u8'],
    ['[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized', '[rtsp @ 0x55] method DESCRIBE failed: 401 Unauthorized'],
  ];
  for (const [input, expected] of cases) assert.equal(redactUrl(input), expected);
});

test("the channel's own secrets go wherever they still appear: plain, percent-encoded (either case), base64 of user:password", () => {
  const scrub = scrubberFor(rtsp);
  for (const form of forms) assertClean(scrub(`something printed ${form} outside any URL`));
  assert.ok(secretsOf(rtsp).every((s) => s.length >= 4), 'short strings are not cut out of free text');
  assert.equal(scrub('frame=  10 fps=25 q=-1.0'), 'frame=  10 fps=25 q=-1.0', 'other text is untouched');
});

test('a push key in an RTMP input and the token of the GB28181 relay are secrets too', () => {
  const push = { kind: 'rtmp' as const, url: 'rtmp://127.0.0.1:1935/live/push-key-0123456789abcdef' };
  assert.equal(shownUrl(push), 'rtmp://127.0.0.1:1935/live/[REDACTED]');
  const line = scrubberFor(push)(`${push.url}: Input/output error; key push-key-0123456789abcdef`);
  assert.ok(!line.includes('push-key-0123456789abcdef'), line);
  const relay = { kind: 'gb28181' as const, url: 'http://127.0.0.1:4000/gb/0123456789abcdef0123456789abcdef/34020000001320000001' };
  assert.equal(shownUrl(relay), 'http://127.0.0.1:4000/gb/[REDACTED]/34020000001320000001');
  assert.ok(!scrubberFor(relay)('token 0123456789abcdef0123456789abcdef').includes('0123456789abcdef0123'));
});
