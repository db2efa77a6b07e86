import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { neutraliseFormula } from '../../../lib/csv.js';
import { blankUser } from '../model.js';
import type { UserWithFactor } from '../repository.js';
import {
  CSV_MAX_ROWS,
  contentDisposition,
  csvFileName,
  csvHeader,
  csvLine,
  csvRecord,
  csvStream,
  encodeCp932,
  encodeCp932File,
  encodedStream,
  findUnencodableCell,
  isCp932Encodable,
} from './csv.js';

function user(i: number, values: Partial<UserWithFactor> = {}): UserWithFactor {
  const { secondFactor = false, ...rest } = values;
  const made = blankUser({
    userId: `U${String(i).padStart(9, '0')}`,
    operatorCode: '0001',
    department: '試験部',
    userName: `利用者${i}`,
    email: `u${i}@example.jp`,
    validFrom: '2020-01-01',
    validTo: '9999-12-31',
    version: 1,
    createdAt: '2026-04-01T00:00:00.000Z',
    updatedAt: '2026-04-01T00:00:00.000Z',
    ...rest,
  });
  return { ...made, secondFactor };
}

async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}

describe('neutraliseFormula', () => {
  it('prefixes a quote to cells starting with = + - @ tab or CR, and nothing else', () => {
    for (const cell of ['=1+1', '+81', '-5', '@SUM(A1)', '\tx', '\rx']) {
      expect(neutraliseFormula(cell)).toBe(`'${cell}`);
    }
    for (const cell of ['', '03-1234-5678', 'a=b', '事業者 太郎']) expect(neutraliseFormula(cell)).toBe(cell);
  });
});

describe('isCp932Encodable', () => {
  it('accepts 髙 (IBM extension), NEC specials and ordinary text', () => {
    expect(isCp932Encodable('髙橋')).toBe(true);
    expect(isCp932Encodable('①㈱～')).toBe(true);
    expect(isCp932Encodable('総合エネルギー事業部 ABC 123')).toBe(true);
  });
  it('refuses what CP932 lacks instead of letting it become ?', () => {
    expect(isCp932Encodable('𠮷野')).toBe(false);
    expect(isCp932Encodable('😀')).toBe(false);
    expect(isCp932Encodable('〜')).toBe(false);
  });
});

/** The definition the tables precompute: iconv-lite writes `?` for what CP932 lacks. */
const roundTrips = (text: string) => iconv.decode(iconv.encode(text, 'cp932'), 'cp932') === text;

describe('the CP932 tables', () => {
  it('agree with the iconv-lite round trip on every UTF-16 code unit', () => {
    const disagree: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      if (isCp932Encodable(ch) !== roundTrips(ch)) disagree.push(c.toString(16));
    }
    expect(disagree).toEqual([]);
  });
  it('encode every writable character to iconv-lite’s bytes, and refuse the rest', () => {
    const differ: string[] = [];
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      const bytes = encodeCp932(ch);
      const expected = roundTrips(ch) ? iconv.encode(ch, 'cp932') : undefined;
      if (bytes === undefined ? expected !== undefined : !expected?.equals(bytes))
        differ.push(c.toString(16));
    }
    expect(differ).toEqual([]);
  });
  it('encode a mixed text like iconv-lite, and refuse it for one character outside CP932', () => {
    const text = 'ユーザID,髙橋 ①郎,需給部～,ｶﾀｶﾅ,"a""b",\\,\r\n'.repeat(50);
    expect(encodeCp932(text)?.equals(iconv.encode(text, 'cp932'))).toBe(true);
    for (const bad of ['𠮷', '😀', '〜', '¥', '\ud800', '\udc00x'])
      expect(encodeCp932(`${text}${bad}`)).toBeUndefined();
    expect(isCp932Encodable('a𠮷')).toBe(false);
  });
});

describe('csvLine', () => {
  it('writes a record exactly as csv-stringify does with CRLF', () => {
    const cell = fc.string({ maxLength: 8, unit: fc.constantFrom(...'a髙 ,"\r\n\'=-@\t') });
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (cells) => {
        expect(csvLine(cells)).toBe(stringify([cells], { record_delimiter: 'windows' }));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('findUnencodableCell', () => {
  it('names the first column CP932 cannot write, in the detail screen’s order', () => {
    expect(findUnencodableCell(user(1, { userName: '髙橋', department: '①' }), '株式会社')).toBeUndefined();
    expect(findUnencodableCell(user(1, { userName: '𠮷野', email: 'x😀@example.jp' }), 'x')).toEqual({
      userId: 'U000000001',
      column: 'ユーザ名',
    });
    expect(findUnencodableCell(user(1), '〜商事')).toEqual({
      userId: 'U000000001',
      column: '参加登録申請者名',
    });
  });
});

describe('file name', () => {
  it('is ユーザ情報一覧_yyyyMMddHHmmss.csv in Japan time', () => {
    expect(csvFileName(new Date('2026-12-31T15:04:05Z'))).toBe('ユーザ情報一覧_20270101000405.csv');
  });
  it('sends an ASCII fallback and the RFC 5987 UTF-8 name', () => {
    expect(contentDisposition(new Date('2026-04-01T01:00:00Z'))).toBe(
      `attachment; filename="users_20260401100000.csv"; filename*=UTF-8''${encodeURIComponent('ユーザ情報一覧_20260401100000.csv')}`,
    );
  });
});

describe('csvStream', () => {
  it('writes the header and rows as they are pulled, one batch at a time', async () => {
    let pulled = 0;
    async function* batches() {
      for (let b = 0; b < 3; b++) {
        pulled += 1;
        yield Array.from({ length: 2 }, (_, i) => user(b * 2 + i));
      }
    }
    const stream = csvStream(batches(), { operatorName: '株式会社0001', encoding: 'utf8' });
    expect(pulled).toBe(0);
    const text = (await collect(stream)).toString('utf8');
    expect(pulled).toBe(3);
    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text
      .slice(1)
      .split('\r\n')
      .filter((l) => l !== '');
    expect(lines[0]).toBe(
      'ユーザID,権限区分,事業者コード,参加登録申請者名,所属部署,ユーザ名,電話番号,メールアドレス,有効/無効,適用開始日,適用終了日,ユーザロック,削除状態,二要素認証',
    );
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe(
      'U000000000,登録作業者(一般),0001,株式会社0001,試験部,利用者0,,u0@example.jp,有効,2020/01/01,9999/12/31,利用可能,未削除,未設定',
    );
  });

  it('reports the row count when done', async () => {
    const done: [number, Error | undefined][] = [];
    async function* batches() {
      yield [user(1), user(2)];
    }
    await collect(
      csvStream(batches(), {
        operatorName: 'x',
        encoding: 'utf8',
        onDone: async (n, e) => void done.push([n, e]),
      }),
    );
    expect(done).toEqual([[2, undefined]]);
  });

  it('writes the same bytes as csv-stringify (BOM, CRLF, quoting) and iconv-lite, batch after batch', async () => {
    const odd = [
      '=1+1',
      '+81',
      '-5',
      '@A1',
      '\tx',
      '\rx',
      'a,b',
      'say "hi"',
      'two\nlines',
      'cr\r\nlf',
      '髙橋 ①郎',
      '需給部～',
      '',
    ];
    const users = Array.from({ length: 1234 }, (_, i) =>
      user(i, {
        userName: odd[i % odd.length]!,
        department: odd[(i * 5) % odd.length]!,
        phone: i % 3 === 0 ? null : odd[(i * 7) % odd.length]!,
        enabled: i % 2 === 0,
        locked: i % 5 === 0,
        deleted: i % 7 === 0,
        secondFactor: i % 3 === 1,
        role: i % 4 === 0 ? 'admin' : 'general',
      }),
    );
    async function* batches() {
      for (let i = 0; i < users.length; i += 500) yield users.slice(i, i + 500);
    }
    const operatorName = '株式会社"容量",市場';
    const records = [csvHeader(), ...users.map((u) => csvRecord(u, operatorName))];
    const utf8 = await collect(csvStream(batches(), { operatorName, encoding: 'utf8' }));
    expect(utf8.equals(Buffer.from(stringify(records, { bom: true, record_delimiter: 'windows' })))).toBe(
      true,
    );
    const cp932 = await collect(csvStream(batches(), { operatorName, encoding: 'cp932' }));
    const expected = iconv.encode(stringify(records, { record_delimiter: 'windows' }), 'cp932');
    expect(cp932.equals(expected)).toBe(true);
    // The export's CP932 path: the same file, encoded whole before it is sent.
    const file = await encodeCp932File(batches(), operatorName);
    expect(file.ok && file.rows).toBe(users.length);
    const sent = await collect(encodedStream(file as Extract<typeof file, { ok: true }>));
    expect(sent.equals(expected)).toBe(true);
  });

  it('refuses a CP932 file before encoding it whole: the cell it cannot write, or rows over the limit', async () => {
    async function* batches() {
      yield [user(1), user(2)];
      yield [user(3), user(4, { userName: '髙橋😀' }), user(5)];
    }
    expect(await encodeCp932File(batches(), 'x')).toEqual({
      ok: false,
      unencodable: { userId: 'U000000004', column: 'ユーザ名' },
    });
    async function* tooMany() {
      for (let i = 0; i <= CSV_MAX_ROWS; i += 500) yield Array.from({ length: 500 }, (_, j) => user(i + j));
    }
    expect(await encodeCp932File(tooMany(), 'x')).toEqual({ ok: false, rows: 12_500 });
  });

  it('calls back with the row count after the last byte of an encoded file', async () => {
    const done: number[] = [];
    const stream = encodedStream({ chunks: [Buffer.from('a'), Buffer.from('b')], rows: 2 }, async (n) => {
      done.push(n);
    });
    expect((await collect(stream)).toString()).toBe('ab');
    expect(done).toEqual([2]);
  });

  it('writes just the header for no rows', async () => {
    async function* none(): AsyncGenerator<UserWithFactor[]> {}
    const text = (await collect(csvStream(none(), { operatorName: 'x', encoding: 'utf8' }))).toString('utf8');
    expect(text).toBe(`\uFEFF${csvHeader().join(',')}\r\n`);
  });

  it('counts the rows up to the one CP932 cannot write when it fails the stream', async () => {
    const done: number[] = [];
    async function* batches() {
      yield [user(1), user(2, { department: '営業部😀' }), user(3)];
    }
    const stream = csvStream(batches(), {
      operatorName: 'x',
      encoding: 'cp932',
      onDone: async (n) => void done.push(n),
    });
    await expect(collect(stream)).rejects.toThrow(/unencodable value for U000000002/);
    expect(done).toEqual([2]);
  });

  it('fails the stream rather than write ? when a CP932 row turns unencodable mid-way', async () => {
    const done: [number, Error | undefined][] = [];
    async function* batches() {
      yield [user(1, { userName: '髙橋' })];
      yield [user(2, { userName: '𠮷野' })];
    }
    const stream = csvStream(batches(), {
      operatorName: 'x',
      encoding: 'cp932',
      onDone: async (n, e) => void done.push([n, e]),
    });
    await expect(collect(stream)).rejects.toThrow(/unencodable/);
    expect(done).toHaveLength(1);
    expect(done[0]![1]).toBeInstanceOf(Error);
  });

  it('stops past the 12,000-row limit even if rows appeared after the count', async () => {
    async function* batches() {
      for (let b = 0; b <= CSV_MAX_ROWS / 500; b++)
        yield Array.from({ length: 500 }, (_, i) => user(b * 500 + i));
    }
    const done: number[] = [];
    const stream = csvStream(batches(), {
      operatorName: 'x',
      encoding: 'utf8',
      onDone: async (n) => void done.push(n),
    });
    await expect(collect(stream)).rejects.toThrow(/limit/);
    expect(done).toEqual([CSV_MAX_ROWS + 1]);
  });
});
