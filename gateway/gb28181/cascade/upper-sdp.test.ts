// The SDP of an upper platform's play request: what we take from it, what we
// refuse, our answer; and random input only ever refused with an SdpError.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildUpperAnswer, parseUpperOffer, SdpError } from './upper-sdp.ts';

const offer = (lines: string[]) => `${lines.join('\r\n')}\r\n`;
const base = ['v=0', 'o=31000000002000000001 0 0 IN IP4 10.0.0.5', 's=Play', 'c=IN IP4 10.0.0.5', 't=0 0'];

test('UDP live play: address, port, SSRC', () => {
  const o = parseUpperOffer(offer([...base, 'm=video 30000 RTP/AVP 96 98 97', 'a=recvonly', 'a=rtpmap:96 PS/90000', 'y=0100000001']));
  assert.deepEqual(o, { session: 'Play', address: '10.0.0.5', port: 30000, transport: 'udp', setup: undefined, ssrc: '0100000001', range: undefined });
});

test('TCP: the upper listens (passive) or connects (active, port may be 0 or 9)', () => {
  const passive = parseUpperOffer(offer([...base, 'm=video 30002 TCP/RTP/AVP 96', 'a=setup:passive', 'a=connection:new', 'y=0100000002']));
  assert.equal(passive.transport, 'tcp');
  assert.equal(passive.setup, 'passive');
  const active = parseUpperOffer(offer([...base, 'm=video 0 TCP/RTP/AVP 96', 'a=setup:active', 'y=0100000003']));
  assert.deepEqual([active.transport, active.setup, active.port], ['tcp', 'active', 0]);
});

test('playback: s=Playback and the t= range', () => {
  const o = parseUpperOffer(offer(['v=0', 'o=x 0 0 IN IP4 10.0.0.5', 's=Playback', 'u=31010100001310000001:0', 'c=IN IP4 10.0.0.5', 't=1767225600 1767229200', 'm=video 30004 RTP/AVP 96', 'y=1100000001']));
  assert.equal(o.session, 'Playback');
  assert.deepEqual(o.range, { startSec: 1767225600, endSec: 1767229200 });
});

test('download: s=Download with a=downloadspeed; a speed that is not a positive number is refused', () => {
  const lines = (speed: string) => offer(['v=0', 'o=x 0 0 IN IP4 10.0.0.5', 's=Download', 'u=31010100001310000001:0', 'c=IN IP4 10.0.0.5', 't=1767225600 1767229200', 'm=video 30004 RTP/AVP 96', `a=downloadspeed:${speed}`, 'y=1100000002']);
  const o = parseUpperOffer(lines('4'));
  assert.deepEqual([o.session, o.downloadSpeed, o.range?.endSec], ['Download', 4, 1767229200]);
  assert.throws(() => parseUpperOffer(lines('fast')), /downloadspeed/);
  assert.throws(() => parseUpperOffer(lines('0')), /downloadspeed/);
});

test('refused: no video, no address, a UDP port 0, a port out of range', () => {
  assert.throws(() => parseUpperOffer(offer([...base, 'm=audio 30000 RTP/AVP 8'])), SdpError);
  assert.throws(() => parseUpperOffer(offer(['v=0', 's=Play', 'm=video 30000 RTP/AVP 96'])), /no c= address/);
  assert.throws(() => parseUpperOffer(offer([...base, 'm=video 0 RTP/AVP 96'])), /bad media port/);
  assert.throws(() => parseUpperOffer(offer([...base, 'm=video 70000 RTP/AVP 96'])), /bad media port/);
  assert.throws(() => parseUpperOffer(offer([...base, 'm=video x RTP/AVP 96'])), /bad m=video/);
});

test('our answer: sendonly PS on 96, y=, setup for TCP', () => {
  const sdp = buildUpperAnswer({ channelCode: '31010100001310000001', address: '10.0.0.9', port: 31000, transport: 'tcp', setup: 'active', ssrc: '0100000002', session: 'Play' });
  assert.equal(sdp, ['v=0', 'o=31010100001310000001 0 0 IN IP4 10.0.0.9', 's=Play', 'c=IN IP4 10.0.0.9', 't=0 0', 'm=video 31000 TCP/RTP/AVP 96', 'a=sendonly', 'a=rtpmap:96 PS/90000', 'a=setup:active', 'a=connection:new', 'y=0100000002', 'f=', ''].join('\r\n'));
});

test('fuzz: random and mangled offers are parsed or refused with an SdpError, nothing else', () => {
  let seed = Number(process.env.SDP_FUZZ_SEED ?? 22);
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const pieces = ['v=0', 'c=IN IP4 1.2.3.4', 'c=IN IP6 ::1', 'c=', 'm=video 1 RTP/AVP', 'm=video 65535 TCP/RTP/AVP 96', 'm=video', 'a=setup:', 'a=setup:actpass', 'y=', 'y=99999999999', 't=1 0', 't=a b', 's=', '\u0000', '中文', 'm=video 30000 RTP/AVP 96'];
  for (let i = 0; i < 5000; i++) {
    const lines = Array.from({ length: Math.floor(rand() * 8) }, () => pieces[Math.floor(rand() * pieces.length)]!);
    const text = rand() < 0.2 ? String.fromCharCode(...Array.from({ length: 40 }, () => Math.floor(rand() * 256))) : lines.join(rand() < 0.5 ? '\r\n' : '\n');
    try {
      const o = parseUpperOffer(text);
      assert.ok(o.port >= 0 && o.port <= 65535 && o.address.length > 0);
    } catch (err) {
      assert.ok(err instanceof SdpError, `case ${i}: ${String(err)}`);
    }
  }
});
