import { PassThrough, pipeline, Readable, Transform } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { stringify } from 'csv-stringify';
import iconv from 'iconv-lite';
import { compactJapanDateTime } from '../../lib/japan-time.js';
import type { User } from './model.js';
import { userDetailRows } from './presenters.js';

/** SPEC §4.3 and the manual's ※CSV出力時の制限事項: at most 12,000 rows a file. */
export const CSV_MAX_ROWS = 12_000;

export type CsvEncoding = 'utf8' | 'cp932';

export const CSV_ENCODINGS: { value: CsvEncoding; label: string }[] = [
  { value: 'utf8', label: 'UTF-8' },
  { value: 'cp932', label: 'Shift_JIS(CP932)' },
];

export function parseCsvEncoding(value: unknown): CsvEncoding {
  return value === 'cp932' ? 'cp932' : 'utf8';
}

/** SPEC D-10: the header row is the Japanese labels of §3, in the detail screen's order. */
export function csvHeader(): string[] {
  return userDetailRows(PLACEHOLDER_USER, '').map(([label]) => label);
}

/**
 * A blank user: userDetailRows is the one place that names and orders the fields of §3,
 * so the header takes its labels from there rather than repeating them.
 */
const PLACEHOLDER_USER: User = {
  userId: '',
  operatorCode: '',
  role: 'general',
  department: '',
  userName: '',
  phone: null,
  email: '',
  enabled: true,
  validFrom: '',
  validTo: '',
  locked: false,
  failedLoginCount: 0,
  deleted: false,
  deletedAt: null,
  passwordIsTemporary: false,
  temporaryPasswordExpiresAt: null,
  version: 0,
  createdAt: '',
  updatedAt: '',
};

/**
 * SPEC D-10 (OWASP "CSV Injection"): a spreadsheet reads a cell starting with = + - @,
 * tab or CR as a formula; a leading single quote makes it plain text.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

/** One data row: the same values the detail screen shows, neutralised. */
export function csvRecord(user: User, operatorName: string): string[] {
  return userDetailRows(user, operatorName).map(([, value]) => neutraliseFormula(value));
}

/** True when CP932 represents the text exactly (iconv-lite writes `?` for what it cannot). */
export function isCp932Encodable(text: string): boolean {
  return iconv.decode(iconv.encode(text, 'cp932'), 'cp932') === text;
}

/** The first cell CP932 cannot represent: the user and the column, for the message. */
export function findUnencodableCell(
  user: User,
  operatorName: string,
): { userId: string; column: string } | undefined {
  for (const [label, value] of userDetailRows(user, operatorName)) {
    if (!isCp932Encodable(value)) return { userId: user.userId, column: label };
  }
  return undefined;
}

/**
 * UTF-8 bytes from csv-stringify to CP932 bytes. A StringDecoder keeps a character split
 * across chunks whole; CP932 has no shift state, so chunks encode independently.
 */
function cp932Encoder(): Transform {
  const decoder = new StringDecoder('utf8');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      callback(null, iconv.encode(decoder.write(chunk), 'cp932'));
    },
    flush(callback) {
      callback(null, iconv.encode(decoder.end(), 'cp932'));
    },
  });
}

/** Raised while streaming when a row turns out to be unencodable or over the limit. */
export class CsvExportAborted extends Error {}

/** SPEC D-10: `ユーザ情報一覧_yyyyMMddHHmmss.csv`, Japan time. */
export function csvFileName(now: Date): string {
  return `ユーザ情報一覧_${compactJapanDateTime(now)}.csv`;
}

/**
 * RFC 6266 / RFC 5987: `filename*` carries the Japanese name in UTF-8, and `filename`
 * an ASCII fallback for clients that do not read `filename*`. Also used by the bulk
 * registration's template download (SPEC §4.12).
 */
export function attachmentDisposition(fileName: string, asciiFallback: string): string {
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${asciiFallback}"; filename*=UTF-8''${encoded}`;
}

/** The export's header: `ユーザ情報一覧_yyyyMMddHHmmss.csv`, ASCII fallback `users_….csv`. */
export function contentDisposition(now: Date): string {
  return attachmentDisposition(csvFileName(now), `users_${compactJapanDateTime(now)}.csv`);
}

/**
 * The file as a byte stream: header row, then one row per user as the batches arrive,
 * through csv-stringify and (for CP932) iconv-lite, so memory stays bounded by a batch.
 * UTF-8 starts with a BOM so that spreadsheet software detects the encoding.
 * With CP932 each row is checked again while streaming: the data may have changed
 * since the pre-check, and a `?` must never replace a character; the stream fails
 * instead (the client sees an incomplete download, never a silently altered file).
 */
export function csvStream(
  batches: AsyncIterable<User[]>,
  options: {
    operatorName: string;
    encoding: CsvEncoding;
    onDone?: (rows: number, error?: Error) => Promise<void>;
  },
): Readable {
  const { operatorName, encoding } = options;
  async function* records(): AsyncGenerator<string[]> {
    yield csvHeader();
    let rows = 0;
    try {
      for await (const batch of batches) {
        for (const user of batch) {
          rows += 1;
          if (rows > CSV_MAX_ROWS) throw new CsvExportAborted('row limit exceeded while streaming');
          if (encoding === 'cp932' && findUnencodableCell(user, operatorName)) {
            throw new CsvExportAborted(`unencodable value for ${user.userId} while streaming`);
          }
          yield csvRecord(user, operatorName);
        }
      }
    } catch (error) {
      await options.onDone?.(rows, error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    await options.onDone?.(rows);
  }
  const stringifier = stringify({ bom: encoding === 'utf8', record_delimiter: 'windows' });
  const out = new PassThrough();
  // The pipeline destroys every stage on failure; `out` then ends the reply with the error.
  const done = () => {};
  if (encoding === 'cp932') {
    pipeline(Readable.from(records()), stringifier, cp932Encoder(), out, done);
  } else {
    pipeline(Readable.from(records()), stringifier, out, done);
  }
  return out;
}
