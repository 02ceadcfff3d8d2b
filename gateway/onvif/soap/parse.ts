// Reading SOAP answers: the shared safe XML parser with ONVIF's bounds (a
// 4-channel NVR's GetProfiles is ~60 KB), names matched on local names
// (cameras pick their own prefixes), SOAP 1.2 and 1.1 faults read into
// OnvifError. Fault reasons are the camera's words, cut short.
import { childElement, childList, childText, localName, parseSafeXml, SafeXmlError } from '../../xml/safe-xml.ts';
import type { XmlElement, XmlNode } from '../../xml/safe-xml.ts';
import { OnvifError } from '../types.ts';
import type { OnvifFault } from '../types.ts';

export const MAX_SOAP_CHARS = 1024 * 1024;
export const MAX_SOAP_DEPTH = 32;

/** Elements that repeat in ONVIF answers, always read as arrays. */
const ARRAY_TAGS = new Set(['Profiles', 'Service', 'Preset', 'NotificationMessage', 'SimpleItem', 'ElementItem', 'Subcode', 'Text', 'ProbeMatch', 'Scopes']);

export function parseOnvifXml(text: string, where: string): { name: string; root: XmlElement } {
  try {
    return parseSafeXml(text, { maxChars: MAX_SOAP_CHARS, maxDepth: MAX_SOAP_DEPTH, canonicalName: localName, arrayTags: ARRAY_TAGS, protocolNote: 'ONVIF needs no DTD or entities' });
  } catch (err) {
    if (err instanceof SafeXmlError) throw new OnvifError('malformed', `${where}: ${err.message}`);
    throw err;
  }
}

/** The Body of a SOAP envelope; 'malformed' when the answer is not one. */
export function soapBody(text: string, where: string): XmlElement {
  const doc = parseOnvifXml(text, where);
  const body = doc.name === 'Envelope' ? childElement(doc.root, 'Body') : undefined;
  if (!body) throw new OnvifError('malformed', `${where}: the answer is not a SOAP envelope`);
  return body;
}

const NOT_AUTHORIZED = /NotAuthorized|FailedAuthentication|InvalidSecurity|Unauthorized|not\s*authori[sz]ed/i;

/** The fault in a Body, or undefined. */
export function readFault(body: XmlElement): OnvifFault | undefined {
  const fault = childElement(body, 'Fault');
  if (!fault) return undefined;
  const code = childElement(fault, 'Code');
  if (code) {
    // SOAP 1.2: Code/Value, nested Subcode/Value (the innermost is the most specific), Reason/Text.
    const subcodes: string[] = [];
    for (let sub = childElement(code, 'Subcode'); sub; sub = childElement(sub, 'Subcode')) {
      const v = childText(sub, 'Value');
      if (v) subcodes.push(v);
    }
    const reason = childElement(fault, 'Reason');
    return clean({ code: childText(code, 'Value'), subcode: subcodes.at(-1), reason: reason ? firstText(childList(reason, 'Text')) : undefined }, subcodes);
  }
  // SOAP 1.1: faultcode / faultstring.
  return clean({ code: childText(fault, 'faultcode'), reason: childText(fault, 'faultstring') }, []);
}

function firstText(nodes: XmlNode[]): string | undefined {
  for (const n of nodes) {
    const t = typeof n === 'string' ? n : typeof n['#text'] === 'string' ? n['#text'] : undefined;
    if (t?.trim()) return t.trim();
  }
  return undefined;
}

const allSubcodes = new WeakMap<OnvifFault, string[]>();

function clean(f: OnvifFault, subcodes: string[]): OnvifFault {
  const out: OnvifFault = {};
  if (f.code) out.code = f.code;
  if (f.subcode) out.subcode = f.subcode;
  if (f.reason) out.reason = f.reason.length > 200 ? `${f.reason.slice(0, 200)}…` : f.reason;
  allSubcodes.set(out, subcodes);
  return out;
}

/** A fault as an OnvifError: 'auth' when any subcode (or, lacking one, the reason) says not authorized. */
export function faultError(fault: OnvifFault, where: string): OnvifError {
  const subcodes = allSubcodes.get(fault) ?? [];
  const auth = subcodes.some((s) => NOT_AUTHORIZED.test(s)) || NOT_AUTHORIZED.test(fault.code ?? '') || (subcodes.length === 0 && NOT_AUTHORIZED.test(fault.reason ?? ''));
  const said = [fault.subcode ?? fault.code, fault.reason].filter(Boolean).join(': ');
  return new OnvifError(auth ? 'auth' : 'fault', `${where}: SOAP fault${said ? ` ${said}` : ''}`, fault);
}
