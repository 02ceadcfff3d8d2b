import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildPlayOffer, liveSsrc, parsePlayAnswer } from './sdp.ts';

test('our offer reads back: address, port, TCP passive, SSRC; a y= beyond 32 bits is ignored', () => {
  const ssrc = liveSsrc('3402000000', 7);
  assert.match(ssrc, /^0\d{9}$/);
  const offer = buildPlayOffer({ platformId: '34020000002000000001', address: '10.0.0.5', port: 30002, transport: 'tcp', ssrc });
  assert.match(offer, /^s=Play\r$/m);
  assert.match(offer, /^a=setup:passive\r$/m);
  const read = parsePlayAnswer(offer);
  assert.deepEqual([read.address, read.port, read.transport, read.ssrc], ['10.0.0.5', 30002, 'tcp', Number(ssrc)]);
  assert.equal(read.rtpmap[96], 'PS');
  assert.equal(parsePlayAnswer('v=0\r\nm=video 9 RTP/AVP 96\r\ny=9999999999\r\n').ssrc, undefined);
  assert.equal(parsePlayAnswer('v=0\r\nm=video 9 RTP/AVP 96\r\ny=4294967295\r\n').ssrc, 4294967295);
});
