// Unit tests for the simulator's parsers (no sockets, no ffmpeg): the
// incremental RTSP reader, Digest auth, SDP track lookup, keyframe detection.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { DigestAuth, parseAuthParams } from './rtsp-auth.ts';
import { RtspReader, frameInterleaved, parseTcpTransport, type WireEvent } from './rtsp-wire.ts';
import { findTrack, parseSdpTracks, startsKeyframe } from './sdp-tracks.ts';

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const kinds = (events: WireEvent[]) => events.map((e) => e.kind);

describe('RtspReader', () => {
  it('parses a request fed one byte at a time', () => {
    const reader = new RtspReader();
    const text = 'ANNOUNCE rtsp://h/p RTSP/1.0\r\nCSeq: 2\r\nContent-Length: 4\r\n\r\nv=0\n';
    const events = [...Buffer.from(text)].flatMap((b) => reader.push(Buffer.from([b])));
    assert.equal(events.length, 1);
    const event = events[0]!;
    assert.ok(event.kind === 'request');
    assert.equal(event.request.method, 'ANNOUNCE');
    assert.equal(event.request.headers.get('cseq'), '2');
    assert.equal(event.request.body.toString(), 'v=0\n');
  });

  it('splits requests and interleaved frames that share one chunk', () => {
    const reader = new RtspReader();
    const chunk = Buffer.concat([
      frameInterleaved(0, Buffer.from('rtp')),
      Buffer.from('GET_PARAMETER rtsp://h/p RTSP/1.0\r\nCSeq: 9\r\n\r\n'),
      frameInterleaved(1, Buffer.alloc(0)),
      Buffer.from('\r\nRTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n'),
      frameInterleaved(3, Buffer.from('partial')).subarray(0, 6),
    ]);
    const events = reader.push(chunk);
    assert.deepEqual(kinds(events), ['interleaved', 'request', 'interleaved', 'response']);
    const rest = reader.push(frameInterleaved(3, Buffer.from('partial')).subarray(6));
    assert.deepEqual(rest, [{ kind: 'interleaved', channel: 3, payload: Buffer.from('partial') }]);
  });

  it('reports garbage and resynchronises after it', () => {
    const reader = new RtspReader();
    const events = reader.push(Buffer.from('hello there\r\n\r\nOPTIONS * RTSP/1.0\r\n\r\nOPTIONS * RTSP/1.0\r\nCSeq: 3\r\n\r\n'));
    assert.deepEqual(kinds(events), ['malformed', 'malformed', 'request']);
    assert.ok(events.every((e) => e.kind !== 'malformed' || !e.fatal));
  });

  it('gives up on a bad Content-Length or an endless header', () => {
    const bad = new RtspReader().push(Buffer.from('SETUP x RTSP/1.0\r\nCSeq: 4\r\nContent-Length: 1e9\r\n\r\n'));
    assert.deepEqual(bad, [{ kind: 'malformed', reason: 'bad Content-Length "1e9"', cseq: '4', fatal: true }]);
    const endless = new RtspReader().push(Buffer.alloc(70_000, 'a'));
    assert.ok(endless[0]?.kind === 'malformed' && endless[0].fatal);
  });

  it('never throws on random input', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = Buffer.from('$\r\n :ARTSP/1.0CSeqContent-Length0123456789\x00\xff');
    for (let round = 0; round < 2000; round++) {
      const reader = new RtspReader();
      for (let c = 0; c < 5; c++) {
        const chunk = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () =>
          random() < 0.7 ? alphabet[Math.floor(random() * alphabet.length)]! : Math.floor(random() * 256)));
        for (const event of reader.push(chunk)) assert.ok(['request', 'interleaved', 'malformed', 'response'].includes(event.kind));
      }
    }
  });
});

describe('parseTcpTransport', () => {
  it('takes the TCP alternative and its channels, refuses UDP only', () => {
    assert.equal(parseTcpTransport('RTP/AVP/UDP;unicast;client_port=5000-5001'), undefined);
    assert.equal(parseTcpTransport(undefined), undefined);
    assert.deepEqual(parseTcpTransport('RTP/AVP;unicast;client_port=5000-5001, RTP/AVP/TCP;unicast;interleaved=2-3'),
      { rtp: 2, rtcp: 3, record: false });
    assert.deepEqual(parseTcpTransport('RTP/AVP/TCP;unicast;interleaved=0-1;mode=record'), { rtp: 0, rtcp: 1, record: true });
    assert.deepEqual(parseTcpTransport('RTP/AVP/TCP;unicast;interleaved=6'), { rtp: 6, rtcp: 7, record: false });
    assert.deepEqual(parseTcpTransport('RTP/AVP/TCP;unicast'), { rtp: undefined, rtcp: undefined, record: false });
  });
});

describe('DigestAuth', () => {
  const auth = new DigestAuth({ username: 'admin', password: 'pw' });
  const nonceOf = () => parseAuthParams(auth.challenge()[0]![1].replace(/^Digest /, '')).get('nonce')!;
  const digest = (nonce: string, password: string, uri = 'rtsp://h/p') => {
    const ha1 = md5(`admin:${auth.realm}:${password}`);
    const response = md5(`${ha1}:${nonce}:${md5(`DESCRIBE:${uri}`)}`);
    return `Digest username="admin", realm="${auth.realm}", nonce="${nonce}", uri="${uri}", response="${response}"`;
  };

  it('accepts the right Digest answer and Basic, refuses the rest', () => {
    const nonce = nonceOf();
    assert.equal(auth.verify('DESCRIBE', digest(nonce, 'pw')), true);
    assert.equal(auth.verify('DESCRIBE', digest(nonce, 'wrong')), false);
    assert.equal(auth.verify('DESCRIBE', digest('not-issued', 'pw')), false);
    assert.equal(auth.verify('PLAY', digest(nonce, 'pw')), false, 'the method is part of the hash');
    assert.equal(auth.verify('DESCRIBE', `Basic ${Buffer.from('admin:pw').toString('base64')}`), true);
    assert.equal(auth.verify('DESCRIBE', `Basic ${Buffer.from('admin:no').toString('base64')}`), false);
    assert.equal(auth.verify('DESCRIBE', undefined), false);
    assert.equal(auth.verify('DESCRIBE', 'Bearer x'), false);
  });
});

describe('SDP tracks', () => {
  const sdp = 'v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:streamid=0\r\n' +
    'm=audio 0 RTP/AVP 97\r\na=rtpmap:97 MPEG4-GENERIC/48000/1\r\na=control:rtsp://10.0.0.5:554/city/cam/streamid=1\r\n';

  it('finds tracks by relative or absolute control URL', () => {
    const tracks = parseSdpTracks(sdp);
    assert.deepEqual(tracks.map((t) => [t.media, t.codec]), [['video', 'H264'], ['audio', 'MPEG4-GENERIC']]);
    assert.equal(findTrack(tracks, 'city/cam', 'rtsp://127.0.0.1:8554/city/cam/streamid=0'), 0);
    assert.equal(findTrack(tracks, 'city/cam', 'rtsp://localhost/city/cam/streamid=1'), 1);
    assert.equal(findTrack(tracks, 'city/cam', 'rtsp://localhost/city/cam/streamid=2'), undefined);
    const single = parseSdpTracks('v=0\nm=video 0 RTP/AVP 96\na=rtpmap:96 H265/90000\n');
    assert.equal(findTrack(single, 'cam', 'rtsp://h/cam/trackID=0'), 0);
    assert.equal(findTrack(single, 'cam', 'rtsp://h/cam'), 0);
  });

  it('recognises the start of keyframes', () => {
    const rtp = (...payload: number[]) => Buffer.from([0x80, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, ...payload]);
    assert.equal(startsKeyframe('H264', rtp(0x65, 0)), true); // IDR slice
    assert.equal(startsKeyframe('H264', rtp(0x41, 0)), false); // P slice
    assert.equal(startsKeyframe('H264', rtp(0x7c, 0x85)), true); // FU-A start, IDR
    assert.equal(startsKeyframe('H264', rtp(0x7c, 0x05)), false); // FU-A middle
    assert.equal(startsKeyframe('H265', rtp(19 << 1, 1)), true); // IDR_W_RADL
    assert.equal(startsKeyframe('H265', rtp(1 << 1, 1)), false); // TRAIL_R
    assert.equal(startsKeyframe('H265', rtp(49 << 1, 1, 0x80 | 19)), true); // FU start, IDR
    assert.equal(startsKeyframe('MPEG4-GENERIC', rtp(0, 16)), true);
  });
});
