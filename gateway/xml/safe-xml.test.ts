import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childElement, childText, localName, parseSafeXml, SafeXmlError } from './safe-xml.ts';

const kind = (k: string) => (err: unknown) => err instanceof SafeXmlError && err.kind === k;

describe('parseSafeXml limits are the caller\'s', () => {
  it('refuses above maxChars and accepts a body just under it', () => {
    const body = `<a>${'x'.repeat(1000)}</a>`;
    assert.throws(() => parseSafeXml(body, { maxChars: 1000, maxDepth: 4 }), kind('too_large'));
    assert.equal(childText({ r: parseSafeXml(body, { maxChars: 2000, maxDepth: 4 }).root }, 'r'), 'x'.repeat(1000));
  });

  it('refuses nesting over maxDepth and accepts maxDepth', () => {
    const deep = (n: number) => `${'<a>'.repeat(n)}x${'</a>'.repeat(n)}`;
    assert.throws(() => parseSafeXml(deep(33), { maxChars: 1e6, maxDepth: 32 }), kind('too_deep'));
    assert.equal(parseSafeXml(deep(32), { maxChars: 1e6, maxDepth: 32 }).name, 'a');
  });

  it('refuses a DTD, naming the protocol note', () => {
    assert.throws(
      () => parseSafeXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', { maxChars: 1e6, maxDepth: 8, protocolNote: 'SOAP needs none' }),
      (err: unknown) => kind('forbidden')(err) && /SOAP needs none/.test((err as Error).message),
    );
  });

  it('matches on local names when asked, keeping namespace declarations apart', () => {
    const doc = parseSafeXml(
      '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema"><s:Body><tt:Profile token="P1"><tt:Name>main</tt:Name></tt:Profile></s:Body></s:Envelope>',
      { maxChars: 1e6, maxDepth: 32, canonicalName: localName },
    );
    assert.equal(doc.name, 'Envelope');
    const profile = childElement(childElement(doc.root, 'Body') ?? {}, 'Profile') ?? {};
    assert.equal(childText(profile, 'Name'), 'main');
    assert.equal(childText(profile, '@token'), 'P1');
    assert.equal(childText(doc.root, '@xmlns:tt'), 'http://www.onvif.org/ver10/schema');
  });
});
