// MANSCDP's view of the shared safe XML parser (gateway/xml/safe-xml.ts): its
// limits (64 KiB, depth 16) and its error catalogue. The tree helpers are the
// shared ones, re-exported so the library keeps its API.
import { parseSafeXml, SafeXmlError } from '../../xml/safe-xml.ts';
import type { SafeXmlErrorKind, XmlDocument } from '../../xml/safe-xml.ts';
import { ManscdpError } from './errors.ts';
import type { ManscdpErrorCode } from './errors.ts';

export { escapeXml, childList, childElement, childText, attribute } from '../../xml/safe-xml.ts';
export type { XmlNode, XmlElement, XmlDocument } from '../../xml/safe-xml.ts';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_DEPTH = 16;

export interface ParseXmlOptions {
  /** Maps tag and attribute names as sent to the names the caller looks up (for case variants). */
  canonicalName?: (name: string) => string;
  /** Elements always returned as arrays, even when there is only one. */
  arrayTags?: ReadonlySet<string>;
}

const CODES: Record<SafeXmlErrorKind, ManscdpErrorCode> = {
  too_large: 'MANSCDP_TOO_LARGE',
  forbidden: 'MANSCDP_FORBIDDEN',
  too_deep: 'MANSCDP_TOO_DEEP',
  malformed: 'MANSCDP_MALFORMED',
};

export function parseXml(input: string, opts: ParseXmlOptions = {}): XmlDocument {
  try {
    return parseSafeXml(input, { ...opts, maxChars: MAX_BODY_BYTES, maxDepth: MAX_DEPTH, protocolNote: 'MANSCDP needs no DTD or entities' });
  } catch (err) {
    if (err instanceof SafeXmlError) throw new ManscdpError(CODES[err.kind], err.message);
    throw err;
  }
}
