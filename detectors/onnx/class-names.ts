// Class names as exporters store them in `metadata_props.names`: a Python dict
// literal (`{0: 'person', 1: "it's"}`, str(dict) of the model's names), or
// from other tools a JSON array or object. Anything else is an error, since a
// wrong label list silently mislabels every detection.

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', a: '\x07', '0': '\0', '\\': '\\', "'": "'", '"': '"', '/': '/', '\n': '' };

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  fail(expected: string): never {
    const near = JSON.stringify(this.text.slice(Math.max(0, this.pos - 10), this.pos + 20));
    const found = this.pos < this.text.length ? `"${this.text[this.pos]}"` : 'the end';
    throw new Error(`class names: expected ${expected} at character ${this.pos}, found ${found} (near ${near})`);
  }

  ws(): void {
    while (/\s/.test(this.text[this.pos] ?? '')) this.pos++;
  }

  /** Consumes `ch` (after whitespace) if it is next. */
  eat(ch: string): boolean {
    this.ws();
    if (this.text[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  expect(ch: string): void {
    if (!this.eat(ch)) this.fail(`"${ch}"`);
  }

  string(): string {
    this.ws();
    const quote = this.text[this.pos];
    if (quote !== "'" && quote !== '"') this.fail('a quoted string');
    this.pos++;
    let out = '';
    for (;;) {
      const ch = this.text[this.pos++];
      if (ch === undefined) this.fail(`closing ${quote}`);
      if (ch === quote) return out;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.text[this.pos++];
      if (esc === undefined) this.fail('an escaped character');
      const hexLength = esc === 'x' ? 2 : esc === 'u' ? 4 : esc === 'U' ? 8 : 0;
      if (hexLength) {
        const hex = this.text.slice(this.pos, this.pos + hexLength);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) this.fail(`${hexLength} hex digits after \\${esc}`);
        out += String.fromCodePoint(parseInt(hex, 16));
        this.pos += hexLength;
      } else out += SIMPLE_ESCAPES[esc] ?? `\\${esc}`; // Python keeps unknown escapes as written
    }
  }

  /** A class index: digits, or digits in quotes as JSON object keys are. */
  index(): number {
    this.ws();
    const quoted = this.text[this.pos] === '"' || this.text[this.pos] === "'";
    const raw = quoted ? this.string() : (/^\d+/.exec(this.text.slice(this.pos))?.[0] ?? '');
    if (!/^\d+$/.test(raw.trim())) this.fail('a class index (a non-negative integer)');
    if (!quoted) this.pos += raw.length;
    return Number(raw.trim());
  }

  /** Items separated by commas up to `close`, a trailing comma allowed. */
  list(close: string, item: () => void): void {
    while (!this.eat(close)) {
      item();
      if (this.eat(close)) return;
      this.expect(',');
    }
  }
}

/** Class names in index order from `{0: 'person', …}`, `["person", …]` or `{"0": "person", …}`. */
export function parseClassNames(text: string): string[] {
  const c: Cursor = new Cursor(text); // annotated so c.fail() narrows as `never`
  let names: string[];
  if (c.eat('[')) {
    names = [];
    c.list(']', () => names.push(c.string()));
  } else if (c.eat('{')) {
    const byIndex = new Map<number, string>();
    c.list('}', () => {
      const at = c.pos;
      const index = c.index();
      if (byIndex.has(index)) throw new Error(`class names: index ${index} appears twice (character ${at})`);
      c.expect(':');
      byIndex.set(index, c.string());
    });
    names = Array.from({ length: byIndex.size }, (_, i) => {
      const name = byIndex.get(i);
      if (name === undefined) throw new Error(`class names: indices must run 0..${byIndex.size - 1} without gaps; ${i} is missing`);
      return name;
    });
  } else c.fail('"{" (a Python dict or JSON object) or "[" (a JSON array)');
  c.ws();
  if (c.pos < text.length) c.fail('the end of the class names');
  if (names.length === 0) throw new Error('class names: the list is empty');
  return names;
}
