// API keys stay out of URLs: the event stream and snapshot URLs take a
// short-lived URL token instead, which names its key, ends with it, and is
// good for nothing else.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { openSse } from './helpers/sse.ts';
import { waitFor } from './helpers/video.ts';

let t: TestGateway;
let base: string;
before(async () => {
  t = await startTestGateway();
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
after(() => t.stop());

const urlToken = async (key: string) => {
  const res = await t.app.inject({ method: 'POST', url: '/api/url-tokens', headers: { authorization: `Bearer ${key}` } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { token: string; expiresAt: string };
};
const raise = (id: string) => t.gw.incidents.service.raise({ source: { kind: 'sensor', id }, type: 'gas_leak', severity: 'critical', occurredAt: Date.now() });

test('every role gets a URL token; it expires after auth.urlTokenTtlSeconds', async () => {
  for (const role of ['admin', 'engineer', 'operator', 'dispatcher'] as const) {
    const { token, expiresAt } = await urlToken(t.keys[role]);
    assert.match(token, /^gwu_/);
    const ttl = Date.parse(expiresAt) - Date.now();
    assert.ok(ttl > 590_000 && ttl <= 600_000, `ttl ${ttl}`);
  }
});

test('an API key in the URL is refused, named, and not logged', async () => {
  const res = await fetch(`${base}/api/events?access_token=${t.keys.operator}`);
  assert.equal(res.status, 401);
  const body = (await res.json()) as { code: string; field: string; message: string };
  assert.equal(body.code, 'GW_ERR_UNAUTHENTICATED');
  assert.equal(body.field, 'access_token');
  assert.match(body.message, /URL token/);
  assert.ok(!t.logs().includes(t.keys.operator), 'the key never reaches the log');
});

test('the event stream takes a URL token, and ends when its key is revoked', async () => {
  const key = (await t.call('admin', { method: 'POST', url: '/api/keys', payload: { name: 'wall-7', role: 'operator' } })).json() as { id: string; secret: string };
  const { token } = await urlToken(key.secret);
  const stream = await openSse(`${base}/api/events?access_token=${token}`);
  await raise('tok-1');
  await waitFor(() => stream.events.some((e) => e.event === 'incident.created') || undefined, 5000, 'an event on the stream');
  assert.ok(!t.logs().includes(token), 'the URL token is not logged either');

  await t.call('admin', { method: 'DELETE', url: `/api/keys/${key.id}` });
  await waitFor(() => stream.ended, 5000, 'the stream ended on revocation');
  const again = await fetch(`${base}/api/events?access_token=${token}`);
  assert.equal(again.status, 401);
  assert.match(((await again.json()) as { message: string }).message, /revoked/);
});

test('a URL token is good only as ?access_token= on the routes that take one', async () => {
  const { token } = await urlToken(t.keys.admin);
  const asHeader = await t.app.inject({ method: 'GET', url: '/api/channels', headers: { authorization: `Bearer ${token}` } });
  assert.equal(asHeader.statusCode, 401, 'not an API key');
  const onOtherRoute = await t.app.inject({ method: 'GET', url: `/api/channels?access_token=${token}` });
  assert.ok([400, 401].includes(onOtherRoute.statusCode), `a route without URL auth: ${onOtherRoute.statusCode}`);
  const forged = await t.app.inject({ method: 'GET', url: `/api/events?access_token=${token.slice(0, -2)}xx` });
  assert.equal(forged.statusCode, 401);
});
