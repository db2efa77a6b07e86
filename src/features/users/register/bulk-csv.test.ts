import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { checkBulkRegisterCsv } from './bulk-check.js';
import {
  BULK_REGISTER_COLUMNS,
  bulkRegisterTemplate,
  columnLetter,
  decodeUpload,
  parseUploadEncoding,
} from './bulk-csv.js';

const HEADER = '所属部署,ユーザ名,電話番号,メールアドレス,適用開始日,適用終了日';

describe('decodeUpload', () => {
  const text = `${HEADER}\r\n営業部,髙橋 一郎,03-1234-5678,t@example.jp,,\r\n`;

  it('auto: reads UTF-8 with and without a BOM, and CP932 otherwise', () => {
    const utf8 = Buffer.from(text, 'utf8');
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    const cp932 = iconv.encode(text, 'cp932');
    for (const bytes of [utf8, bom, cp932]) expect(decodeUpload(bytes, 'auto')).toEqual({ ok: true, text });
  });

  it('explicit encodings: refuses bytes that are not valid in the chosen one', () => {
    const cp932 = iconv.encode(text, 'cp932');
    expect(decodeUpload(cp932, 'cp932')).toEqual({ ok: true, text });
    expect(decodeUpload(cp932, 'utf8')).toEqual({
      ok: false,
      error: { id: 'error.bulkRegist.encoding', params: { encoding: 'UTF-8' } },
    });
    expect(decodeUpload(Buffer.from(text, 'utf8'), 'utf8')).toEqual({ ok: true, text });
  });

  it('refuses binary junk (NUL bytes, undefined CP932 bytes) instead of guessing', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0xff, 0xfe]);
    expect(decodeUpload(png, 'auto').ok).toBe(false);
    expect(decodeUpload(Buffer.from('a,b\u0000c', 'utf8'), 'auto').ok).toBe(false);
    // 0x85 0x40 is unassigned in CP932.
    expect(decodeUpload(Buffer.from([0x41, 0x85, 0x40]), 'cp932').ok).toBe(false);
  });

  it('takes anything but utf8 and cp932 as auto', () => {
    expect(parseUploadEncoding('cp932')).toBe('cp932');
    expect(parseUploadEncoding('utf8')).toBe('utf8');
    expect(parseUploadEncoding('latin1')).toBe('auto');
    expect(parseUploadEncoding(undefined)).toBe('auto');
  });
});

describe('columnLetter', () => {
  it('names columns as a spreadsheet does', () => {
    expect([0, 1, 25, 26, 27, 701, 702].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
  });
});

describe('bulkRegisterTemplate', () => {
  it('is UTF-8 with BOM, the header row and an example row that passes the check', () => {
    const bytes = bulkRegisterTemplate();
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    const [header] = text.split('\r\n');
    expect(header).toBe(BULK_REGISTER_COLUMNS.map((c) => c.label).join(','));
    expect(header).toBe(HEADER);
    const result = checkBulkRegisterCsv(text, { today: '2026-04-01' });
    expect(result.ok && result.rows).toHaveLength(1);
  });
});
