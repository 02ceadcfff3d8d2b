// SOAP 1.2 as ONVIF cameras speak it, device side: parse a request envelope
// (names matched without their prefixes, as senders pick their own), write an
// answer or a Fault with the namespaces real cameras declare, and the xs:
// durations and dateTimes their bodies carry.
import { childElement, escapeXml, parseSimXml, type XmlElement } from './xml.ts';

export const NS = {
  env: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wsntw: 'http://docs.oasis-open.org/wsn/bw-2',
  wstop: 'http://docs.oasis-open.org/wsn/t-1',
  wsrfrw: 'http://docs.oasis-open.org/wsrf/rw-2',
  tt: 'http://www.onvif.org/ver10/schema',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  ter: 'http://www.onvif.org/ver10/error',
  tns1: 'http://www.onvif.org/ver10/topics',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
} as const;

export interface SoapRequest {
  /** Local name of the Body's first element, e.g. `GetProfiles`. */
  operation: string;
  /** That element. */
  body: XmlElement;
  header: XmlElement;
}

/** A SOAP Fault: code `Sender`/`Receiver` (prefix optional), subcodes outermost first, e.g. `['ter:InvalidArgVal', 'ter:NoProfile']`. */
export interface SimFault {
  code?: string;
  subcode?: string | string[];
  reason?: string;
  /** HTTP status; default 400 for Sender, 500 for Receiver (SOAP 1.2 HTTP binding). */
  status?: number;
  /** XML put in the Fault's Detail as is. */
  detail?: string;
}

export class SoapParseError extends Error {}

const localName = (n: string): string => n.slice(n.indexOf(':') + 1);

export function parseSoapRequest(text: string): SoapRequest {
  const doc = parseSimXml(text);
  if (doc.name !== 'Envelope') throw new SoapParseError(`root element is ${doc.name}, not Envelope`);
  const body = childElement(doc.root, 'Body');
  const operation = body && Object.keys(body).find((k) => !k.startsWith('@') && k !== '#text');
  if (!body || !operation) throw new SoapParseError('the Body is empty');
  return { operation, body: childElement(body, operation) ?? {}, header: childElement(doc.root, 'Header') ?? {} };
}

const DECLARATIONS = Object.entries(NS)
  .filter(([p]) => p !== 'env')
  .map(([p, uri]) => ` xmlns:${p === 'wsrfrw' ? 'wsrf-rw' : p}="${uri}"`)
  .join('');

/** A whole answer envelope; `prefix` is the envelope's own (gSOAP cameras say SOAP-ENV, others env or s). */
export function envelope(body: string, o: { prefix?: string; header?: string } = {}): string {
  const p = o.prefix ?? 'SOAP-ENV';
  const header = o.header ? `<${p}:Header>${o.header}</${p}:Header>` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${p}:Envelope xmlns:${p}="${NS.env}"${DECLARATIONS}>${header}<${p}:Body>${body}</${p}:Body></${p}:Envelope>`;
}

export function faultBody(f: SimFault, prefix = 'SOAP-ENV'): string {
  const qualify = (code: string) => (code.includes(':') ? code : `${prefix}:${code}`);
  const subcodes = f.subcode === undefined ? [] : Array.isArray(f.subcode) ? f.subcode : [f.subcode];
  const nested = subcodes.reduceRight(
    (inner, code) => `<${prefix}:Subcode><${prefix}:Value>${escapeXml(code)}</${prefix}:Value>${inner}</${prefix}:Subcode>`, '');
  return `<${prefix}:Fault><${prefix}:Code><${prefix}:Value>${escapeXml(qualify(f.code ?? 'Sender'))}</${prefix}:Value>${nested}</${prefix}:Code>`
    + `<${prefix}:Reason><${prefix}:Text xml:lang="en">${escapeXml(f.reason ?? 'Fault')}</${prefix}:Text></${prefix}:Reason>`
    + (f.detail ? `<${prefix}:Detail>${f.detail}</${prefix}:Detail>` : '') + `</${prefix}:Fault>`;
}

export function faultStatus(f: SimFault): number {
  return f.status ?? (localName(f.code ?? 'Sender') === 'Receiver' ? 500 : 400);
}

/** The faults the ONVIF Core and service specs name, as the simulator answers them. */
export const FAULTS = {
  notAuthorized: { code: 'Sender', subcode: 'ter:NotAuthorized', reason: 'Sender not Authorized' },
  actionNotSupported: (what: string): SimFault => ({ code: 'Receiver', subcode: ['ter:ActionNotSupported', `ter:${what}`], reason: `${what}: the device does not support this` }),
  noSuchOperation: (op: string): SimFault => ({ code: 'Receiver', subcode: 'ter:ActionNotSupported', reason: `${op} is not an operation of this service` }),
  invalidArg: (what: string, reason: string): SimFault => ({ code: 'Sender', subcode: ['ter:InvalidArgVal', `ter:${what}`], reason }),
  badRequest: (reason: string): SimFault => ({ code: 'Sender', subcode: 'ter:WellFormed', reason }),
  resourceUnknown: { code: 'Sender', subcode: 'wsrf-rw:ResourceUnknownFault', reason: 'no such subscription (expired or unsubscribed)' },
} satisfies Record<string, SimFault | ((...a: string[]) => SimFault)>;

/** `2026-12-07T10:55:00Z`: cameras write whole seconds. */
export function xsdDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** xs:duration → ms (years 365 days, months 30); undefined when not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  return ((((y * 365 + mo * 30 + d) * 24 + h) * 60 + mi) * 60 + s) * 1000;
}

/** A termination time as WS-BaseNotification allows it: a duration from now or an absolute dateTime on the device's clock. Returns device-clock ms. */
export function parseTermination(text: string, deviceNow: number): number | undefined {
  const rel = parseDuration(text);
  if (rel !== undefined) return deviceNow + rel;
  const abs = Date.parse(text.trim());
  return Number.isNaN(abs) ? undefined : abs;
}

export { escapeXml };
