import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { discoverWithReport, readProbeMatches } from './discovery.ts';

const sockets: dgram.Socket[] = [];
after(() => sockets.forEach((s) => s.close()));

const probeMatches = (relatesTo: string, endpoint: string, xaddrs: string, scopes: string) =>
  '<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" ' +
  'xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl"><SOAP-ENV:Header>' +
  `<wsa:MessageID>uuid:${Math.random()}</wsa:MessageID><wsa:RelatesTo>${relatesTo}</wsa:RelatesTo><wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>` +
  '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header><SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch>' +
  `<wsa:EndpointReference><wsa:Address>${endpoint}</wsa:Address></wsa:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>` +
  `<d:Scopes>${scopes}</d:Scopes><d:XAddrs>${xaddrs}</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`;

const HIK_SCOPES = 'onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming onvif://www.onvif.org/name/HIKVISION%20DS-2CD2143G0-I ' +
  'onvif://www.onvif.org/hardware/DS-2CD2143G0-I onvif://www.onvif.org/location/city/hangzhou onvif://www.onvif.org/mfr/HIKVISION';

/** A WS-Discovery responder on 127.0.0.1: `answer` returns the datagrams to send back for one probe. */
async function responder(answer: (messageId: string, probe: string) => string[]): Promise<{ port: number; probes: string[] }> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const probes: string[] = [];
  socket.on('message', (msg, rinfo) => {
    const probe = msg.toString('utf8');
    probes.push(probe);
    const id = /<a:MessageID>([^<]+)</.exec(probe)?.[1] ?? '';
    for (const datagram of answer(id, probe)) socket.send(datagram, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: (socket.address() as AddressInfo).port, probes };
}

describe('WS-Discovery', () => {
  it('probes for NetworkVideoTransmitters and reads ProbeMatches, duplicates merged by endpoint', async () => {
    const a = await responder((id) => {
      const one = probeMatches(id, 'urn:uuid:11111111-2222-3333-4444-555555555555', 'http://192.168.1.64/onvif/device_service', HIK_SCOPES);
      const again = probeMatches(id, 'urn:uuid:11111111-2222-3333-4444-555555555555', 'http://192.168.1.64/onvif/device_service http://[fe80::1]/onvif/device_service', HIK_SCOPES);
      return [one, one, again];
    });
    const b = await responder((id) => [probeMatches(id, 'urn:uuid:axis-1', 'http://192.168.1.90/onvif/device_service', 'onvif://www.onvif.org/name/AXIS%20P1375 onvif://www.onvif.org/hardware/P1375')]);
    const report = await discoverWithReport({ timeoutMs: 1500, interfaces: [], unicastTo: [{ host: '127.0.0.1', port: a.port }, { host: '127.0.0.1', port: b.port }] });
    assert.match(a.probes[0] ?? '', /<d:Types>dn:NetworkVideoTransmitter<\/d:Types>/);
    assert.match(a.probes[0] ?? '', /xmlns:dn="http:\/\/www\.onvif\.org\/ver10\/network\/wsdl"/);
    assert.equal(report.malformed, 0);
    const byEndpoint = Object.fromEntries(report.devices.map((d) => [d.endpoint, d]));
    assert.deepEqual(Object.keys(byEndpoint).sort(), ['urn:uuid:11111111-2222-3333-4444-555555555555', 'urn:uuid:axis-1']);
    assert.deepEqual(byEndpoint['urn:uuid:11111111-2222-3333-4444-555555555555'], {
      endpoint: 'urn:uuid:11111111-2222-3333-4444-555555555555',
      address: '127.0.0.1',
      xaddrs: ['http://192.168.1.64/onvif/device_service', 'http://[fe80::1]/onvif/device_service'],
      scopes: HIK_SCOPES.split(' '),
      name: 'HIKVISION DS-2CD2143G0-I',
      hardware: 'DS-2CD2143G0-I',
      manufacturer: 'HIKVISION',
      location: 'city/hangzhou',
    });
    assert.equal(byEndpoint['urn:uuid:axis-1']?.name, 'AXIS P1375');
    assert.equal(report.duplicates, 2, 'the repeated and the second-address answers are merged, and counted');
    assert.ok(report.lastFoundMs !== undefined && report.lastFoundMs < 1500, `last device found at ${report.lastFoundMs} ms`);
  });

  it('bounds a flooding sender per host and counts malformed answers without throwing', async () => {
    const flood = await responder((id) => [
      ...Array.from({ length: 50 }, (_, i) => probeMatches(id, `urn:uuid:flood-${i}`, `http://10.0.0.${i}/onvif/device_service`, '')),
      'not xml at all',
      `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "a"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>`,
      probeMatches('uuid:another-probe', 'urn:uuid:stale', 'http://10.0.1.1/onvif/device_service', ''),
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body>${'<a>'.repeat(40)}${'</a>'.repeat(40)}</s:Body></s:Envelope>`,
    ]);
    const report = await discoverWithReport({ timeoutMs: 1500, interfaces: [], unicastTo: [{ host: '127.0.0.1', port: flood.port }], maxPerHost: 4 });
    assert.equal(report.devices.length, 4);
    assert.equal(report.ignored, 46);
    assert.equal(report.malformed, 4);
  });

  it('ends as soon as maxDevices are found', async () => {
    const r = await responder((id) => Array.from({ length: 3 }, (_, i) => probeMatches(id, `urn:uuid:d${i}`, `http://10.0.0.${i}/onvif/device_service`, '')));
    const report = await discoverWithReport({ timeoutMs: 600_000, interfaces: [], unicastTo: [{ host: '127.0.0.1', port: r.port }], maxDevices: 2 });
    assert.equal(report.devices.length, 2);
  });

  it('skips a match without an endpoint or an http XAddr', () => {
    const none = probeMatches('x', '', 'http://10.0.0.1/onvif/device_service', '');
    const ftp = probeMatches('x', 'urn:uuid:z', 'ftp://10.0.0.1/', '');
    assert.deepEqual(readProbeMatches(none, '10.0.0.1', 'x'), []);
    assert.deepEqual(readProbeMatches(ftp, '10.0.0.1', 'x'), []);
  });
});
