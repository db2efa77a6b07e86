import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import {
  BULK_REGISTER_COLUMNS,
  bulkRegisterTemplate,
  type CheckResult,
  type CsvIssue,
  checkBulkRegisterCsv,
  columnLetter,
  decodeUpload,
  parseUploadEncoding,
} from './bulk-register.js';

const TODAY = '2026-04-01';
const HEADER = '所属部署,ユーザ名,電話番号,メールアドレス,適用開始日,適用終了日';

function check(text: string): CheckResult {
  return checkBulkRegisterCsv(text, { today: TODAY });
}

function issuesOf(result: CheckResult): CsvIssue[] {
  if (result.ok) throw new Error('expected the file to be refused');
  return result.issues;
}

/** (line, column letter, message ID) of each issue, the way the table shows them. */
function summary(result: CheckResult): [number | null, string | null, string][] {
  return issuesOf(result).map((i) => [
    i.line,
    i.column && i.column.index >= 0 ? columnLetter(i.column.index) : null,
    i.message.id,
  ]);
}

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

describe('checkBulkRegisterCsv: valid files', () => {
  it('returns the rows with defaults, NFC and trimmed text, the phone in three parts', () => {
    const result = check(
      `${HEADER}\n 営業部 ,容量 太郎,03-1234-5678,taro@example.jp,,\n開発部,容量 花子,,hanako@example.jp,2026/05/01,2027/3/31\n`,
    );
    expect(result).toEqual({
      ok: true,
      rows: [
        {
          line: 2,
          department: '営業部',
          userName: '容量 太郎',
          phone: '03-1234-5678',
          email: 'taro@example.jp',
          validFrom: '2026-04-01',
          validTo: '9999-12-31',
        },
        {
          line: 3,
          department: '開発部',
          userName: '容量 花子',
          phone: null,
          email: 'hanako@example.jp',
          validFrom: '2026-05-01',
          validTo: '2027-03-31',
        },
      ],
    });
  });

  it('takes columns in any order, without the optional ones, and ignores blank rows', () => {
    const result = check(
      'メールアドレス,ユーザ名,所属部署,電話番号\r\n\r\n,,,\r\na@example.jp,試験 一,総務部,\r\n\r\n',
    );
    expect(result.ok && result.rows).toEqual([
      {
        line: 4,
        department: '総務部',
        userName: '試験 一',
        phone: null,
        email: 'a@example.jp',
        validFrom: '2026-04-01',
        validTo: '9999-12-31',
      },
    ]);
  });

  it('keeps formula-like names as typed (D-4 allows them; the export neutralises them)', () => {
    const result = check(`${HEADER}\n=1+1,@SUM(A1),,f@example.jp,,\n`);
    expect(result.ok && result.rows[0]).toMatchObject({ department: '=1+1', userName: '@SUM(A1)' });
  });

  it('counts a quoted multi-line cell as one spreadsheet row', () => {
    const result = check(
      `${HEADER}\n"営業部",a,,a@example.jp,,\nb,"二行\n名前",,b@example.jp,,\nc,c,,c@example.jp,,\n`,
    );
    // The name with a line break is refused (a control character), on its own row 3.
    expect(summary(result)).toEqual([[3, 'B', 'error.field.text']]);
  });
});

describe('checkBulkRegisterCsv: refused files', () => {
  it('lists every problem of every row by line and column', () => {
    const result = check(
      [
        HEADER,
        ',容量 太郎,03-1234-5678,taro@example.jp,,',
        '営業部,,0312345678,not-an-address,2026/02/30,',
        '営業部,容量 三郎,03-1234-567,s@example.jp,2026/05/01,2026/04/30',
        '営業部,容量 四郎,,TARO@example.jp,,',
        '営業部,容量 五郎,,g@example.jp,,,余分',
      ].join('\n'),
    );
    expect(summary(result)).toEqual([
      [2, 'A', 'error.field.required'],
      [3, 'B', 'error.field.required'],
      [3, 'C', 'error.bulkRegist.phone'],
      [3, 'D', 'error.field.email'],
      [3, 'E', 'error.field.date'],
      [4, 'C', 'error.bulkRegist.phone'],
      [4, 'F', 'error.field.dateOrder'],
      [5, 'D', 'error.bulkRegist.duplicateEmail'],
      [6, null, 'error.bulkRegist.columnCount'],
    ]);
    const issues = issuesOf(result);
    expect(issues[0]!.message.params).toEqual({ field: '所属部署' });
    expect(issues[0]!.column!.label).toBe('所属部署');
    expect(issues[7]!.message.params).toEqual({ line: 2 });
    expect(issues[8]!.message.params).toEqual({ actual: 7, expected: 6 });
  });

  it('checks the header by name: unknown, repeated and missing columns', () => {
    const result = check('所属部署,氏名,メールアドレス,メールアドレス\n営業部,a,a@example.jp,a@example.jp\n');
    expect(summary(result)).toEqual([
      [1, 'B', 'error.bulkRegist.headerUnknown'],
      [1, 'D', 'error.bulkRegist.headerDuplicate'],
      [1, null, 'error.bulkRegist.headerMissing'],
      [1, null, 'error.bulkRegist.headerMissing'],
    ]);
    expect(issuesOf(result).map((i) => i.message.params?.name)).toEqual([
      '氏名',
      'メールアドレス',
      'ユーザ名',
      '電話番号',
    ]);
  });

  it('refuses a file with no data rows, or an empty one', () => {
    expect(summary(check(`${HEADER}\n\n`))).toEqual([[null, null, 'error.bulkRegist.noRows']]);
    expect(summary(check(''))).toEqual([[null, null, 'error.bulkRegist.noRows']]);
  });

  it('refuses more than eight data rows as a whole', () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => `営業部,利用者${i},,u${i}@example.jp,,`);
    const result = check(`${HEADER}\n${rows.join('\n')}\n`);
    expect(summary(result)).toEqual([[null, null, 'error.bulkRegist.tooManyRows']]);
    expect(issuesOf(result)[0]!.message.params).toEqual({ count: 10_000 });
    const eight = check(`${HEADER}\n${rows.slice(0, 8).join('\n')}\n`);
    expect(eight.ok && eight.rows).toHaveLength(8);
  });

  it('reports a broken quote at its row and column, without a crash', () => {
    const result = check(
      `${HEADER}\n営業部,a,,a@example.jp,,\n営業部,"b,,b@example.jp,,\nc,c,,c@example.jp,,\n`,
    );
    expect(summary(result)).toEqual([[3, 'B', 'error.bulkRegist.syntax']]);
    expect(issuesOf(result)[0]!.column!.label).toBe('ユーザ名');
    expect(summary(check(`${HEADER}\n営業部,a"x",,a@example.jp,,\n`))).toEqual([
      [2, 'B', 'error.bulkRegist.syntax'],
    ]);
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
    const result = check(text);
    expect(result.ok && result.rows).toHaveLength(1);
  });
});
