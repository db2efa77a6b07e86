import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import type { ShownMessage } from '../../../web/layout.js';

/**
 * SPEC §4.12 bulk register (一括登録): the uploaded CSV file from bytes to records, within
 * the bounds of D-20, and the template. Decoding and parsing are pure, so every rule has a
 * unit test (bulk-csv.test.ts, bulk-check.test.ts); bulk-check.ts checks the records.
 * The format is documented for users on the upload page and in docs/bulk-register.md.
 */

export type UploadEncoding = 'auto' | 'utf8' | 'cp932';

export const UPLOAD_ENCODINGS: { value: UploadEncoding; label: string }[] = [
  { value: 'auto', label: '自動判定' },
  { value: 'utf8', label: 'UTF-8' },
  { value: 'cp932', label: 'Shift_JIS(CP932)' },
];

export function parseUploadEncoding(value: unknown): UploadEncoding {
  return value === 'utf8' || value === 'cp932' ? value : 'auto';
}

/** The largest file accepted; the multipart limit of src/app.tsx says the same. */
export const UPLOAD_MAX_BYTES = 1024 * 1024;

/**
 * SPEC D-20: the bounds of an upload, checked on the decoded text before it is parsed
 * (the size, 1 MiB, is bounded by the multipart limit). A file holds at most eight data
 * rows, each of at most about 400 characters (6 cells at their longest: 50 + 50 + 13 +
 * 254 + 10 + 10), so the limits leave wide room for blank lines, spaces and quotes while
 * keeping the costliest file within them cheap: csv-parse reads about 5–10 MB/s here and
 * builds an error object for every record whose cell count differs from the first, so
 * 200 lines of 500 characters (at most 300 KB as UTF-8) take some 10–30 ms, where the
 * 1 MiB a size limit alone allows took seconds.
 */
export interface UploadLimits {
  /** Physical lines, blank ones included (LF, CRLF and CR each end one). */
  maxLines: number;
  /** Characters of one physical line, without its line end. */
  maxLineChars: number;
  /**
   * Commas of one physical line, counted before parsing, so quoted ones too: generous
   * for commas inside cells (two 50-character cells full of them make 105 in all).
   */
  maxSeparatorsPerLine: number;
  /** Cells of one record, after parsing. */
  maxColumns: number;
  /** Problems listed on the page; a closing line says how many more there were. */
  maxListedIssues: number;
}

export const UPLOAD_LIMITS: Readonly<UploadLimits> = {
  maxLines: 200,
  maxLineChars: 500,
  maxSeparatorsPerLine: 200,
  maxColumns: 20,
  maxListedIssues: 100,
};

export type ColumnKey = 'department' | 'userName' | 'phone' | 'email' | 'validFrom' | 'validTo';

/** The columns, by their Japanese header (SPEC §3 labels); the order of the template. */
export const BULK_REGISTER_COLUMNS: { key: ColumnKey; label: string; required: boolean }[] = [
  { key: 'department', label: FIELD_LABELS.department, required: true },
  { key: 'userName', label: FIELD_LABELS.userName, required: true },
  { key: 'phone', label: FIELD_LABELS.phone, required: true },
  { key: 'email', label: FIELD_LABELS.email, required: true },
  { key: 'validFrom', label: FIELD_LABELS.validFrom, required: false },
  { key: 'validTo', label: FIELD_LABELS.validTo, required: false },
];

export type DecodeResult = { ok: true; text: string } | { ok: false; error: ShownMessage };

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function decodeUtf8(bytes: Buffer): string | undefined {
  const body = bytes.subarray(0, 3).equals(UTF8_BOM) ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
  } catch {
    return undefined;
  }
}

/** iconv-lite writes U+FFFD for bytes CP932 does not define; CP932 cannot encode U+FFFD itself. */
function decodeCp932(bytes: Buffer): string | undefined {
  const text = iconv.decode(bytes, 'cp932');
  return text.includes('\uFFFD') ? undefined : text;
}

/**
 * The file's text. 自動判定: UTF-8 (with or without BOM) when the bytes are valid UTF-8,
 * else CP932 (what Excel writes as "CSV (コンマ区切り)" on Japanese Windows). A file
 * that is neither, or binary, is refused rather than read with replacement characters.
 * A NUL character never occurs in a text CSV: it marks a binary file.
 */
export function decodeUpload(bytes: Buffer, encoding: UploadEncoding): DecodeResult {
  const text =
    encoding === 'utf8'
      ? decodeUtf8(bytes)
      : encoding === 'cp932'
        ? decodeCp932(bytes)
        : (decodeUtf8(bytes) ?? decodeCp932(bytes));
  if (text === undefined || text.includes('\u0000')) {
    const label = UPLOAD_ENCODINGS.find((e) => e.value === encoding)!.label;
    const name = encoding === 'auto' ? 'UTF-8またはShift_JIS(CP932)' : label;
    return { ok: false, error: { id: 'error.bulkRegist.encoding', params: { encoding: name } } };
  }
  return { ok: true, text };
}

export interface CsvRecord {
  /** The spreadsheet row (1-based), counting blank rows. */
  line: number;
  cells: string[];
}

const isBlank = (cells: string[]) => cells.every((c) => c.trim() === '');

/** A number as the messages show it: 1,000. */
const shown = (n: number) => n.toLocaleString('ja-JP');

/** A limit of D-20 reached while parsing: it ends the reading, as a broken quote does. */
class UploadLimitReached extends Error {
  constructor(readonly shownMessage: ShownMessage) {
    super(shownMessage.id);
  }
}

const LF = 10;
const CR = 13;
const COMMA = 44;

/**
 * The pre-scan of D-20: one pass over the characters, before csv-parse sees them, that
 * stops at the first limit reached: the physical line count (LF, CRLF or CR each end a
 * line; a line end at the very end of the file starts no new line), the length of a line
 * and the commas of a line. Line numbers are physical lines, as a text editor numbers
 * them. It reads at most `maxLines × (maxLineChars + 2)` characters.
 */
export function scanBounds(text: string, limits: UploadLimits): ShownMessage | undefined {
  let line = 1;
  let lineStart = 0;
  let commas = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) {
      if (c === CR && text.charCodeAt(i + 1) === LF) i++;
      lineStart = i + 1;
      commas = 0;
      if (lineStart < text.length && ++line > limits.maxLines) {
        return { id: 'error.bulkRegist.tooManyLines', params: { limit: shown(limits.maxLines) } };
      }
    } else if (i - lineStart >= limits.maxLineChars) {
      return {
        id: 'error.bulkRegist.lineTooLong',
        params: { line: shown(line), limit: shown(limits.maxLineChars) },
      };
    } else if (c === COMMA && ++commas > limits.maxSeparatorsPerLine) {
      return tooManyColumns(line, limits);
    }
  }
  return undefined;
}

function tooManyColumns(line: number, limits: UploadLimits): ShownMessage {
  return {
    id: 'error.bulkRegist.tooManyColumns',
    params: { line: shown(line), limit: shown(limits.maxColumns) },
  };
}

type ReadResult = {
  records: CsvRecord[];
  syntaxError?: { line: number; index: number };
  limit?: ShownMessage;
};

/**
 * Parses the text into records, dropping blank ones as they come. It is given only text
 * that passed `scanBounds`, and its options bound the work again: `to_line` (csv-parse
 * counts a CRLF inside quotes as two lines, so twice the limit never cuts a file the
 * pre-scan let through), `max_record_size` (in UTF-8 bytes: what a line of the longest
 * length can take; a longer record spans lines inside quotes, nearly always a broken
 * quote, and is reported as the syntax error it is) and the column limit, checked on each
 * record. A syntax error (a broken quote) ends the reading: after it the parser cannot
 * know where the following rows begin.
 */
export function readRecords(text: string, limits: UploadLimits): ReadResult {
  const records: CsvRecord[] = [];
  try {
    parse(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: false,
      to_line: 2 * limits.maxLines,
      max_record_size: 3 * limits.maxLineChars,
      on_record: (cells: string[], context) => {
        if (cells.length > limits.maxColumns) {
          throw new UploadLimitReached(tooManyColumns(context.records, limits));
        }
        if (!isBlank(cells)) records.push({ line: context.records, cells });
        return null;
      },
    });
    return { records };
  } catch (error) {
    if (error instanceof UploadLimitReached) return { records, limit: error.shownMessage };
    if (!(error instanceof CsvError)) throw error;
    const failed = error as CsvError & { records?: number; column?: number };
    return {
      records,
      syntaxError: { line: (failed.records ?? records.length) + 1, index: failed.column ?? -1 },
    };
  }
}

/** `A`, `B`, … `AA`: how a spreadsheet names the column at a 0-based position. */
export function columnLetter(index: number): string {
  let n = index + 1;
  let s = '';
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}

/** The template's example row: reserved example.jp address, dates left to their defaults. */
const TEMPLATE_EXAMPLE: string[] = [
  '総合エネルギー事業部',
  '容量 太郎',
  '03-1234-5678',
  'taro@example.jp',
  '',
  '',
];

/**
 * The downloadable template (SPEC §4.12): UTF-8 with BOM, so that Excel opens it with the
 * right encoding, CRLF like the CSV export, the header row and one example row.
 */
export function bulkRegisterTemplate(): Buffer {
  const text = stringify([BULK_REGISTER_COLUMNS.map((c) => c.label), TEMPLATE_EXAMPLE], {
    bom: true,
    record_delimiter: 'windows',
  });
  return Buffer.from(text, 'utf8');
}

export const TEMPLATE_FILE_NAME = 'ユーザ情報一括登録テンプレート.csv';
export const TEMPLATE_ASCII_FILE_NAME = 'bulk_register_template.csv';
