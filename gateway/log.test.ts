// Credentials in URLs are redacted by rule, wherever they sit: userinfo, a
// media token in the path, and every credential-like query value whatever
// its parameter's name.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createLogger, mediaKeyId, redactUrl } from './log.ts';

const KEY = 'gwk_8mZp1x9QvB2nT4rY6wE0sA3dF5gH7jK';

test('userinfo is redacted anywhere in a text, plain or percent-encoded', () => {
  assert.equal(redactUrl('rtsp://admin:P%40ss%3Aw@10.0.0.5:554/h264'), 'rtsp://[REDACTED]@10.0.0.5:554/h264');
  assert.equal(redactUrl('Connection to tcp://cam:x@h failed; rtsp://u:p@h2/x'), 'Connection to tcp://[REDACTED]@h failed; rtsp://[REDACTED]@h2/x');
  assert.equal(redactUrl('nats://nats-1:4222'), 'nats://nats-1:4222');
});

test('every credential-like query value is redacted, by name or by shape', () => {
  for (const name of ['access_token', 'api_key', 'apikey', 'X-API-Key', 'password', 'secret', 'auth', 'sig', 'session_id', 'Token', 'k3y-AUTH', 'passwd']) {
    assert.equal(redactUrl(`/api/channels?limit=5&${name}=abc`), `/api/channels?limit=5&${name}=[REDACTED]`, name);
  }
  // An API key under a name nobody thought of.
  assert.equal(redactUrl(`/api/channels?who=${KEY}&q=东门`), '/api/channels?who=[REDACTED]&q=东门');
  assert.equal(redactUrl(`/api/x?u=${encodeURIComponent(KEY)}`), '/api/x?u=[REDACTED]');
  assert.equal(redactUrl('/api/x?jwtish=eyJhbGciOiJIUzI1NiJ9.e30.sig'), '/api/x?jwtish=[REDACTED]');
  assert.equal(redactUrl('/api/x?blob=aB3dE5fG7hJ9kL1mN3pQ5rS7tU9'), '/api/x?blob=[REDACTED]');
  // Ordinary values stay readable.
  assert.equal(redactUrl('/api/incidents?status=reported&from=2026-12-01T00:00:00Z&q=gas%20leak&limit=50'), '/api/incidents?status=reported&from=2026-12-01T00:00:00Z&q=gas%20leak&limit=50');
  assert.equal(redactUrl('/api/channels?grid=D1-S2-C3&tag=east-gate-camera-group-long'), '/api/channels?grid=D1-S2-C3&tag=east-gate-camera-group-long');
  assert.equal(redactUrl('/a?x=%E0%A4%A&key=1#frag'), '/a?x=%E0%A4%A&key=[REDACTED]#frag');
});

test('a media path keeps its channel and loses its token; the key id is logged instead', () => {
  const token = `1765000000.${Buffer.from('key_abc123').toString('base64url')}.AbCdEfGhIjKlMnOpQrStUvWxYz012345`;
  assert.equal(redactUrl(`/media/${token}/cam-1/index.m3u8`), '/media/[REDACTED]/cam-1/index.m3u8');
  assert.equal(mediaKeyId(`/media/${token}/cam-1/seg-3.ts`), 'key_abc123');
  assert.equal(mediaKeyId('/api/channels'), undefined);
});

test('request log lines carry neither the key nor the token', async () => {
  const lines: string[] = [];
  const out = new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) });
  const log = createLogger('info', out);
  log.info({ req: { method: 'GET', url: `/api/events?stream=${KEY}`, id: 'r1' }, password: 'p', token: KEY }, 'incoming request');
  log.info({ req: { method: 'GET', url: '/x', id: 'r2', headers: { cookie: `sid=${KEY}` } } }, 'x');
  await new Promise((r) => setImmediate(r));
  const text = lines.join('');
  assert.ok(!text.includes(KEY), text);
  assert.match(text, /stream=\[REDACTED\]/);
});
