// Devices behind an edge proxy (Kamailio): only a listed proxy is believed
// about the device's address and its route back; our requests to such a
// device name its own address and go along its Path; a dialog's BYE follows
// the Record-Route of the device's 200.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sameDevice } from './devices.ts';
import { EdgeProxies, deviceAddressOf } from './edge-proxy.ts';
import { OutgoingRequests } from './outgoing.ts';
import { buildRequest, type SipRemote, type SipRequest } from './sip/index.ts';

const KAMAILIO: SipRemote = { transport: 'udp', address: '10.0.0.2', port: 5060 };
const PATH = '<sip:10.0.0.2:5060;lr;received=sip:192.168.7.20:61234>';

function register(vias: string[], path?: string): SipRequest {
  const req = buildRequest({
    method: 'REGISTER', uri: 'sip:34020000002000000001@3402000000', from: '<sip:34020000001320000001@3402000000>;tag=a', to: '<sip:34020000001320000001@3402000000>',
    callId: 'c1', cseq: 1, via: vias[0]!, contact: '<sip:34020000001320000001@192.168.7.20:5060>', headers: path ? { Path: path } : undefined,
  });
  for (const v of vias.slice(1)) req.headers.append('Via', v);
  return req;
}
const relayed = () => register([
  'SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKproxy',
  'SIP/2.0/UDP 192.168.7.20:5060;received=203.0.113.9;rport=61234;branch=z9hG4bKdevice',
], PATH);

test('a REGISTER relayed by a listed proxy binds the device behind it: Path as the route, its own address from the Via below', () => {
  const edge = new EdgeProxies(['10.0.0.2']);
  const binding = edge.bindingOf(relayed(), KAMAILIO);
  assert.deepEqual(binding, { ...KAMAILIO, proxied: { route: [PATH], address: '203.0.113.9', port: 61234 } });
  assert.deepEqual(deviceAddressOf(binding), { address: '203.0.113.9', port: 61234 });
  // The REGISTER flood guard counts each device behind the proxy, not the proxy.
  assert.equal(edge.deviceAddress(relayed(), KAMAILIO).address, '203.0.113.9');
  // The same device again through the proxy is the same binding; from another NAT port it is a new one.
  assert.ok(sameDevice(binding, edge.bindingOf(relayed(), KAMAILIO)));
  assert.ok(!sameDevice(binding, { ...binding, proxied: { ...binding.proxied!, port: 61235 } }));
});

test('anyone else\'s Path and Via are not believed; the proxy\'s own request (one Via) is its own', () => {
  const stranger: SipRemote = { transport: 'udp', address: '198.51.100.7', port: 5060 };
  assert.deepEqual(new EdgeProxies(['10.0.0.2']).bindingOf(relayed(), stranger), stranger);
  assert.deepEqual(new EdgeProxies([]).bindingOf(relayed(), KAMAILIO), KAMAILIO);
  const probe = register(['SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKping']);
  assert.equal(new EdgeProxies(['10.0.0.2']).relayed(probe, KAMAILIO), false);
  // An IPv4-mapped source matches its listed IPv4 address.
  assert.equal(new EdgeProxies(['10.0.0.2']).relayed(relayed(), { ...KAMAILIO, address: '::ffff:10.0.0.2' }), true);
});

test('our requests to a device behind the proxy: its address in the Request-URI, its Path as Route; BYE along the dialog\'s Record-Route', () => {
  const out = new OutgoingRequests({ id: '34020000002000000001', domain: '3402000000', address: '10.0.0.11', port: 5060 });
  const remote = new EdgeProxies(['10.0.0.2']).bindingOf(relayed(), KAMAILIO);
  const query = out.message(remote, '34020000001320000001', '<Query/>', 'UTF-8');
  assert.equal(query.uri, 'sip:34020000001320000001@203.0.113.9:61234');
  assert.deepEqual(query.headers.getAll('Route'), [PATH]);
  const { request } = out.invite(remote, '34020000001310000001', '0100000001', 'v=0\r\n');
  assert.deepEqual(request.headers.getAll('Route'), [PATH]);
  assert.match(request.headers.get('Contact') ?? '', /@10\.0\.0\.11:5060>/, 'the node\'s own address: in-dialog requests and media come to it');
  const bye = out.bye({ callId: 'c2', localTag: 't', remoteTo: '<sip:x@y>;tag=r', remoteTarget: 'sip:34020000001310000001@203.0.113.9:61234', cseq: 1, remote, routes: ['<sip:10.0.0.2:5060;lr=on>'] });
  assert.deepEqual(bye.headers.getAll('Route'), ['<sip:10.0.0.2:5060;lr=on>']);
  // A device reached directly: no Route, its source address.
  const direct = out.message({ transport: 'udp', address: '192.168.7.20', port: 5060 }, '34020000001320000001', '<Query/>', 'UTF-8');
  assert.equal(direct.uri, 'sip:34020000001320000001@192.168.7.20:5060');
  assert.deepEqual(direct.headers.getAll('Route'), []);
});
