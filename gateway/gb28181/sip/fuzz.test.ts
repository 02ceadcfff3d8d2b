// Fuzzing the parser and the framer with mutated GB28181 messages. Only
// SipParseError (or success) may come out; a seeded PRNG makes failures repeatable:
// SIP_FUZZ_SEED=<n> SIP_FUZZ_CASES=<n> node --import tsx --test gateway/gb28181/sip/fuzz.test.ts
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildResponse } from './build.ts';
import { SipParseError } from './errors.ts';
import { allFixtures } from './fixtures.ts';
import { SipStreamFramer } from './framer.ts';
import { parseSipMessage, serializeSip } from './message.ts';
import type { SipMessage } from './message.ts';
import { parseCSeq, parseVia } from './syntax.ts';
import { prng } from '../media/test-random.ts';

const SEED = Number(process.env.SIP_FUZZ_SEED ?? 28181);
const CASES = Number(process.env.SIP_FUZZ_CASES ?? 4000);
const seeds = Object.values(allFixtures);


const SPECIAL = Buffer.from(':;"<>\r\n \t,@[]=\\/\x00\xff0123456789');

function mutate(input: Buffer, rnd: () => number): Buffer {
  const int = (n: number) => Math.floor(rnd() * n);
  let buf = Buffer.from(input);
  const rounds = 1 + int(3);
  for (let r = 0; r < rounds; r++) {
    const at = int(buf.length + 1);
    switch (int(10)) {
      case 0: // bit flips
        for (let i = 0, n = 1 + int(8); i < n && buf.length > 0; i++) {
          const p = int(buf.length);
          buf[p] = (buf[p] ?? 0) ^ (1 << int(8));
        }
        break;
      case 1: // truncation
        buf = buf.subarray(0, at);
        break;
      case 2: // random bytes inserted
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(20) }, () => int(256))), buf.subarray(at)]);
        break;
      case 3: // pure noise
        buf = Buffer.from(Array.from({ length: int(2000) }, () => int(256)));
        break;
      case 4: { // a huge header after the start line
        const eol = buf.indexOf('\r\n') + 2;
        buf = Buffer.concat([buf.subarray(0, eol), Buffer.from(`X-Huge: ${'a'.repeat(int(40_000))}\r\n`), buf.subarray(eol)]);
        break;
      }
      case 5: // a range deleted
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + int(60))]);
        break;
      case 6: // a range repeated (duplicate headers, repeated lines)
        buf = Buffer.concat([buf.subarray(0, at + int(80)), buf.subarray(at)]);
        break;
      case 7: // grammar characters sprinkled in
        for (let i = 0, n = 1 + int(6); i < n && buf.length > 0; i++) buf[int(buf.length)] = SPECIAL[int(SPECIAL.length)] ?? 0;
        break;
      case 8: { // Content-Length lies
        const lies = ['-1', '', 'abc', '999999999', '1e3', '0', String(int(5000)), '9'.repeat(40), ' 12 ', '0x10'];
        buf = Buffer.from(buf.toString('latin1').replace(/Content-Length: \d+/, `Content-Length: ${lies[int(lies.length)]}`), 'latin1');
        break;
      }
      default: // two messages spliced
        buf = Buffer.concat([buf.subarray(0, at), seeds[int(seeds.length)] ?? Buffer.alloc(0)]);
    }
  }
  return buf;
}

function parseOrRefuse(buf: Buffer, stream: boolean, where: string): SipMessage | undefined {
  try {
    return parseSipMessage(buf, { stream });
  } catch (err) {
    if (err instanceof SipParseError) return undefined;
    throw new Error(`${where}: ${String(err)}\n${buf.subarray(0, 300).toString('hex')}`, { cause: err });
  }
}

/** What the transaction layer relies on once a message parsed. */
function useParsed(msg: SipMessage, where: string): void {
  try {
    parseVia(msg.headers.getAll('Via')[0] ?? '');
    parseCSeq(msg.headers.get('CSeq') ?? '');
    if (msg.kind === 'request') buildResponse(msg, 400, undefined, { source: { address: '10.0.0.1', port: 5060 } });
    const again = parseSipMessage(serializeSip(msg), { stream: true });
    assert.deepEqual(again.body, msg.body);
  } catch (err) {
    throw new Error(`${where}: parsed message unusable: ${String(err)}`, { cause: err });
  }
}

test('mutated messages through parseSipMessage', () => {
  const rnd = prng(SEED).next;
  const started = performance.now();
  let accepted = 0;
  for (let i = 0; i < CASES; i++) {
    const buf = mutate(seeds[i % seeds.length] as Buffer, rnd);
    for (const stream of [false, true]) {
      const where = `seed ${SEED} case ${i} stream=${stream}`;
      const msg = parseOrRefuse(buf, stream, where);
      if (msg) {
        accepted++;
        useParsed(msg, where);
      }
    }
  }
  assert.ok(accepted > 0 && accepted < CASES * 2, 'the mutations both pass and fail');
  assert.ok(performance.now() - started < 10_000, 'bounded time');
});

test('mutated streams through SipStreamFramer', () => {
  const rnd = prng(SEED + 1).next;
  const started = performance.now();
  for (let i = 0; i < CASES / 2; i++) {
    const parts = Array.from({ length: 1 + Math.floor(rnd() * 4) }, (_, k) => {
      const seed = seeds[(i + k) % seeds.length] as Buffer;
      return rnd() < 0.5 ? seed : mutate(seed, rnd);
    });
    const stream = Buffer.concat(parts);
    const framer = new SipStreamFramer({ maxHeaderBytes: 8192, maxBodyBytes: 4096 });
    const where = `seed ${SEED + 1} case ${i}`;
    try {
      for (let at = 0; at < stream.length; ) {
        const size = 1 + Math.floor(rnd() * 700);
        for (const frame of framer.push(stream.subarray(at, at + size))) {
          const msg = parseOrRefuse(frame, true, where);
          if (msg) useParsed(msg, where);
        }
        at += size;
      }
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
    }
  }
  assert.ok(performance.now() - started < 10_000, 'bounded time');
});
