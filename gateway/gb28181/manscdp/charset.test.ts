import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import iconv from 'iconv-lite';
import { declaredEncoding, decodeXmlBody, detectCharset, encodeXmlBody } from './charset.ts';

const body = (decl: string, text = '大门摄像机') => `<?xml version="1.0"${decl}?>\r\n<Notify><Name>${text}</Name></Notify>`;

describe('decodeXmlBody', () => {
  it('honours a GB2312, GBK or GB18030 declaration', () => {
    for (const name of ['GB2312', 'gb2312', 'GBK', 'GB18030', 'gb_2312-80']) {
      const xml = body(` encoding="${name}"`);
      assert.equal(declaredEncoding(iconv.encode(xml, 'gb2312')), name);
      assert.equal(decodeXmlBody(iconv.encode(xml, 'gb2312')), xml);
    }
  });

  it('decodes UTF-8, declared or not, and strips a BOM', () => {
    const declared = body(' encoding="UTF-8"');
    assert.equal(decodeXmlBody(Buffer.from(declared)), declared);
    const bare = body('');
    assert.equal(decodeXmlBody(Buffer.from(bare)), bare);
    assert.equal(decodeXmlBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(bare)])), bare);
  });

  it('falls back to GB18030 when the bytes are not UTF-8: a false UTF-8 declaration, none, or an unknown one', () => {
    for (const decl of [' encoding="UTF-8"', " encoding='utf-8'", '', ' encoding="x-unknown"']) {
      const xml = body(decl);
      const bytes = iconv.encode(xml, 'gb2312');
      assert.equal(detectCharset(bytes), 'GB18030');
      assert.equal(decodeXmlBody(bytes), xml);
    }
  });

  it('without a prolog at all', () => {
    const xml = '<Notify><Name>通道一</Name></Notify>';
    assert.equal(decodeXmlBody(iconv.encode(xml, 'gbk')), xml);
    assert.equal(decodeXmlBody(Buffer.from(xml)), xml);
  });

  it('lets a per-device override win', () => {
    const xml = body(' encoding="GB2312"');
    assert.equal(decodeXmlBody(Buffer.from(xml), { force: 'UTF-8' }), xml);
  });
});

describe('encodeXmlBody', () => {
  it('writes a prolog matching the bytes, replacing or adding one', () => {
    const xml = '<?xml version="1.0" encoding="UTF-8"?>\r\n<Notify><Name>东门</Name></Notify>\r\n';
    const gb = encodeXmlBody(xml, 'GB2312');
    assert.equal(declaredEncoding(gb), 'GB2312');
    assert.deepEqual(gb.subarray(gb.indexOf('<Name>') + 6, gb.indexOf('</Name>')), Buffer.from([0xb6, 0xab, 0xc3, 0xc5]));
    assert.equal(decodeXmlBody(gb), xml.replace('UTF-8', 'GB2312'));
    const utf = encodeXmlBody('<Notify><Name>东门</Name></Notify>', 'UTF-8');
    assert.equal(utf.toString(), '<?xml version="1.0" encoding="UTF-8"?>\r\n<Notify><Name>东门</Name></Notify>');
  });
});
