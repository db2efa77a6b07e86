import { describe, expect, it } from 'vitest';
import {
  CSV_MAX_ROWS,
  contentDisposition,
  csvFileName,
  csvHeader,
  csvStream,
  isCp932Encodable,
  neutraliseFormula,
} from './csv.js';
import type { User } from './model.js';

function user(i: number, values: Partial<User> = {}): User {
  return {
    userId: `U${String(i).padStart(9, '0')}`,
    operatorCode: '0001',
    role: 'general',
    department: '試験部',
    userName: `利用者${i}`,
    phone: null,
    email: `u${i}@example.jp`,
    enabled: true,
    validFrom: '2020-01-01',
    validTo: '9999-12-31',
    locked: false,
    failedLoginCount: 0,
    deleted: false,
    deletedAt: null,
    passwordIsTemporary: false,
    temporaryPasswordExpiresAt: null,
    version: 1,
    createdAt: '2026-04-01T00:00:00.000Z',
    updatedAt: '2026-04-01T00:00:00.000Z',
    ...values,
  };
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
    expect(lines[0]).toBe(csvHeader().join(','));
    expect(lines).toHaveLength(7);
    expect(lines[1]).toBe(
      'U000000000,登録作業者(一般),0001,株式会社0001,試験部,利用者0,,u0@example.jp,有効,2020/01/01,9999/12/31,利用可能,未削除',
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
    await expect(collect(csvStream(batches(), { operatorName: 'x', encoding: 'utf8' }))).rejects.toThrow(
      /limit/,
    );
  });
});
