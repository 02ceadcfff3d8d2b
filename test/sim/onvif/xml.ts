// The simulator reads XML with the gateway's safe parser (no DTD or entities,
// bounded size and depth), names matched without their namespace prefixes.
import { localName, parseSafeXml, type XmlDocument } from '../../../gateway/xml/safe-xml.ts';

export { attribute, childElement, childList, childText, escapeXml } from '../../../gateway/xml/safe-xml.ts';
export type { XmlDocument, XmlElement, XmlNode } from '../../../gateway/xml/safe-xml.ts';

/** Requests are a few KiB; 256 KiB is the HTTP body bound too. */
export function parseSimXml(text: string, maxChars = 256 * 1024): XmlDocument {
  return parseSafeXml(text, { maxChars, maxDepth: 32, canonicalName: localName, protocolNote: 'SOAP needs no DTD or entities' });
}
