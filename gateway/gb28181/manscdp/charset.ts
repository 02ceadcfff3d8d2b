// MANSCDP bodies arrive as UTF-8 or GB2312/GBK, and the encoding named in the
// XML prolog is often wrong: many devices declare UTF-8 and send GBK, some
// declare nothing. We honour a GB declaration, trust a UTF-8 one only when the
// bytes are valid UTF-8, and otherwise fall back to GB18030 (a superset of
// GB2312 and GBK, so it decodes whatever those devices produce).
import { isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

export type OutgoingCharset = 'UTF-8' | 'GB2312';
export type DecodeCharset = 'UTF-8' | 'GB18030';

export interface DecodeOptions {
  /** Per-device override for devices known to lie the other way (declare GB, send UTF-8). */
  force?: DecodeCharset;
}

const GB_FAMILY = /^(?:gb[-_ ]?2312(?:[-_]80)?|x-gbk|gbk|cp936|ms936|windows-936|gb[-_ ]?18030|euc-cn|x-euc-cn|csgb2312)$/i;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** The encoding declared in the prolog, read from the ASCII-compatible start of the body. */
export function declaredEncoding(buf: Buffer): string | undefined {
  const head = buf.subarray(0, 256).toString('latin1');
  const prolog = /^\s*<\?xml\s[^>]*?\?>/.exec(head);
  if (!prolog) return undefined;
  return /\sencoding\s*=\s*["']\s*([A-Za-z0-9._:-]+)\s*["']/.exec(prolog[0])?.[1];
}

/** Which decoder a body needs; exported so callers can log what was chosen. */
export function detectCharset(buf: Buffer, opts: DecodeOptions = {}): DecodeCharset {
  if (opts.force) return opts.force;
  if (buf.subarray(0, 3).equals(UTF8_BOM)) return 'UTF-8';
  const declared = declaredEncoding(buf);
  if (declared && GB_FAMILY.test(declared)) return 'GB18030';
  // Declared UTF-8, declared something we do not know, or nothing at all: the bytes decide.
  return isUtf8(buf) ? 'UTF-8' : 'GB18030';
}

export function decodeXmlBody(buf: Buffer, opts: DecodeOptions = {}): string {
  const charset = detectCharset(buf, opts);
  const bytes = buf.subarray(0, 3).equals(UTF8_BOM) ? buf.subarray(3) : buf;
  return charset === 'UTF-8' ? bytes.toString('utf8') : iconv.decode(bytes, 'gb18030');
}

/** Makes the prolog say `charset` (adding one if missing) and encodes the text to match. */
export function encodeXmlBody(xml: string, charset: OutgoingCharset): Buffer {
  const text = withProlog(xml, charset);
  // GB18030 equals GBK for every character GBK has, and still encodes the rest rather than losing them.
  return charset === 'UTF-8' ? Buffer.from(text, 'utf8') : iconv.encode(text, 'gb18030');
}

function withProlog(xml: string, charset: OutgoingCharset): string {
  // Rewriting the whole prolog is simpler than editing it: MANSCDP only ever uses version 1.0.
  const body = xml.replace(/^\uFEFF/, '').replace(/^\s*<\?xml\s[^>]*?\?>\s*/, '');
  return `<?xml version="1.0" encoding="${charset}"?>\r\n${body}`;
}
