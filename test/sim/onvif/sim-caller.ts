// A bare SOAP caller for the simulator's own tests (and a reference for what
// the simulator expects): builds an envelope, signs it with a UsernameToken
// or answers an HTTP digest challenge, and returns the answer parsed.
import { randomBytes } from 'node:crypto';
import { digestAuthorization, parseDigestParams } from '../../../gateway/gb28181/sip/index.ts';
import { parseSimXml, type XmlDocument } from './xml.ts';
import { NS, xsdDateTime } from './soap.ts';
import { passwordDigest } from './wsse.ts';

export interface CallOptions {
  username?: string;
  password?: string;
  /** Our guess of the camera clock minus ours, added to Created. */
  skewMs?: number;
  /** Fixed token parts (replay tests). */
  nonce?: Buffer;
  created?: string;
  /** Answer a 401 challenge with HTTP digest instead of (or besides) the token. */
  digest?: boolean;
  wsse?: boolean;
}

export interface CallResult {
  status: number;
  text: string;
  headers: Headers;
  doc?: XmlDocument;
}

export function usernameToken(username: string, password: string, skewMs = 0, nonce: Buffer = randomBytes(16), created = xsdDateTime(Date.now() + skewMs)): string {
  return `<wsse:Security xmlns:wsse="${NS.wsse}" xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"><wsse:UsernameToken>`
    + `<wsse:Username>${username}</wsse:Username><wsse:Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${passwordDigest(nonce, created, password)}</wsse:Password>`
    + `<wsse:Nonce EncodingType="http://docs.oasis-open.org/wss/2004/01/oasis-200401-soap-message-security-1.0#Base64Binary">${nonce.toString('base64')}</wsse:Nonce>`
    + `<wsu:Created>${created}</wsu:Created></wsse:UsernameToken></wsse:Security>`;
}

export async function callSoap(url: string, bodyXml: string, o: CallOptions = {}): Promise<CallResult> {
  const header = o.username !== undefined && o.password !== undefined && o.wsse !== false
    ? `<s:Header>${usernameToken(o.username, o.password, o.skewMs, o.nonce, o.created)}</s:Header>` : '';
  const envelope = `<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="${NS.env}" xmlns:tds="${NS.tds}" xmlns:trt="${NS.trt}" xmlns:tptz="${NS.tptz}" `
    + `xmlns:tev="${NS.tev}" xmlns:tt="${NS.tt}" xmlns:wsnt="${NS.wsnt}">${header}<s:Body>${bodyXml}</s:Body></s:Envelope>`;
  const post = (authorization?: string) => fetch(url, {
    method: 'POST', body: envelope, headers: { 'Content-Type': 'application/soap+xml; charset=utf-8', ...(authorization ? { Authorization: authorization } : {}) },
  });
  let res = await post();
  const challenge = res.headers.get('www-authenticate');
  if (res.status === 401 && o.digest && challenge && o.username !== undefined && o.password !== undefined) {
    await res.arrayBuffer();
    const p = parseDigestParams(challenge);
    res = await post(digestAuthorization({
      username: o.username, password: o.password, realm: p.get('realm') ?? '', nonce: p.get('nonce') ?? '', uri: new URL(url).pathname, method: 'POST', qop: p.get('qop'),
    }));
  }
  const text = await res.text();
  let doc: XmlDocument | undefined;
  try {
    doc = parseSimXml(text);
  } catch {
    doc = undefined; // the tests of hostile answers look at the text
  }
  return { status: res.status, text, headers: res.headers, doc };
}
