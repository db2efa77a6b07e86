import { PassThrough, pipeline, Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { attachmentDisposition, neutraliseFormula } from '../../../lib/csv.js';
import { compactJapanDateTime } from '../../../lib/japan-time.js';
import { blankUser } from '../model.js';
import { userDetailRowsWithFactor } from '../presenters.js';
import type { UserWithFactor } from '../repository.js';

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

/**
 * The cells of a user, label and value: the fields of §3 in the detail screen's order,
 * then (SPEC D-22, beyond the manual) whether the user has a second factor, last, so the
 * manual's columns before it stay as they were.
 */
function csvCells(user: UserWithFactor, operatorName: string): [string, string][] {
  return userDetailRowsWithFactor(user, operatorName, user.secondFactor);
}

/** SPEC D-10: the header row is the Japanese labels of §3, in the detail screen's order. */
export function csvHeader(): string[] {
  return csvCells(PLACEHOLDER_USER, '').map(([label]) => label);
}

/**
 * A blank user: userDetailRows is the one place that names and orders the fields of §3,
 * so the header takes its labels from there rather than repeating them.
 */
const PLACEHOLDER_USER: UserWithFactor = { ...blankUser(), secondFactor: false };

/** One data row: the same values the detail screen shows, neutralised. */
export function csvRecord(user: UserWithFactor, operatorName: string): string[] {
  return csvCells(user, operatorName).map(([, value]) => neutraliseFormula(value));
}

/**
 * A field as csv-stringify writes it with this export's options (delimiter `,`, quote and
 * escape `"`, record delimiter CRLF, quote_record_delimiter left at its default, which is
 * false once a record delimiter is given): quoted, with quotes doubled, when it holds `,`,
 * `"` or CRLF; otherwise as it is, a lone LF or CR included (input validation keeps control
 * characters out of every field). csv.test.ts checks it against csv-stringify.
 */
function csvField(value: string): string {
  return /[,"]|\r\n/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A record with its CRLF. */
export function csvLine(cells: readonly string[]): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvField(cells[i]!);
  return `${line}\r\n`;
}

/** The definition: CP932 represents the text exactly (iconv-lite writes `?` for what it cannot). */
function cp932RoundTrips(text: string): boolean {
  return iconv.decode(iconv.encode(text, 'cp932'), 'cp932') === text;
}

/** CP932 by UTF-16 code unit: 1 in `unwritable` when CP932 lacks it, else its code in `code`. */
interface Cp932Tables {
  unwritable: Uint8Array;
  /** The one-byte code, or lead byte × 256 + trail byte. */
  code: Uint16Array;
}

let cp932: Cp932Tables | undefined;

/** CP932's lead bytes: a byte in these ranges starts a two-byte code. */
function isLeadByte(b: number): boolean {
  return (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc);
}

/**
 * iconv-lite's CP932, precomputed for every UTF-16 code unit, so that a batch is checked
 * and encoded in one pass. Built on first use from a single encode and decode of every BMP
 * character: CP932 has no shift state and iconv-lite writes one byte sequence per character
 * (`?` for one it lacks), so the bytes and the decoded text line up with the input
 * character by character; were they ever not to, each character is taken alone. A unit is
 * writable when it round-trips (cp932RoundTrips); surrogates are not: CP932 has nothing
 * outside the BMP, and a lone surrogate is not text. csv.test.ts checks every entry against
 * iconv-lite.
 */
function cp932Tables(): Cp932Tables {
  if (cp932) return cp932;
  const unwritable = new Uint8Array(0x10000).fill(1);
  const code = new Uint16Array(0x10000);
  const units: number[] = [];
  for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) units.push(c);
  const all = Buffer.from(Uint16Array.from(units).buffer).toString('utf16le');
  const bytes = iconv.encode(all, 'cp932');
  const back = iconv.decode(bytes, 'cp932');
  // Walk the bytes one character at a time: a lead byte starts a two-byte code.
  let n = 0;
  let p = 0;
  for (; n < units.length && p < bytes.length; n++) {
    const lead = bytes[p]!;
    const two = isLeadByte(lead) && p + 1 < bytes.length;
    code[units[n]!] = two ? (lead << 8) | bytes[p + 1]! : lead;
    p += two ? 2 : 1;
  }
  const aligned = n === units.length && p === bytes.length && back.length === all.length;
  for (let i = 0; i < units.length; i++) {
    const c = units[i]!;
    if (aligned) {
      if (back.charCodeAt(i) === c) unwritable[c] = 0;
    } else {
      const one = String.fromCharCode(c);
      const b = iconv.encode(one, 'cp932');
      if (b.length <= 2 && cp932RoundTrips(one)) {
        unwritable[c] = 0;
        code[c] = b.length === 2 ? (b[0]! << 8) | b[1]! : b[0]!;
      }
    }
  }
  cp932 = { unwritable, code };
  return cp932;
}

/**
 * True when CP932 represents the text exactly, so that iconv-lite writes no `?` for it:
 * one table lookup per UTF-16 code unit.
 */
export function isCp932Encodable(text: string): boolean {
  const { unwritable } = cp932Tables();
  for (let i = 0; i < text.length; i++) if (unwritable[text.charCodeAt(i)] === 1) return false;
  return true;
}

/**
 * The text in CP932, the bytes iconv-lite writes, or undefined when CP932 cannot represent
 * it (where iconv-lite would write `?`): the check and the encoding in one pass.
 */
export function encodeCp932(text: string): Buffer | undefined {
  const { unwritable, code } = cp932Tables();
  const out = Buffer.allocUnsafe(text.length * 2);
  let p = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (unwritable[c] === 1) return undefined;
    const b = code[c]!;
    if (b > 0xff) {
      out[p++] = b >> 8;
      out[p++] = b & 0xff;
    } else {
      out[p++] = b;
    }
  }
  return out.subarray(0, p);
}

/** The first cell CP932 cannot represent: the user and the column, for the message. */
export function findUnencodableCell(
  user: UserWithFactor,
  operatorName: string,
): { userId: string; column: string } | undefined {
  const { unwritable } = cp932Tables();
  for (const [label, value] of csvCells(user, operatorName)) {
    for (let i = 0; i < value.length; i++) {
      if (unwritable[value.charCodeAt(i)] === 1) return { userId: user.userId, column: label };
    }
  }
  return undefined;
}

/** Raised while streaming when a row turns out to be unencodable or over the limit. */
export class CsvExportAborted extends Error {}

/** SPEC D-10: `ユーザ情報一覧_yyyyMMddHHmmss.csv`, Japan time. */
export function csvFileName(now: Date): string {
  return `ユーザ情報一覧_${compactJapanDateTime(now)}.csv`;
}

/** The export's header: `ユーザ情報一覧_yyyyMMddHHmmss.csv`, ASCII fallback `users_….csv`. */
export function contentDisposition(now: Date): string {
  return attachmentDisposition(csvFileName(now), `users_${compactJapanDateTime(now)}.csv`);
}

/** The CSV text of a batch of users, a record each. */
function batchText(users: readonly UserWithFactor[], operatorName: string): string {
  let text = '';
  for (const user of users) text += csvLine(csvRecord(user, operatorName));
  return text;
}

/** A CP932 file encoded whole, or why it cannot be: a cell CP932 lacks, or too many rows. */
export type Cp932File =
  | { ok: true; chunks: Buffer[]; rows: number }
  | { ok: false; unencodable: { userId: string; column: string } }
  | { ok: false; rows: number };

/**
 * SPEC §4.3: the CP932 file, checked and encoded before its first byte is sent (a character
 * CP932 lacks stops the export; it never becomes `?`). The file is kept as its bytes, one
 * buffer a batch (12,000 rows are a few megabytes), not as the rows read, so the database
 * is read once, the file sent is the file checked, and memory stays a fraction of the
 * rows' (docs/performance.md). More rows than the limit (added since the count) refuse it.
 */
export async function encodeCp932File(
  batches: AsyncIterable<UserWithFactor[]>,
  operatorName: string,
): Promise<Cp932File> {
  const head = encodeCp932(csvLine(csvHeader()));
  if (!head) throw new CsvExportAborted('unencodable header');
  const chunks = [head];
  let rows = 0;
  for await (const batch of batches) {
    rows += batch.length;
    if (rows > CSV_MAX_ROWS) return { ok: false, rows };
    const bytes = encodeCp932(batchText(batch, operatorName));
    if (!bytes) {
      // Only a cell can fail: separators, quotes and CRLF are ASCII.
      for (const user of batch) {
        const unencodable = findUnencodableCell(user, operatorName);
        if (unencodable) return { ok: false, unencodable };
      }
      throw new CsvExportAborted('unencodable text in no cell');
    }
    chunks.push(bytes);
  }
  return { ok: true, chunks, rows };
}

/** A file already encoded (encodeCp932File), as the reply's stream; `onDone` after its last byte. */
export function encodedStream(
  file: { chunks: Buffer[]; rows: number },
  onDone?: (rows: number) => Promise<void>,
): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    yield* file.chunks;
    await onDone?.(file.rows);
  }
  return Readable.from(chunks(), { objectMode: false });
}

/**
 * The file as a byte stream: header row, then the rows one batch at a time as the batches
 * arrive, each batch written as one CSV text and encoded in one call, so memory stays
 * bounded by a batch. UTF-8 starts with a BOM so that spreadsheet software detects the
 * encoding; records end with CRLF. With CP932 each batch is checked again while streaming
 * (one table pass over its text): the data may have changed since the pre-check, and a `?`
 * must never replace a character; the rows before the offending one are sent and the stream
 * fails (the client sees an incomplete download, never a silently altered file).
 */
export function csvStream(
  batches: AsyncIterable<UserWithFactor[]>,
  options: {
    operatorName: string;
    encoding: CsvEncoding;
    onDone?: (rows: number, error?: Error) => Promise<void>;
  },
): Readable {
  const { operatorName, encoding } = options;
  /** The bytes, or undefined when CP932 cannot represent the text. */
  const encode = (text: string): Buffer | undefined =>
    encoding === 'cp932' ? encodeCp932(text) : Buffer.from(text, 'utf8');
  async function* chunks(): AsyncGenerator<Buffer> {
    let rows = 0;
    try {
      const header = csvLine(csvHeader());
      const head = encode(encoding === 'utf8' ? `\uFEFF${header}` : header);
      if (!head) throw new CsvExportAborted('unencodable header');
      yield head;
      for await (const batch of batches) {
        const room = CSV_MAX_ROWS - rows;
        const taken = batch.length > room ? batch.slice(0, room) : batch;
        let bytes = encode(batchText(taken, operatorName));
        let failure: CsvExportAborted | undefined;
        if (!bytes) {
          // Only CP932 fails, and only on a cell: separators, quotes and CRLF are ASCII.
          const bad = taken.findIndex((user) => findUnencodableCell(user, operatorName));
          rows += bad + 1;
          failure = new CsvExportAborted(`unencodable value for ${taken[bad]?.userId} while streaming`);
          bytes = encode(batchText(taken.slice(0, Math.max(bad, 0)), operatorName));
        } else if (taken !== batch) {
          rows = CSV_MAX_ROWS + 1;
          failure = new CsvExportAborted('row limit exceeded while streaming');
        } else {
          rows += taken.length;
        }
        if (bytes && bytes.length > 0) yield bytes;
        if (failure) throw failure;
      }
    } catch (error) {
      await options.onDone?.(rows, error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    await options.onDone?.(rows);
  }
  const out = new PassThrough();
  // The pipeline destroys every stage on failure; `out` then ends the reply with the error.
  pipeline(Readable.from(chunks(), { objectMode: false }), out, () => {});
  return out;
}
