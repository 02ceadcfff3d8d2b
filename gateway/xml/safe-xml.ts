// Safe parsing of untrusted XML into a small tree of strings, shared by the
// protocol rooms (GB28181 MANSCDP, ONVIF SOAP). Every body comes from a device
// we do not control, so before fast-xml-parser sees it we refuse what these
// protocols never need and attackers love: DTDs and entities (billion laughs,
// XXE), processing instructions, huge bodies and deep nesting. Values stay
// strings: 20-digit device ids do not survive a trip through a number.
// Limits are options; each caller maps SafeXmlError to its own catalogue.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Attributes are keyed `@Name`, text mixed with child elements `#text`. */
export type XmlNode = string | XmlElement;
export interface XmlElement {
  [name: string]: XmlNode | XmlNode[];
}

export interface XmlDocument {
  name: string;
  root: XmlElement;
}

export type SafeXmlErrorKind = 'too_large' | 'forbidden' | 'too_deep' | 'malformed';

export class SafeXmlError extends Error {
  constructor(
    readonly kind: SafeXmlErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'SafeXmlError';
  }
}

export interface SafeXmlOptions {
  /** Refused above this many characters (checked before anything else). */
  maxChars: number;
  /** Refused when elements nest deeper than this. */
  maxDepth: number;
  /** Maps tag and attribute names as sent to the names the caller looks up (case variants, namespace prefixes). */
  canonicalName?: (name: string) => string;
  /** Elements always returned as arrays, even when there is only one. */
  arrayTags?: ReadonlySet<string>;
  /** Said in the refusal of a DTD, e.g. 'MANSCDP needs no DTD or entities'. */
  protocolNote?: string;
}

const PROLOG = /^<\?xml\s[^<>]*?\?>/;
const COMMENT_OR_CDATA = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g;
const TAG = /<(\/?)[A-Za-z_:][^\s/>]*(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*(\/?)>/g;
const BUILT_IN: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** `tt:Profile` → `Profile`; namespace declarations (`xmlns:tt`) keep their name so they collide with nothing. */
export const localName = (name: string): string => (name.startsWith('xmlns') ? name : name.slice(name.indexOf(':') + 1));

export function parseSafeXml(input: string, opts: SafeXmlOptions): XmlDocument {
  if (input.length > opts.maxChars) throw new SafeXmlError('too_large', `the XML body is over ${opts.maxChars} characters`);
  // Devices pad bodies with NULs or start them with a BOM and blank lines; none of that is content.
  const text = input.replace(/^[\uFEFF\s]+/, '').replace(/[\0\s]+$/, '');
  refuseForbidden(text, opts.protocolNote ?? 'no DTD or entities are needed');
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new SafeXmlError('malformed', `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  }
  checkDepth(text, opts.maxDepth);
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
    maxNestedTags: opts.maxDepth + 1,
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
    throw new SafeXmlError('malformed', `not well-formed XML: ${(err as Error).message}`);
  }
  const top = Object.entries(parsed as Record<string, unknown>);
  const [name, value] = top[0] ?? [];
  if (top.length !== 1 || name === undefined) throw new SafeXmlError('malformed', 'the XML body has no single root element');
  const root = convert(Array.isArray(value) ? value[0] : value);
  return { name, root: typeof root === 'string' ? (root === '' ? {} : { '#text': root }) : root };
}

function refuseForbidden(text: string, note: string): void {
  const decl = /<!(?!--|\[CDATA\[)(\w*)/.exec(text);
  if (decl) throw new SafeXmlError('forbidden', `markup declarations are not accepted (<!${decl[1] ?? ''}); ${note}`);
  const prolog = PROLOG.exec(text);
  if (text.indexOf('<?', prolog ? prolog[0].length : 0) !== -1) {
    throw new SafeXmlError('forbidden', 'processing instructions other than the XML declaration are not accepted');
  }
}

function checkDepth(text: string, maxDepth: number): void {
  let depth = 0;
  for (const m of text.replace(COMMENT_OR_CDATA, '').matchAll(TAG)) {
    if (m[1]) depth--;
    else if (!m[2] && ++depth > maxDepth) throw new SafeXmlError('too_deep', `elements are nested deeper than ${maxDepth} levels`);
  }
}

function convert(value: unknown): XmlNode {
  if (typeof value === 'string') return decodeEntities(value);
  if (value === null || typeof value !== 'object') return value === undefined ? '' : String(value);
  const out: XmlElement = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === '#cdata') continue; // merged into the text below, verbatim
    if (key === '__proto__') throw new SafeXmlError('malformed', 'reserved element name __proto__');
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
      if (ch === undefined) throw new SafeXmlError('malformed', `undeclared entity &${ref};`);
      return ch;
    }
    const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
    if (!isXmlChar(code)) throw new SafeXmlError('malformed', `character reference &${ref}; is not an XML character`);
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
