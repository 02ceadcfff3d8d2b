// Push: SSE resumes after a disconnect without missing an event; webhooks are
// signed, retried with backoff and end as dead letters against real local
// receivers that fail or hang.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startTestGateway, type TestGateway } from './helpers/gateway.ts';
import { openSse } from './helpers/sse.ts';
import { waitFor } from './helpers/video.ts';

let t: TestGateway;
let base: string;
const receivers: Server[] = [];

before(async () => {
  t = await startTestGateway({ argv: ['--incidents.webhooks.timeoutMs', '300', '--incidents.webhooks.maxAttempts', '3', '--incidents.webhooks.backoffMs', '50'] });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  for (const r of receivers) r.closeAllConnections();
  for (const r of receivers) r.close();
  await t.stop();
});

let n = 0;
const raise = () => t.gw.incidents.service.raise({ source: { kind: 'sensor', id: `s-${++n}` }, type: 'gas_leak', severity: 'critical', occurredAt: Date.now() });

// As the wall does: a short-lived URL token in the stream's URL, never the API key.
const sse = async (lastEventId?: number) => {
  const { token } = (await t.call('operator', { method: 'POST', url: '/api/url-tokens' })).json() as { token: string };
  return openSse(`${base}/api/events?access_token=${token}`, lastEventId !== undefined ? { 'last-event-id': String(lastEventId) } : {});
};

test('SSE: live events with ids; after a disconnect, Last-Event-ID replays exactly what was missed, then live again', async () => {
  const first = await sse();
  await raise();
  await raise();
  await waitFor(() => first.events.length >= 2 || undefined, 5000, 'two live events');
  const lastSeen = first.events.at(-1)!.id!;
  first.close();
  const missed = [(await raise()).incident!.id, (await raise()).incident!.id, (await raise()).incident!.id];
  const second = await sse(lastSeen);
  await waitFor(() => second.events.length >= 3 || undefined, 5000, 'the replay');
  assert.deepEqual(second.events.slice(0, 3).map((e) => e.data.id), missed);
  assert.ok(second.events.every((e, i) => i === 0 || e.id! > second.events[i - 1]!.id!), 'ids increase, no duplicates');
  const live = (await raise()).incident!.id;
  await waitFor(() => second.events.some((e) => e.data.id === live) || undefined, 5000, 'live after the replay');
  t.gw.incidents.service.publishLive('detection', { channelId: 'cam-1', detections: [] });
  await waitFor(() => second.events.some((e) => e.event === 'detection' && e.id === undefined) || undefined, 5000, 'a live detection event without id');
  second.close();
  assert.equal((await fetch(`${base}/api/events`)).status, 401);
});

async function receiver(handler: (req: IncomingMessage, body: string) => number | 'hang'): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const status = handler(req, body);
      if (status !== 'hang') res.writeHead(status).end();
    });
  });
  receivers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}

test('webhooks: signed bodies, retried with backoff after 500s, a hanging receiver ends as a dead letter that can be sent again', async () => {
  let calls = 0;
  const received: Array<{ signature: string; body: string }> = [];
  const flaky = await receiver((req, body) => {
    calls++;
    if (calls <= 2) return 500;
    received.push({ signature: String(req.headers['x-gateway-signature']), body });
    return 200;
  });
  const hook = (await t.call('admin', { method: 'POST', url: '/api/webhooks', payload: { name: '指挥中心', url: flaky, filter: { types: ['incident.created'], minSeverity: 'major' } } })).json();
  assert.ok(hook.secret);
  const hanging = await receiver(() => 'hang');
  const dead = (await t.call('admin', { method: 'POST', url: '/api/webhooks', payload: { name: 'slow', url: hanging } })).json();

  const incident = (await raise()).incident!;
  await t.gw.incidents.raise({ source: { kind: 'sensor', id: 'minor-one' }, type: 'gas_leak', severity: 'minor', occurredAt: Date.now() }); // filtered out by minSeverity
  await waitFor(() => received.length >= 1 || undefined, 10_000, 'delivery after two failures');
  const body = JSON.parse(received[0]!.body);
  assert.equal(body.incident.id, incident.id);
  assert.equal(received[0]!.signature, `sha256=${createHmac('sha256', hook.secret).update(received[0]!.body).digest('hex')}`);
  assert.equal(calls, 3);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(received.length, 1, 'the minor incident was not sent');

  const letters = await waitFor(async () => {
    const res = (await t.call('admin', { method: 'GET', url: `/api/webhooks/${dead.id}/deliveries?status=dead` })).json();
    return res.items.length >= 1 ? res.items : undefined;
  }, 10_000, 'a dead letter');
  assert.equal(letters[0].attempts, 3);
  assert.match(letters[0].lastError, /no answer within 300 ms/);
  const list = (await t.call('admin', { method: 'GET', url: '/api/webhooks' })).json();
  assert.ok(!JSON.stringify(list).includes(hook.secret), 'secrets are shown once only');
  assert.equal((await t.call('admin', { method: 'POST', url: `/api/webhooks/deliveries/${letters[0].id}/retry` })).statusCode, 202);
  assert.equal((await t.call('operator', { method: 'GET', url: '/api/webhooks' })).statusCode, 403);
});

test('webhooks: credentials in the receiver URL are sent as Basic authorization and never shown; a failure says why without them', async () => {
  const auth: string[] = [];
  const secured = await receiver((req) => {
    auth.push(String(req.headers.authorization));
    return 200;
  });
  const password = 'p@ss:w/rd#9';
  const withCreds = secured.replace('http://', `http://relay:${encodeURIComponent(password)}@`);
  const hook = (await t.call('admin', { method: 'POST', url: '/api/webhooks', payload: { name: 'with credentials', url: withCreds } })).json() as { id: string; url: string };
  assert.equal(hook.url, secured.replace('http://', 'http://[REDACTED]@'));
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const closedPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  const refused = (await t.call('admin', { method: 'POST', url: '/api/webhooks', payload: { name: 'closed port', url: `http://relay:${encodeURIComponent(password)}@127.0.0.1:${closedPort}/hook` } })).json() as { id: string };
  await raise();
  await waitFor(() => auth.length >= 1 || undefined, 10_000, 'a delivery to the receiver with credentials');
  assert.equal(auth[0], `Basic ${Buffer.from(`relay:${password}`).toString('base64')}`);
  const failed = await waitFor(async () => {
    const res = (await t.call('admin', { method: 'GET', url: `/api/webhooks/${refused.id}/deliveries` })).json() as { items: Array<{ lastError: string | null }> };
    return res.items.find((d) => d.lastError);
  }, 10_000, 'a failed delivery');
  assert.match(failed.lastError!, /ECONNREFUSED/, 'the network cause is named');
  const seen = JSON.stringify((await t.call('admin', { method: 'GET', url: '/api/webhooks' })).json()) + JSON.stringify(failed) + t.logs();
  for (const form of [password, encodeURIComponent(password)]) assert.ok(!seen.includes(form), `${form} leaked`);
  await t.call('admin', { method: 'DELETE', url: `/api/webhooks/${hook.id}` });
  await t.call('admin', { method: 'DELETE', url: `/api/webhooks/${refused.id}` });
});
