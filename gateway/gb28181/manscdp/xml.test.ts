import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManscdpError } from './errors.ts';
import { parseManscdp } from './parse.ts';
import { escapeXml, MAX_BODY_BYTES, parseXml } from './xml.ts';

const code = (c: string) => (err: unknown) => err instanceof ManscdpError && err.code === c;
const keepalive = (inner = '') => `<Notify><CmdType>Keepalive</CmdType><SN>1</SN><DeviceID>34020000001320000001</DeviceID>${inner}</Notify>`;

/** Runs `fn`, which must throw a ManscdpError with `c`, within `ms`. */
function rejectsQuickly(fn: () => unknown, c: string, ms = 200): void {
  const started = performance.now();
  assert.throws(fn, code(c));
  assert.ok(performance.now() - started < ms, `took ${performance.now() - started} ms`);
}

describe('parseXml against hostile input', () => {
  it('refuses billion laughs before expanding anything', () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
${keepalive('<Status>&lol9;</Status>')}`;
    rejectsQuickly(() => parseManscdp(Buffer.from(lol)), 'MANSCDP_FORBIDDEN');
  });

  it('refuses external entities and parameter entities', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE Notify [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${keepalive('<Status>&xxe;</Status>')}`;
    rejectsQuickly(() => parseManscdp(xxe), 'MANSCDP_FORBIDDEN');
    rejectsQuickly(() => parseManscdp(`<!doctype Notify SYSTEM "http://attacker/x.dtd">${keepalive()}`), 'MANSCDP_FORBIDDEN');
    rejectsQuickly(() => parseManscdp(`<!ENTITY % p SYSTEM "http://attacker/">${keepalive()}`), 'MANSCDP_FORBIDDEN');
  });

  it('refuses processing instructions other than the declaration', () => {
    rejectsQuickly(() => parseManscdp(`<?xml version="1.0"?><?xml-stylesheet href="x"?>${keepalive()}`), 'MANSCDP_FORBIDDEN');
    rejectsQuickly(() => parseManscdp(keepalive('<?php echo 1 ?>')), 'MANSCDP_FORBIDDEN');
    assert.equal(parseManscdp(`\r\n<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n${keepalive()}`).sn, 1);
  });

  it('refuses deep nesting, in a small body and in a large one', () => {
    const deep = (n: number) => keepalive(`${'<Info>'.repeat(n)}x${'</Info>'.repeat(n)}`);
    rejectsQuickly(() => parseManscdp(deep(20)), 'MANSCDP_TOO_DEEP');
    rejectsQuickly(() => parseManscdp(deep(4000)), 'MANSCDP_TOO_DEEP');
    rejectsQuickly(() => parseManscdp(Buffer.from(deep(100_000))), 'MANSCDP_TOO_LARGE');
    assert.equal(parseManscdp(deep(10)).deviceId, '34020000001320000001');
  });

  it('refuses a 1 MB body, as bytes and as text', () => {
    const big = keepalive(`<Status>${'A'.repeat(1024 * 1024)}</Status>`);
    rejectsQuickly(() => parseManscdp(Buffer.from(big)), 'MANSCDP_TOO_LARGE');
    rejectsQuickly(() => parseManscdp(big), 'MANSCDP_TOO_LARGE');
    assert.throws(() => parseXml('x'.repeat(MAX_BODY_BYTES + 1)), code('MANSCDP_TOO_LARGE'));
  });

  it('parses a full-size body of many small items quickly', () => {
    const item = '<Item><DeviceID>34020000001310000001</DeviceID><Name>cam</Name><Status>ON</Status></Item>';
    const n = Math.floor((MAX_BODY_BYTES - 400) / item.length);
    const xml = `<Response><CmdType>Catalog</CmdType><SN>1</SN><DeviceID>1</DeviceID><SumNum>${n}</SumNum><DeviceList Num="${n}">${item.repeat(n)}</DeviceList></Response>`;
    const started = performance.now();
    const msg = parseManscdp(xml);
    assert.ok(performance.now() - started < 500);
    assert.equal((msg.fields['DeviceList'] as { Item: unknown[] }).Item.length, n);
  });

  it('refuses what is not well-formed', () => {
    for (const bad of ['', 'garbage', '<Notify>', '<Notify><SN>1</Notify>', '<a></b>', '<a>1</a><b>2</b>', '<a x="1" x="2"/>', '\u0000\u0001\u0002']) {
      assert.throws(() => parseXml(bad), (e) => e instanceof ManscdpError, JSON.stringify(bad));
    }
  });

  it('refuses names that would pollute prototypes', () => {
    assert.throws(() => parseManscdp(keepalive('<__proto__><polluted>1</polluted></__proto__>')), code('MANSCDP_MALFORMED'));
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  });
});

describe('parseXml values', () => {
  it('decodes the built-in entities and character references, and refuses others', () => {
    const doc = parseXml('<a><b>&lt;&gt;&amp;&quot;&apos; &#20013;&#x6587; &#x1F600;</b><c v="&amp;&#65;"/></a>');
    assert.equal(doc.root['b'], `<>&"' 中文 😀`);
    assert.deepEqual(doc.root['c'], { '@v': '&A' });
    assert.throws(() => parseXml('<a>&nbsp;</a>'), code('MANSCDP_MALFORMED'));
    assert.throws(() => parseXml('<a>&#0;</a>'), code('MANSCDP_MALFORMED'));
    assert.throws(() => parseXml('<a>&#xD800;</a>'), code('MANSCDP_MALFORMED'));
  });

  it('keeps every value a string and CDATA verbatim', () => {
    const doc = parseXml('<a><n>00012</n><big>34020000001320000001</big><f>1e5</f><t>true</t><c><![CDATA[x &amp; <y>]]></c></a>');
    assert.deepEqual(doc.root, { n: '00012', big: '34020000001320000001', f: '1e5', t: 'true', c: 'x &amp; <y>' });
  });

  it('escapeXml escapes markup and drops what XML cannot carry', () => {
    assert.equal(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
    assert.equal(escapeXml('x\u0000\u0007y\uD800z 😀\t'), 'xyz 😀\t');
    assert.equal(parseXml(`<a>${escapeXml('<Name>&amp;</Name>')}</a>`).root['#text'], '<Name>&amp;</Name>');
  });
});
