// SOAP 1.2 envelopes for ONVIF requests. Every namespace prefix the operation
// bodies use is declared once on the Envelope.
import { randomUUID } from 'node:crypto';
import { escapeXml } from '../../xml/safe-xml.ts';

export const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  a: 'http://www.w3.org/2005/08/addressing',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  tt: 'http://www.onvif.org/ver10/schema',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
} as const;

const DECLARATIONS = Object.entries(NS)
  .map(([prefix, uri]) => `xmlns:${prefix}="${uri}"`)
  .join(' ');

export interface EnvelopeParts {
  /** Inner XML of s:Body, using the prefixes of NS. */
  body: string;
  /** A ready `<wsse:Security>` element, or none for unauthenticated calls. */
  security?: string;
  /** WS-Addressing headers, for calls on a subscription (PullMessages, Renew, Unsubscribe). */
  addressing?: { to: string; action: string; referenceParameters?: string };
}

export function envelope(parts: EnvelopeParts): string {
  const headers = [parts.security ?? ''];
  if (parts.addressing) {
    const { to, action, referenceParameters } = parts.addressing;
    headers.push(
      `<a:MessageID>urn:uuid:${randomUUID()}</a:MessageID>`,
      `<a:To s:mustUnderstand="1">${escapeXml(to)}</a:To>`,
      `<a:Action s:mustUnderstand="1">${escapeXml(action)}</a:Action>`,
      referenceParameters ?? '',
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?><s:Envelope ${DECLARATIONS}><s:Header>${headers.join('')}</s:Header><s:Body>${parts.body}</s:Body></s:Envelope>`;
}
