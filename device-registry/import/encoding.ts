// The bytes of an uploaded CSV → text. UTF-8 unless the request says
// otherwise; a file that is not UTF-8 but reads as GB18030 (a Chinese Excel's
// "CSV" is GBK) is read as GB18030 and the report says so, since a person
// who picked the wrong option should not have to know about headers.
import { coded } from '../errors.ts';
import { say } from '../messages.ts';

export type CsvCharset = 'utf-8' | 'gb18030';

export interface DecodedCsv {
  text: string;
  /** What the file was read as. */
  charset: CsvCharset;
  /** Set when that is not what the request declared (or implied); its code in the message catalogue beside it. */
  detected?: string;
  detectedCode?: string;
}

const SUPPORTED: Record<string, CsvCharset> = { 'utf-8': 'utf-8', utf8: 'utf-8', gb18030: 'gb18030', gbk: 'gb18030', gb2312: 'gb18030' };

/** The text, or undefined when the bytes are not valid in that charset. */
function tryDecode(body: Buffer, charset: CsvCharset): string | undefined {
  try {
    // GBK and GB2312 are subsets of GB18030: decoding as GB18030 reads all three.
    return new TextDecoder(charset, { fatal: true }).decode(body).replace(/^\uFEFF/, ''); // Excel writes a BOM
  } catch {
    return undefined;
  }
}

export function decodeCsv(body: Buffer, declared: string | undefined): DecodedCsv {
  const asked = SUPPORTED[(declared ?? 'utf-8').toLowerCase()];
  if (!asked) throw coded('GW_ERR_BAD_ENCODING', say('charset_unsupported', { charset: String(declared) }), 'charset');
  const text = tryDecode(body, asked);
  if (text !== undefined) return { text, charset: asked };
  if (asked === 'utf-8') {
    const gb = tryDecode(body, 'gb18030');
    if (gb !== undefined) {
      const note = say('csv_read_as_gb18030');
      return { text: gb, charset: 'gb18030', detected: note.message, detectedCode: note.code };
    }
  }
  throw coded('GW_ERR_BAD_ENCODING', say(asked === 'utf-8' ? 'csv_neither_encoding' : 'csv_not_gb18030'), 'body');
}
