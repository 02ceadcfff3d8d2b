// The simulator's WS-Discovery responder: a unicast Probe on loopback gets a
// ProbeMatches per device (RelatesTo, XAddrs, Scopes); flooding and malformed
// datagrams on demand; 500 devices in one process.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { after, describe, it } from 'node:test';
import { childElement, childText, parseSimXml, type XmlElement } from './xml.ts';
import { OnvifSimHost } from './host.ts';
import { callSoap } from './sim-caller.ts';
import { CREDS } from './test-helpers.ts';

interface Match { relatesTo?: string; endpoint?: string; xaddrs?: string; scopes: string[]; types?: string }

/** Sends one Probe to the responder and collects what comes back until `expect` datagrams or `quietMs` without any. */
async function probe(port: number, o: { types?: string; scopes?: string; expect?: number; quietMs?: number } = {}) {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const messageId = `urn:uuid:${randomUUID()}`;
  const datagrams: string[] = [];
  const senders = new Set<string>();
  const done = new Promise<void>((resolve) => {
    let quiet = setTimeout(resolve, o.quietMs ?? 3000);
    socket.on('message', (m, r) => {
      datagrams.push(m.toString('utf8'));
      senders.add(r.address);
      clearTimeout(quiet);
      if (o.expect !== undefined && datagrams.length >= o.expect) resolve();
      else quiet = setTimeout(resolve, o.quietMs ?? 3000);
    });
  });
  const types = o.types ?? 'dn:NetworkVideoTransmitter';
  socket.send('<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    + 'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><s:Header>'
    + `<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action><a:MessageID>${messageId}</a:MessageID>`
    + '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To></s:Header>'
    + `<s:Body><d:Probe><d:Types>${types}</d:Types>${o.scopes ? `<d:Scopes>${o.scopes}</d:Scopes>` : ''}</d:Probe></s:Body></s:Envelope>`, port, '127.0.0.1');
  await done;
  socket.close();
  const matches: Match[] = [];
  let unreadable = 0;
  for (const d of datagrams) {
    try {
      const doc = parseSimXml(d);
      const m = childElement(childElement(childElement(doc.root, 'Body') ?? {}, 'ProbeMatches') ?? {}, 'ProbeMatch') as XmlElement;
      matches.push({
        relatesTo: childText(childElement(doc.root, 'Header') ?? {}, 'RelatesTo'), endpoint: childText(childElement(m, 'EndpointReference') ?? {}, 'Address'),
        xaddrs: childText(m, 'XAddrs'), types: childText(m, 'Types'), scopes: (childText(m, 'Scopes') ?? '').split(' '),
      });
    } catch {
      unreadable++; // the malformed datagrams the test asked for
    }
  }
  return { messageId, matches, unreadable, datagrams, senders };
}

describe('ONVIF sim: WS-Discovery responder', async () => {
  const host = await OnvifSimHost.start();
  const rtsp = { main: 'rtsp://127.0.0.1:8554/a' };
  const gate = await host.addDevice({ ...CREDS, rtsp, name: 'Gate North', model: 'DS-2CD2143G2', location: 'Gate 3' });
  const yard = await host.addDevice({ ...CREDS, rtsp, name: 'Yard', ptz: false });
  await host.addDevice({ ...CREDS, rtsp, name: 'Hidden', discoverable: false });
  after(() => host.close());
  const port = host.discoveryAddress!.port;

  it('answers a Probe for NetworkVideoTransmitter with one ProbeMatches per discoverable device', async () => {
    const { messageId, matches } = await probe(port); // no early stop: the hidden camera must not answer late either
    assert.equal(matches.length, 2);
    assert.ok(matches.every((m) => m.relatesTo === messageId));
    const byX = new Map(matches.map((m) => [m.xaddrs, m]));
    const g = byX.get(gate.xaddr);
    assert.ok(g, `XAddrs ${[...byX.keys()].join(', ')}`);
    assert.equal(g.endpoint, gate.endpoint);
    assert.match(g.endpoint ?? '', /^urn:uuid:[0-9a-f-]{36}$/);
    assert.equal(g.types, 'dn:NetworkVideoTransmitter tds:Device');
    for (const s of ['onvif://www.onvif.org/name/Gate%20North', 'onvif://www.onvif.org/hardware/DS-2CD2143G2', 'onvif://www.onvif.org/location/Gate%203', 'onvif://www.onvif.org/type/ptz']) {
      assert.ok(g.scopes.includes(s), `scope ${s} in ${g.scopes.join(' ')}`);
    }
    assert.ok(!byX.get(yard.xaddr)?.scopes.includes('onvif://www.onvif.org/type/ptz'));
    assert.equal(host.discovery?.probes.at(-1)?.messageId, messageId);
  });

  it('answers a Probe with Scopes only from matching devices, and nothing to other types', async () => {
    assert.deepEqual((await probe(port, { scopes: 'onvif://www.onvif.org/name/Yard', expect: 1 })).matches.map((m) => m.xaddrs), [yard.xaddr]);
    assert.equal((await probe(port, { types: 'p:Printer', quietMs: 500 })).datagrams.length, 0);
  });

  it('flood: the same answers n times; floodDistinct: with endpoints that do not exist', async () => {
    host.discovery!.behaviour = { flood: 5 };
    const same = await probe(port, { expect: 10 });
    assert.equal(same.matches.length, 10);
    assert.equal(new Set(same.matches.map((m) => m.endpoint)).size, 2);
    host.discovery!.behaviour = { flood: 5, floodDistinct: true };
    const distinct = await probe(port, { expect: 10 });
    assert.equal(new Set(distinct.matches.map((m) => m.endpoint)).size, 10);
    assert.equal(new Set(distinct.matches.map((m) => m.xaddrs)).size, 2);
    host.discovery!.behaviour = {};
  });

  it('malformed: junk, a cut-off answer and an entity bomb come before the real answers', async () => {
    host.discovery!.behaviour = { malformed: 'all' };
    const r = await probe(port, { expect: 5 });
    host.discovery!.behaviour = {};
    assert.equal(r.unreadable, 3);
    assert.ok(r.datagrams.some((d) => d.includes('<!ENTITY')));
    assert.equal(r.matches.length, 2);
  });

  it('silent: probes are counted and never answered; a datagram that is not a Probe is ignored', async () => {
    host.discovery!.behaviour = { silent: true };
    const before = host.discovery!.counts.probes;
    assert.equal((await probe(port, { quietMs: 500 })).datagrams.length, 0);
    assert.equal(host.discovery!.counts.probes, before + 1);
    host.discovery!.behaviour = {};
  });
});

describe('ONVIF sim: 500 devices in one process', async () => {
  const host = await OnvifSimHost.start();
  const spread = await OnvifSimHost.start({ addressPerDevice: true });
  after(async () => {
    await host.close();
    await spread.close();
  });
  const add500 = (h: OnvifSimHost) => Promise.all(Array.from({ length: 500 }, (_, i) => h.addDevice({ ...CREDS, name: `cam-${i}`, rtsp: { main: `rtsp://127.0.0.1:8554/cam-${i}` } })));

  it('starts 500 cameras, each on its own port, and all answer one Probe', async () => {
    await add500(host);
    assert.equal(new Set(host.all().map((d) => d.port)).size, 500);
    const { matches, senders } = await probe(host.discoveryAddress!.port, { expect: 500, quietMs: 6000 });
    assert.equal(new Set(matches.map((m) => m.xaddrs)).size, 500);
    assert.deepEqual([...senders], ['127.0.0.1']);
  });

  it('addressPerDevice: 500 cameras on 500 loopback addresses, each answering from its own', async () => {
    await add500(spread);
    const { matches, senders } = await probe(spread.discoveryAddress!.port, { expect: 500, quietMs: 6000 });
    assert.equal(senders.size, 500);
    assert.ok(matches.every((m) => senders.has(new URL(m.xaddrs ?? '').hostname)), 'XAddrs name the address the answer came from');
    const cam = spread.all()[321]!;
    assert.equal(cam.host, '127.0.2.68');
    assert.equal((await callSoap(cam.xaddr, '<tds:GetSystemDateAndTime/>')).status, 200);
  });
});
