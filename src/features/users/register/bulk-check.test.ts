import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { message } from '../../../lib/messages.js';
import { type CheckResult, type CsvIssue, checkBulkRegisterCsv } from './bulk-check.js';
import { columnLetter, UPLOAD_LIMITS } from './bulk-csv.js';
import { BulkRegisterFormPage } from './bulk-views.js';

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
    const rows = Array.from({ length: 150 }, (_, i) => `営業部,利用者${i},,u${i}@example.jp,,`);
    const result = check(`${HEADER}\n${rows.join('\n')}\n`);
    expect(summary(result)).toEqual([[null, null, 'error.bulkRegist.tooManyRows']]);
    expect(issuesOf(result)[0]!.message.params).toEqual({ count: 150 });
    expect(summary(check(`${HEADER}\n${rows.slice(0, 9).join('\n')}\n`))).toEqual([
      [null, null, 'error.bulkRegist.tooManyRows'],
    ]);
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

describe('checkBulkRegisterCsv: the bounds of D-20, before parsing', () => {
  const ROW = (i: number) => `営業部,利用者${i},,u${i}@example.jp,,`;
  /** A valid file of `lines` physical lines: the header, two rows, blank lines. */
  const withLines = (lines: number, end = '\n') =>
    `${[HEADER, ROW(1), ROW(2), ...Array(lines - 3).fill('')].join(end)}${end}`;

  function refusal(result: CheckResult) {
    if (result.ok) throw new Error('expected the file to be refused');
    expect(result.issues).toEqual([]);
    return result.fileError;
  }

  it('has the limits the upload page and docs/bulk-register.md state', () => {
    expect(UPLOAD_LIMITS).toEqual({
      maxLines: 200,
      maxLineChars: 500,
      maxSeparatorsPerLine: 200,
      maxColumns: 20,
      maxListedIssues: 100,
    });
  });

  it('refuses more than 200 physical lines, blank ones included, whatever ends them', () => {
    for (const end of ['\n', '\r\n', '\r']) {
      const within = check(withLines(200, end));
      expect(within.ok && within.rows.map((r) => r.line), JSON.stringify(end)).toEqual([2, 3]);
      // A line end at the very end of the file starts no line; without it, still 200.
      expect(check(withLines(200, end).slice(0, -end.length)).ok).toBe(true);
      expect(refusal(check(withLines(201, end)))).toEqual({
        id: 'error.bulkRegist.tooManyLines',
        params: { limit: '200' },
      });
      expect(refusal(check(`${HEADER}${end}${end.repeat(500_000)}`))?.id).toBe(
        'error.bulkRegist.tooManyLines',
      );
    }
    expect(message('error.bulkRegist.tooManyLines', { limit: '200' })).toBe(
      'CSVファイルの行数が上限（200行）を超えています。空行を含めて200行以内にしてください。',
    );
  });

  it('refuses a line of more than 500 characters, naming it', () => {
    const padded = (length: number) => ROW(1) + ' '.repeat(length - ROW(1).length);
    const within = check(`${HEADER}\n${padded(500)}\n`);
    expect(within.ok && within.rows).toHaveLength(1);
    expect(refusal(check(`${HEADER}\n${ROW(2)}\n${padded(501)}\n`))).toEqual({
      id: 'error.bulkRegist.lineTooLong',
      params: { line: '3', limit: '500' },
    });
    // Characters, not bytes: a line of 500 with 480 kanji (1,458 bytes) is read and checked.
    const kanji = (n: number) => `"${'営'.repeat(n)}",a,,k@example.jp,,`;
    expect(kanji(480)).toHaveLength(500);
    expect(summary(check(`${HEADER}\n${kanji(480)}\n`))).toEqual([[2, 'A', 'error.field.text']]);
    expect(refusal(check(`${HEADER}\n${kanji(481)}\n`))?.id).toBe('error.bulkRegist.lineTooLong');
    expect(refusal(check(`${HEADER}\n"${'あ'.repeat(340_000)}"\n`))).toEqual({
      id: 'error.bulkRegist.lineTooLong',
      params: { line: '2', limit: '500' },
    });
    expect(message('error.bulkRegist.lineTooLong', { line: '3', limit: '500' })).toBe(
      'CSVファイルの3行目が長すぎます（1行500文字まで）。',
    );
  });

  it('refuses more than 20 columns: over 200 commas at the pre-scan, over 20 cells when parsed', () => {
    const manyCommas = refusal(check(','.repeat(1_000_000)));
    expect(manyCommas).toEqual({ id: 'error.bulkRegist.tooManyColumns', params: { line: '1', limit: '20' } });
    expect(refusal(check(`${HEADER}${','.repeat(1_000_000)}`))).toEqual(manyCommas);
    expect(refusal(check(`${HEADER}\n${ROW(1)}\n${','.repeat(201)}\n`))?.params).toEqual({
      line: '3',
      limit: '20',
    });
    // 21 cells, found by csv-parse: in the header, and in a data row (its spreadsheet row).
    expect(refusal(check(`${HEADER}${',x'.repeat(15)}\n${ROW(1)}\n`))?.params).toEqual({
      line: '1',
      limit: '20',
    });
    expect(refusal(check(`${HEADER}\n${ROW(1)}\n\n${ROW(2)}${',x'.repeat(15)}\n`))?.params).toEqual({
      line: '4',
      limit: '20',
    });
    expect(message('error.bulkRegist.tooManyColumns', { line: '1', limit: '20' })).toBe(
      'CSVファイルの1行目の列数が上限（20列）を超えています。',
    );
  });

  it('does not count quoted commas as columns: 200 commas in a line pass the pre-scan', () => {
    // 20 cells are within the limit: the row is checked, and refused for its cell count.
    expect(summary(check(`${HEADER}\n${ROW(1)}${',x'.repeat(14)}\n`))).toEqual([
      [2, null, 'error.bulkRegist.columnCount'],
    ]);
    const quoted = `"${','.repeat(95)}",容量 一郎,,a@example.jp,,\n"${','.repeat(50)}","${','.repeat(50)}",,b@example.jp,,`;
    expect(quoted.split('\n').map((l) => l.split(',').length - 1)).toEqual([100, 105]);
    expect(summary(check(`${HEADER}\n${quoted}\n`))).toEqual([[2, 'A', 'error.field.text']]);
    const line200 = `"${','.repeat(195)}",a,,c@example.jp,,`;
    expect(summary(check(`${HEADER}\n${line200}\n`))).toEqual([[2, 'A', 'error.field.text']]);
  });

  it('stops at the first limit it reaches, in the order of the file', () => {
    const longAt3 = `${HEADER}\n${ROW(1)}\n${'x'.repeat(501)}\n${'\n'.repeat(500)}`;
    expect(refusal(check(longAt3))?.id).toBe('error.bulkRegist.lineTooLong');
    const longAt250 = `${HEADER}\n${'\n'.repeat(248)}${'x'.repeat(5000)}\n`;
    expect(refusal(check(longAt250))?.id).toBe('error.bulkRegist.tooManyLines');
  });

  it('bounds a broken quote: the record stops at 1,500 bytes and is reported as the syntax error it is', () => {
    const rest = Array.from({ length: 150 }, (_, i) => `営業部,利用者${i},,u${i}@example.jp,,`).join('\n');
    const result = check(`${HEADER}\n${ROW(1)}\n営業部,"壊れた,,b@example.jp,,\n${rest}\n`);
    expect(summary(result)).toEqual([[3, 'B', 'error.bulkRegist.syntax']]);
  });

  it('lists at most 100 problems and says how many more there were', () => {
    // With the real limits a file cannot have more than 48 problems (8 rows of 6 cells);
    // wider limits let a header of 150 unknown names through: 150 + 4 missing columns.
    const header = Array.from({ length: 150 }, (_, i) => `列${i}`).join(',');
    const result = checkBulkRegisterCsv(`${header}\n`, {
      today: TODAY,
      limits: { maxColumns: 200, maxLineChars: 2000 },
    });
    if (result.ok) throw new Error('expected the file to be refused');
    expect(result.issues).toHaveLength(100);
    expect(result.omitted).toBe(54);
    expect(result.issues[99]!.message.params).toEqual({ name: '列99' });
    const few = checkBulkRegisterCsv(`${HEADER}\n,,,,,x\n,,,,,y\n`, {
      today: TODAY,
      limits: { maxListedIssues: 3 },
    });
    expect(few.ok === false && [few.issues.length, few.omitted]).toEqual([3, 5]);
    const all = check(`${HEADER}\n,,,,,x\n,,,,,y\n`);
    expect(all.ok === false && [all.issues.length, all.omitted]).toEqual([8, 0]);
  });

  it('shows the first problems in the table, a closing line for the rest, and their total', () => {
    const issues: CsvIssue[] = Array.from({ length: 100 }, (_, i) => ({
      line: i + 2,
      column: { index: 0, label: '所属部署' },
      message: { id: 'error.field.required', params: { field: '所属部署' } },
    }));
    const formPage = (omitted?: number) =>
      render(
        BulkRegisterFormPage({
          page: { auth: null, csrfToken: 'csrf' },
          formId: 'form',
          encoding: 'auto',
          issues,
          omitted,
        }),
      );
    const html = formPage(54);
    expect(html.match(/<tr data-line=/g)).toHaveLength(100);
    expect(html).toContain('ほかに54件の誤りがあります（表示は最初の100件までです）。');
    expect(html).toContain('error.bulkRegist.issuesOmitted');
    expect(html).toContain('CSVファイルに誤りがあるため、登録しませんでした（154件）。');
    expect(html).toContain('空行を含めて200行まで、1行500文字まで、20列までです。');
    expect(formPage()).not.toContain('error.bulkRegist.issuesOmitted');
  });

  it('checks the costliest files within the limits quickly (CPU time, not wall time)', () => {
    const { maxLines, maxLineChars: width } = UPLOAD_LIMITS;
    const fill = (line: string) => {
      expect(line.length).toBe(width);
      return `${HEADER}\n${`${line}\n`.repeat(maxLines - 1)}`;
    };
    const cell = 'x'.repeat(width / 20 - 1);
    const costly: [string, string][] = [
      ['blank lines', `${HEADER}\n${'\n'.repeat(maxLines - 1)}`],
      ['lines of spaces', fill(' '.repeat(width))],
      ['lines of 20 cells', fill(`${`${cell},`.repeat(19)}${cell}x`)],
      ['quoted kanji', fill(`"${'あ'.repeat(width - 7)}",,,,,`)],
      ['one quoted kanji cell', fill(`"${'あ'.repeat(width - 2)}"`)],
      ['quoted commas', fill(`"${','.repeat(190)}${'x'.repeat(width - 197)}",,,,,`)],
    ];
    check(costly[0]![1]);
    for (const [name, text] of costly) {
      const before = process.cpuUsage();
      const result = check(text);
      const { user, system } = process.cpuUsage(before);
      if (process.env.UPLOAD_BOUNDS_REPORT) process.stdout.write(`${name}: ${(user + system) / 1000} ms\n`);
      expect(result.ok, name).toBe(false);
      expect((user + system) / 1000, name).toBeLessThan(100);
    }
  });
});
