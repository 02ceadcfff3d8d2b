// GB/T 28181 messages as Hikvision and Dahua devices (and a platform) put them on
// the wire, for the tests and the fuzzer. Content-Length is computed, CRLF line ends.

const CRLF = '\r\n';

/** Joins header lines with CRLF, adds Content-Length unless `contentLength` is false, then the body. */
export function sipText(lines: string[], body: Buffer | string = '', contentLength: boolean | number | string = true): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const head = [...lines];
  if (contentLength !== false) head.push(`Content-Length: ${contentLength === true ? bytes.length : contentLength}`);
  return Buffer.concat([Buffer.from(head.join(CRLF) + CRLF + CRLF, 'utf8'), bytes]);
}

export const hikRegister = sipText([
  'REGISTER sip:34020000002000000001@3402000000 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1371463273',
  'From: <sip:34020000001320000001@3402000000>;tag=2043466181',
  'To: <sip:34020000001320000001@3402000000>',
  'Call-ID: 1011047669',
  'CSeq: 1 REGISTER',
  'Contact: <sip:34020000001320000001@192.168.1.64:5060>',
  'Max-Forwards: 70',
  'User-Agent: IP Camera',
  'Expires: 3600',
]);

export const hikRegisterAuth = sipText([
  'REGISTER sip:34020000002000000001@3402000000 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK1542281718',
  'From: <sip:34020000001320000001@3402000000>;tag=2043466181',
  'To: <sip:34020000001320000001@3402000000>',
  'Call-ID: 1011047669',
  'CSeq: 2 REGISTER',
  'Contact: <sip:34020000001320000001@192.168.1.64:5060>',
  'Authorization: Digest username="34020000001320000001", realm="3402000000", nonce="lz1a9x.Qk9vS0tFWQ.abc", uri="sip:34020000002000000001@3402000000", response="0a4f113b5f6a1e8e6d8b1c5b2f3d4e5a", algorithm=MD5',
  'Max-Forwards: 70',
  'User-Agent: IP Camera',
  'Expires: 3600',
]);

export const keepaliveXml =
  '<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Keepalive</CmdType>\r\n<SN>44</SN>\r\n' +
  '<DeviceID>34020000001110000001</DeviceID>\r\n<Status>OK</Status>\r\n</Notify>\r\n';

export const dahuaKeepalive = sipText([
  'MESSAGE sip:34020000002000000001@3402000000 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.108:5060;rport;branch=z9hG4bK1839256339',
  'From: <sip:34020000001110000001@3402000000>;tag=1415591590',
  'To: <sip:34020000002000000001@3402000000>',
  'Call-ID: 1757473398',
  'CSeq: 20 MESSAGE',
  'Content-Type: Application/MANSCDP+xml',
  'Max-Forwards: 70',
  'User-Agent: Dahua SIP UAS V2.0',
], keepaliveXml);

// A catalog item named 通道1 in GB2312 (CD A8 B5 C0): the body is bytes, not UTF-8 text.
const catalogBody = Buffer.concat([
  Buffer.from('<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>Catalog</CmdType>\r\n<SN>17</SN>\r\n' +
    '<DeviceID>34020000001320000001</DeviceID>\r\n<SumNum>1</SumNum>\r\n<DeviceList Num="1">\r\n<Item>\r\n' +
    '<DeviceID>34020000001320000001</DeviceID>\r\n<Name>'),
  Buffer.from([0xcd, 0xa8, 0xb5, 0xc0, 0x31]),
  Buffer.from('</Name>\r\n<Manufacturer>Hikvision</Manufacturer>\r\n<Status>ON</Status>\r\n</Item>\r\n</DeviceList>\r\n</Response>\r\n'),
]);

export const hikCatalog = sipText([
  'MESSAGE sip:34020000002000000001@3402000000 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.64:5060;rport;branch=z9hG4bK398112451',
  'From: <sip:34020000001320000001@3402000000>;tag=1072906291',
  'To: <sip:34020000002000000001@3402000000>',
  'Call-ID: 1209342110',
  'CSeq: 20 MESSAGE',
  'Content-Type: Application/MANSCDP+xml',
  'Max-Forwards: 70',
  'User-Agent: IP Camera',
], catalogBody);

export const playSdp = [
  'v=0', 'o=34020000002000000001 0 0 IN IP4 192.168.1.10', 's=Play', 'c=IN IP4 192.168.1.10', 't=0 0',
  'm=video 30000 RTP/AVP 96 97 98 99', 'a=recvonly', 'a=rtpmap:96 PS/90000', 'a=rtpmap:98 H264/90000',
  'a=rtpmap:97 MPEG4/90000', 'a=rtpmap:99 H265/90000', 'y=0200000001', '',
].join('\r\n');

export const platformInvite = sipText([
  'INVITE sip:34020000001320000001@192.168.1.64:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.10:5060;rport;branch=z9hG4bK7d3b2f19c2',
  'From: <sip:34020000002000000001@3402000000>;tag=a1b2c3d4',
  'To: <sip:34020000001320000001@3402000000>',
  'Call-ID: 5f2a9c1e7b@192.168.1.10',
  'CSeq: 20 INVITE',
  'Contact: <sip:34020000002000000001@192.168.1.10:5060>',
  'Content-Type: APPLICATION/SDP',
  'Max-Forwards: 70',
  'Subject: 34020000001320000001:0200000001,34020000002000000001:0',
], playSdp);

export const hikInviteOk = sipText([
  'SIP/2.0 200 OK',
  'Via: SIP/2.0/UDP 192.168.1.10:5060;rport=5060;branch=z9hG4bK7d3b2f19c2;received=192.168.1.10',
  'From: <sip:34020000002000000001@3402000000>;tag=a1b2c3d4',
  'To: <sip:34020000001320000001@3402000000>;tag=1786437356',
  'Call-ID: 5f2a9c1e7b@192.168.1.10',
  'CSeq: 20 INVITE',
  'Contact: <sip:34020000001320000001@192.168.1.64:5060>',
  'Content-Type: application/sdp',
  'User-Agent: IP Camera',
], [
  'v=0', 'o=34020000001320000001 2256 2256 IN IP4 192.168.1.64', 's=Play', 'c=IN IP4 192.168.1.64', 't=0 0',
  'm=video 15060 RTP/AVP 96', 'a=sendonly', 'a=rtpmap:96 PS/90000', 'a=filesize:0', 'y=0200000001', 'f=', '',
].join('\r\n'));

export const platformBye = sipText([
  'BYE sip:34020000001320000001@192.168.1.64:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.10:5060;rport;branch=z9hG4bK90ab12cd34',
  'From: <sip:34020000002000000001@3402000000>;tag=a1b2c3d4',
  'To: <sip:34020000001320000001@3402000000>;tag=1786437356',
  'Call-ID: 5f2a9c1e7b@192.168.1.10',
  'CSeq: 21 BYE',
  'Max-Forwards: 70',
]);

/** Every realistic message above, for round trips and as fuzzing seeds. */
export const allFixtures: Record<string, Buffer> = {
  hikRegister, hikRegisterAuth, dahuaKeepalive, hikCatalog, platformInvite, hikInviteOk, platformBye,
};
