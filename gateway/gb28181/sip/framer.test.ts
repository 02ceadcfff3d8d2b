// TCP framing: any split of the stream yields the same messages; keepalives are
// skipped; size limits and a missing Content-Length break the stream for good.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SipParseError } from './errors.ts';
import { allFixtures, dahuaKeepalive, hikCatalog, platformInvite, sipText } from './fixtures.ts';
import { SipStreamFramer } from './framer.ts';

const fixtures = Object.values(allFixtures);

test('a message split at every byte position comes out whole, once', () => {
  for (const msg of [dahuaKeepalive, platformInvite, hikCatalog]) {
    for (let cut = 0; cut <= msg.length; cut++) {
      const framer = new SipStreamFramer();
      const out = [...framer.push(msg.subarray(0, cut)), ...framer.push(msg.subarray(cut))];
      assert.equal(out.length, 1, `cut at ${cut}`);
      assert.deepEqual(out[0], msg);
      assert.equal(framer.buffered, 0);
    }
  }
});

test('byte-by-byte delivery of every fixture', () => {
  const framer = new SipStreamFramer();
  const stream = Buffer.concat(fixtures);
  const out: Buffer[] = [];
  for (const byte of stream) out.push(...framer.push(Buffer.from([byte])));
  assert.deepEqual(out, fixtures);
});

test('several messages and CRLF keepalives in one chunk', () => {
  let pings = 0;
  const framer = new SipStreamFramer({ onKeepalive: () => pings++ });
  const out = framer.push(Buffer.concat([Buffer.from('\r\n\r\n'), fixtures[0] as Buffer, Buffer.from('\r\n\r\n\r\n'), ...fixtures.slice(1)]));
  assert.deepEqual(out, fixtures);
  assert.equal(pings, 2);
  const half = (fixtures[1] as Buffer).subarray(0, 30);
  assert.deepEqual(framer.push(Buffer.concat([fixtures[0] as Buffer, half])), [fixtures[0]]);
  assert.equal(framer.buffered, 30);
});

const head = [
  'MESSAGE sip:34020000002000000001@3402000000 SIP/2.0',
  'Via: SIP/2.0/TCP 10.0.0.5:5060;branch=z9hG4bK1',
];

const fails = (framer: SipStreamFramer, chunk: Buffer, reason: RegExp, status: number) =>
  assert.throws(() => framer.push(chunk), (e: unknown) => e instanceof SipParseError && reason.test(e.reason) && e.status === status);

test('an endless header section fails at 16 KiB', () => {
  const framer = new SipStreamFramer();
  const line = Buffer.from(`X-Filler: ${'a'.repeat(1000)}\r\n`);
  framer.push(Buffer.from(`${head.join('\r\n')}\r\n`));
  for (let i = 0; i < 16; i++) framer.push(line); // 16 272 bytes: still under 16 KiB
  fails(framer, line, /header section too large/, 513);
  fails(framer, Buffer.from(fixtures[0] as Buffer), /header section too large/, 513); // broken for good
});

test('a body over the limit fails before it is buffered', () => {
  fails(new SipStreamFramer(), sipText(head, '', 70_000), /body too large/, 513);
  const small = new SipStreamFramer({ maxBodyBytes: 100, maxHeaderBytes: 200 });
  fails(small, sipText(head, 'x'.repeat(101)), /body too large/, 513);
  fails(new SipStreamFramer({ maxHeaderBytes: 200 }), sipText([...head, `X: ${'y'.repeat(300)}`]), /header section too large/, 513);
});

test('missing or bad Content-Length breaks the stream', () => {
  fails(new SipStreamFramer(), sipText(head, '', false), /missing Content-Length/, 400);
  fails(new SipStreamFramer(), sipText(head, '', 'abc'), /bad Content-Length/, 400);
  fails(new SipStreamFramer(), sipText([...head, 'l: 0'], ''), /duplicate Content-Length/, 400);
  assert.equal(new SipStreamFramer().push(sipText([...head, 'l : 2'], 'ok', false)).length, 1, 'compact form counts');
});
