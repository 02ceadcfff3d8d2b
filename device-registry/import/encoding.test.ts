// CSV bytes → text: UTF-8 as asked, GBK read as GB18030 when it is not UTF-8
// (and said so), and a message that names the option when neither reads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { GwError } from '../errors.ts';
import { decodeCsv } from './encoding.ts';

const CSV = 'id,name,tags\ncam-1,东门广场-01,广场;人流\n';

test('UTF-8 with or without a BOM, as declared or by default', () => {
  assert.deepEqual(decodeCsv(Buffer.from(CSV), undefined), { text: CSV, charset: 'utf-8' });
  assert.deepEqual(decodeCsv(Buffer.from(`\uFEFF${CSV}`), 'UTF-8'), { text: CSV, charset: 'utf-8' });
});

test('a GBK file sent as UTF-8 (or with no charset) is read as GB18030 and the answer says so', () => {
  const gbk = iconv.encode(CSV, 'gbk');
  for (const declared of [undefined, 'utf-8']) {
    const d = decodeCsv(gbk, declared);
    assert.equal(d.text, CSV);
    assert.equal(d.charset, 'gb18030');
    assert.match(d.detected ?? '', /not UTF-8.*GB18030/);
    assert.equal(d.detectedCode, 'csv_read_as_gb18030', 'the note has its code for the wall');
  }
  assert.deepEqual(decodeCsv(gbk, 'gbk'), { text: CSV, charset: 'gb18030' }, 'declared: nothing to say');
});

test('neither UTF-8 nor GB18030: one message naming what to pick; an unknown charset names the field', () => {
  const garbage = Buffer.from([0x69, 0x64, 0x0a, 0xff, 0xfe, 0x0a]);
  assert.throws(() => decodeCsv(garbage, 'utf-8'), (e: unknown) => e instanceof GwError && e.code === 'GW_ERR_BAD_ENCODING' && /CSV UTF-8/.test(e.message) && e.field === 'body');
  assert.throws(() => decodeCsv(garbage, 'gb18030'), (e: unknown) => e instanceof GwError && /choose UTF-8/.test(e.message));
  assert.throws(() => decodeCsv(Buffer.from(CSV), 'koi8-r'), (e: unknown) => e instanceof GwError && e.field === 'charset');
  const codeOf = (declared: string) => {
    try {
      decodeCsv(garbage, declared);
    } catch (e) {
      return (e as GwError).toBody().messageCode;
    }
  };
  assert.deepEqual([codeOf('utf-8'), codeOf('gb18030'), codeOf('koi8-r')], ['csv_neither_encoding', 'csv_not_gb18030', 'charset_unsupported']);
});
