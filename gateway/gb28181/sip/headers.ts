// Ordered, case-insensitive SIP header list. Compact forms (v, f, t, i, …) are
// stored under their full names so lookups never need to know which was sent.

const COMPACT: Record<string, string> = {
  i: 'Call-ID', m: 'Contact', e: 'Content-Encoding', l: 'Content-Length', c: 'Content-Type',
  f: 'From', s: 'Subject', k: 'Supported', t: 'To', v: 'Via', o: 'Event', u: 'Allow-Events',
  r: 'Refer-To', b: 'Referred-By', x: 'Session-Expires',
};

// Spelling used when we write a header whose name we know.
const CANONICAL = new Map(
  [
    'Call-ID', 'CSeq', 'WWW-Authenticate', 'Proxy-Authenticate', 'Proxy-Authorization', 'Authorization',
    'Max-Forwards', 'Content-Length', 'Content-Type', 'Content-Encoding', 'Record-Route', 'User-Agent',
    'Allow-Events', 'Min-Expires', 'Retry-After', 'Session-Expires', 'Refer-To', 'Referred-By',
    'Subscription-State', 'MIME-Version', 'Proxy-Require', 'Error-Info', 'Alert-Info', 'Call-Info',
    'Accept-Encoding', 'Accept-Language', 'Content-Disposition', 'Content-Language', 'Reply-To',
    'In-Reply-To', 'Authentication-Info', 'Via', 'From', 'To', 'Contact', 'Subject', 'Supported', 'Event',
    'Expires', 'Date', 'Route', 'Allow', 'Require', 'Unsupported', 'Accept', 'Server', 'Warning',
  ].map((n) => [n.toLowerCase(), n]),
);

// Headers whose grammar is a comma-separated list: one line may hold several values.
// Others (Date, WWW-Authenticate, Authorization, …) contain commas inside one value.
const LIST_HEADERS = new Set([
  'via', 'route', 'record-route', 'contact', 'allow', 'supported', 'require', 'proxy-require',
  'unsupported', 'accept', 'accept-encoding', 'accept-language', 'allow-events', 'content-encoding',
]);

/** Full header name for a compact or differently-cased one ("v" → "Via", "call-id" → "Call-ID"). */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  const full = lower.length === 1 ? COMPACT[lower] : undefined;
  return full ?? CANONICAL.get(lower) ?? name;
}

/** Splits a list header value on commas outside quoted strings and <…>. */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depth++;
    else if (ch === '>' && depth > 0) depth--;
    else if (ch === ',' && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v !== '');
}

interface Entry {
  name: string;
  key: string;
  value: string;
}

export type HeaderInit = SipHeaders | Iterable<readonly [string, string | number]> | Record<string, string | number>;

export class SipHeaders implements Iterable<[string, string]> {
  private entries: Entry[] = [];

  constructor(init?: HeaderInit) {
    if (!init) return;
    const pairs = Symbol.iterator in init ? init : Object.entries(init);
    for (const [name, value] of pairs as Iterable<readonly [string, string | number]>) this.append(name, value);
  }

  get size(): number {
    return this.entries.length;
  }

  has(name: string): boolean {
    const key = keyOf(name);
    return this.entries.some((e) => e.key === key);
  }

  /** First value of the header (the first line as sent, unsplit). */
  get(name: string): string | undefined {
    const key = keyOf(name);
    return this.entries.find((e) => e.key === key)?.value;
  }

  /** Every value in order; list headers (Via, Contact, Route, …) are split on their commas. */
  getAll(name: string): string[] {
    const key = keyOf(name);
    const lines = this.entries.filter((e) => e.key === key).map((e) => e.value);
    return LIST_HEADERS.has(key) ? lines.flatMap(splitHeaderList) : lines;
  }

  /** Replaces every line of this header by one, kept where the first one was. */
  set(name: string, value: string | number): this {
    const key = keyOf(name);
    const at = this.entries.findIndex((e) => e.key === key);
    if (at < 0) return this.append(name, value);
    this.entries[at] = { name: canonicalName(name), key, value: String(value) };
    this.entries = this.entries.filter((e, i) => i <= at || e.key !== key);
    return this;
  }

  append(name: string, value: string | number): this {
    this.entries.push({ name: canonicalName(name), key: keyOf(name), value: String(value) });
    return this;
  }

  /** Adds a line before all others (a proxy or client pushing its Via on top). */
  prepend(name: string, value: string | number): this {
    this.entries.unshift({ name: canonicalName(name), key: keyOf(name), value: String(value) });
    return this;
  }

  delete(name: string): boolean {
    const key = keyOf(name);
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.key !== key);
    return this.entries.length !== before;
  }

  /** Number of lines with this name (unsplit); used to refuse duplicated singletons. */
  count(name: string): number {
    const key = keyOf(name);
    return this.entries.reduce((n, e) => n + (e.key === key ? 1 : 0), 0);
  }

  clone(): SipHeaders {
    const copy = new SipHeaders();
    copy.entries = this.entries.map((e) => ({ ...e }));
    return copy;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const e of this.entries) yield [e.name, e.value];
  }
}

function keyOf(name: string): string {
  return canonicalName(name).toLowerCase();
}
