// Safe parsing of untrusted XML into a small tree of strings. Every body comes
// from a device we do not control, so before fast-xml-parser sees it we refuse
// what MANSCDP never needs and attackers love: DTDs and entities (billion
// laughs, XXE), processing instructions, huge bodies and deep nesting. Values
// stay strings: 20-digit device ids do not survive a trip through a number.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ManscdpError } from './errors.ts';

export const MAX_BODY_BYTES = 64 * 1024;
export const MAX_DEPTH = 16;

/** Attributes are keyed `@Name`, text mixed with child elements `#text`. */
export type XmlNode = string | XmlElement;
export interface XmlElement {
  [name: string]: XmlNode | XmlNode[];
}

export interface XmlDocument {
  name: string;
  root: XmlElement;
}

export interface ParseXmlOptions {
  /** Maps tag and attribute names as sent to the names the caller looks up (for case variants). */
  canonicalName?: (name: string) => string;
  /** Elements always returned as arrays, even when there is only one. */
  arrayTags?: ReadonlySet<string>;
}

const PROLOG = /^<\?xml\s[^<>]*?\?>/;
const COMMENT_OR_CDATA = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g;
const TAG = /<(\/?)[A-Za-z_:][^\s/>]*(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(\/?)>/g;
const BUILT_IN: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(input: string, opts: ParseXmlOptions = {}): XmlDocument {
  if (input.length > MAX_BODY_BYTES) throw new ManscdpError('MANSCDP_TOO_LARGE', `the XML body is over ${MAX_BODY_BYTES} characters`);
  // Devices pad bodies with NULs or start them with a BOM and blank lines; none of that is content.
  const text = input.replace(/^[\uFEFF\s]+/, '').replace(/[\0\s]+$/, '');
  refuseForbidden(text);
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new ManscdpError('MANSCDP_MALFORMED', `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  checkDepth(text);
  const canonical = opts.canonicalName ?? ((n: string) => n);
  const arrays = opts.arrayTags ?? new Set<string>();
  const parser = new XMLParser({
    ignoreAttributes: false,
    textNodeName: '#text',
    cdataPropName: '#cdata',
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false, // we decode the five built-ins and numeric references ourselves
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: true,
    maxNestedTags: MAX_DEPTH + 1,
    transformTagName: canonical,
    // Called with the prefixed name ('@num'); keep the prefix whatever the parser version does.
    transformAttributeName: (n) => `@${canonical(n.replace(/^@/, ''))}`,
    attributeNamePrefix: '',
    isArray: (name, _path, _leaf, isAttribute) => !isAttribute && arrays.has(name),
  });
  let parsed: unknown;
  try {
    parsed = parser.parse(text);
  } catch (err) {
    throw new ManscdpError('MANSCDP_MALFORMED', `not well-formed XML: ${(err as Error).message}`);
  }
  const top = Object.entries(parsed as Record<string, unknown>);
  const [name, value] = top[0] ?? [];
  if (top.length !== 1 || name === undefined) throw new ManscdpError('MANSCDP_MALFORMED', 'the XML body has no single root element');
  const root = convert(Array.isArray(value) ? value[0] : value);
  return { name, root: typeof root === 'string' ? (root === '' ? {} : { '#text': root }) : root };
}

function refuseForbidden(text: string): void {
  const decl = /<!(?!--|\[CDATA\[)(\w*)/.exec(text);
  if (decl) throw new ManscdpError('MANSCDP_FORBIDDEN', `markup declarations are not accepted (<!${decl[1] ?? ''}); MANSCDP needs no DTD or entities`);
  const prolog = PROLOG.exec(text);
  if (text.indexOf('<?', prolog ? prolog[0].length : 0) !== -1) {
    throw new ManscdpError('MANSCDP_FORBIDDEN', 'processing instructions other than the XML declaration are not accepted');
  }
}

function checkDepth(text: string): void {
  let depth = 0;
  for (const m of text.replace(COMMENT_OR_CDATA, '').matchAll(TAG)) {
    if (m[1]) depth--;
    else if (!m[2] && ++depth > MAX_DEPTH) throw new ManscdpError('MANSCDP_TOO_DEEP', `elements are nested deeper than ${MAX_DEPTH} levels`);
  }
}

function convert(value: unknown): XmlNode {
  if (typeof value === 'string') return decodeEntities(value);
  if (value === null || typeof value !== 'object') return value === undefined ? '' : String(value);
  const out: XmlElement = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === '#cdata') continue; // merged into the text below, verbatim
    if (key === '__proto__') throw new ManscdpError('MANSCDP_MALFORMED', 'reserved element name __proto__');
    out[key] = Array.isArray(v) ? v.map(convert) : convert(v);
  }
  const cdata = (value as Record<string, unknown>)['#cdata'];
  if (cdata !== undefined) {
    const pieces = (Array.isArray(cdata) ? cdata : [cdata]).map(String).join('');
    const text = typeof out['#text'] === 'string' ? out['#text'] : '';
    if (Object.keys(out).length === (text ? 1 : 0)) return text + pieces;
    out['#text'] = text + pieces;
  }
  return out;
}

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z][\w.-]*);/g, (_m, ref: string) => {
    if (!ref.startsWith('#')) {
      const ch = BUILT_IN[ref];
      if (ch === undefined) throw new ManscdpError('MANSCDP_MALFORMED', `undeclared entity &${ref};`);
      return ch;
    }
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (!isXmlChar(code)) throw new ManscdpError('MANSCDP_MALFORMED', `character reference &${ref}; is not an XML character`);
    return String.fromCodePoint(code);
  });
}

const isXmlChar = (code: number): boolean =>
  code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) ||
  (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);

/** Escapes text for element content and attribute values; drops characters XML 1.0 cannot carry. */
export function escapeXml(value: string): string {
  // Code units outside the plain ranges (controls, surrogates) take the slow, per-code-point path.
  const clean = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/.test(value)
    ? [...value].filter((ch) => isXmlChar(ch.codePointAt(0) ?? 0)).join('')
    : value;
  return clean.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

// Lookups on a parsed tree. Repeated elements come back as arrays; the
// single-value helpers take the first, as devices that repeat a field mean one.

export function childList(el: XmlElement, name: string): XmlNode[] {
  const v = Object.hasOwn(el, name) ? el[name] : undefined;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

export function childElement(el: XmlElement, name: string): XmlElement | undefined {
  const first = childList(el, name)[0];
  return first === undefined ? undefined : typeof first === 'string' ? (first === '' ? {} : { '#text': first }) : first;
}

/** Trimmed text of the first `name` child; undefined when absent or empty. */
export function childText(el: XmlElement, name: string): string | undefined {
  const first = childList(el, name)[0];
  const text = typeof first === 'string' ? first : first && typeof first['#text'] === 'string' ? first['#text'] : undefined;
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

export function attribute(el: XmlElement, name: string): string | undefined {
  return childText(el, `@${name}`);
}
