import { CsvError, parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { formatDate, type IsoDate } from '../../../lib/japan-time.js';
import type { MessageId } from '../../../lib/messages.js';
import type { ShownMessage } from '../../../web/layout.js';
import { MAX_GENERAL_USERS } from '../model.js';
import { type TBulkRegisterRow, ZBulkRegisterRow } from '../schemas.js';

/**
 * SPEC §4.12 bulk register (一括登録): the uploaded CSV file from bytes to checked rows.
 * Decoding, parsing and checking are pure, so every rule here has a unit test
 * (bulk-register.test.ts); the routes only read the upload and show the outcome.
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

/** SPEC §1: a file can never hold more rows than an operator can have general users. */
export const BULK_REGISTER_MAX_ROWS = MAX_GENERAL_USERS;

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

type ColumnKey = 'department' | 'userName' | 'phone' | 'email' | 'validFrom' | 'validTo';

/** The columns, by their Japanese header (SPEC §3 labels); the order of the template. */
export const BULK_REGISTER_COLUMNS: { key: ColumnKey; label: string; required: boolean }[] = [
  { key: 'department', label: FIELD_LABELS.department, required: true },
  { key: 'userName', label: FIELD_LABELS.userName, required: true },
  { key: 'phone', label: FIELD_LABELS.phone, required: true },
  { key: 'email', label: FIELD_LABELS.email, required: true },
  { key: 'validFrom', label: FIELD_LABELS.validFrom, required: false },
  { key: 'validTo', label: FIELD_LABELS.validTo, required: false },
];

/** SPEC §3: an empty 適用終了日 means no end. */
const DEFAULT_VALID_TO = '9999/12/31';

/** A checked row, ready for the confirmation and for registration. */
export type BulkRegisterRow = TBulkRegisterRow & { line: number };

/**
 * One problem of the file. `line` is the row as a spreadsheet numbers it (header = 1;
 * blank rows and multi-line cells counted as a spreadsheet counts them); `column` is the
 * column's position (0-based) and header, when the problem belongs to one.
 */
export interface CsvIssue {
  line: number | null;
  column: { index: number; label: string } | null;
  message: ShownMessage;
}

export type DecodeResult = { ok: true; text: string } | { ok: false; error: ShownMessage };

/**
 * A refused file: its problems (at most `maxListedIssues` of them, `omitted` says how
 * many more), or `fileError` when a limit of D-20 refused it as a whole before or while
 * parsing; `issues` is empty then.
 */
export type CheckResult =
  | { ok: true; rows: BulkRegisterRow[] }
  | { ok: false; issues: CsvIssue[]; omitted?: number; fileError?: ShownMessage };

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

interface CsvRecord {
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
function scanBounds(text: string, limits: UploadLimits): ShownMessage | undefined {
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
function readRecords(text: string, limits: UploadLimits): ReadResult {
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

/** Header problems: unknown, empty, repeated or missing required column names. */
function checkHeader(header: CsvRecord): { issues: CsvIssue[]; positions: Map<ColumnKey, number> } {
  const issues: CsvIssue[] = [];
  const positions = new Map<ColumnKey, number>();
  header.cells.forEach((raw, index) => {
    const name = raw.trim();
    const column = BULK_REGISTER_COLUMNS.find((c) => c.label === name);
    const at = { index, label: name };
    if (!column) {
      issues.push({
        line: header.line,
        column: at,
        message: { id: 'error.bulkRegist.headerUnknown', params: { name } },
      });
    } else if (positions.has(column.key)) {
      issues.push({
        line: header.line,
        column: at,
        message: { id: 'error.bulkRegist.headerDuplicate', params: { name } },
      });
    } else {
      positions.set(column.key, index);
    }
  });
  for (const column of BULK_REGISTER_COLUMNS) {
    if (column.required && !positions.has(column.key)) {
      issues.push({
        line: header.line,
        column: null,
        message: { id: 'error.bulkRegist.headerMissing', params: { name: column.label } },
      });
    }
  }
  return { issues, positions };
}

/** The CSV wording of a field rule's message, where the form's wording would not fit. */
const CSV_MESSAGES: Partial<Record<MessageId, MessageId>> = {
  // The form's message speaks of three input boxes; the CSV has one cell.
  'error.field.phone': 'error.bulkRegist.phone',
};

/** One data row through the register form's field rules (ZBulkRegisterRow). */
function checkRow(
  record: CsvRecord,
  positions: Map<ColumnKey, number>,
  today: IsoDate,
): { row?: BulkRegisterRow; issues: CsvIssue[] } {
  const cell = (key: ColumnKey) => {
    const at = positions.get(key);
    return at === undefined ? '' : (record.cells[at] ?? '');
  };
  const input = {
    department: cell('department'),
    userName: cell('userName'),
    phone: cell('phone'),
    email: cell('email'),
    validFrom: cell('validFrom').trim() || formatDate(today),
    validTo: cell('validTo').trim() || DEFAULT_VALID_TO,
  };
  const parsed = ZBulkRegisterRow.safeParse(input);
  if (parsed.success) return { row: { line: record.line, ...parsed.data }, issues: [] };
  const issues: CsvIssue[] = [];
  const seen = new Set<string>();
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0]) as ColumnKey;
    if (seen.has(key)) continue;
    seen.add(key);
    const column = BULK_REGISTER_COLUMNS.find((c) => c.key === key)!;
    const id = issue.message as MessageId;
    issues.push({
      line: record.line,
      column: { index: positions.get(key) ?? -1, label: column.label },
      message: { id: CSV_MESSAGES[id] ?? id, params: { field: column.label } },
    });
  }
  return { issues };
}

/**
 * Checks the whole file (SPEC §4.12): the header by name (any order; unknown, repeated or
 * missing required columns refused), then EVERY data row, collecting each problem with
 * its line and column. Blank rows are ignored. A file of more than eight rows is refused
 * as a whole without checking its rows: it could never be registered. The same mail
 * address twice in one file is refused (compared without regard to case): it is nearly
 * always a copy-and-paste slip, and would send two temporary passwords to one person.
 * `today` (Japan time) is the default 適用開始日.
 *
 * Before any of this, D-20: the file is refused as a whole (`fileError`) at the first of
 * its lines, line lengths and columns that exceeds `UPLOAD_LIMITS`, and at most
 * `maxListedIssues` problems are listed. `limits` lets tests lower or raise them.
 */
export function checkBulkRegisterCsv(
  text: string,
  options: { today: IsoDate; limits?: Partial<UploadLimits> },
): CheckResult {
  const limits: UploadLimits = { ...UPLOAD_LIMITS, ...options.limits };
  // D-20: the bounds first, and nothing more once one is reached.
  const outOfBounds = scanBounds(text, limits);
  if (outOfBounds) return { ok: false, issues: [], fileError: outOfBounds };
  const { records, syntaxError, limit } = readRecords(text, limits);
  if (limit) return { ok: false, issues: [], fileError: limit };
  const refused = (all: CsvIssue[]): CheckResult => {
    const listed = all.slice(0, limits.maxListedIssues);
    return { ok: false, issues: listed, omitted: all.length - listed.length };
  };
  const [header, ...data] = records;
  const issues: CsvIssue[] = [];
  const positions = header ? checkHeader(header) : undefined;
  if (syntaxError) {
    const label = header && syntaxError.index >= 0 ? (header.cells[syntaxError.index] ?? '').trim() : '';
    issues.push(...(positions?.issues ?? []));
    issues.push({
      line: syntaxError.line,
      column: syntaxError.index >= 0 ? { index: syntaxError.index, label } : null,
      message: { id: 'error.bulkRegist.syntax' },
    });
    return refused(issues);
  }
  if (!header || !positions) {
    return { ok: false, issues: [{ line: null, column: null, message: { id: 'error.bulkRegist.noRows' } }] };
  }
  if (positions.issues.length > 0) return refused(positions.issues);
  if (data.length === 0) {
    return { ok: false, issues: [{ line: null, column: null, message: { id: 'error.bulkRegist.noRows' } }] };
  }
  if (data.length > BULK_REGISTER_MAX_ROWS) {
    return {
      ok: false,
      issues: [
        {
          line: null,
          column: null,
          message: { id: 'error.bulkRegist.tooManyRows', params: { count: data.length } },
        },
      ],
    };
  }
  const rows: BulkRegisterRow[] = [];
  const firstLineOfEmail = new Map<string, number>();
  const width = header.cells.length;
  for (const record of data) {
    if (record.cells.length !== width) {
      issues.push({
        line: record.line,
        column: null,
        message: {
          id: 'error.bulkRegist.columnCount',
          params: { actual: record.cells.length, expected: width },
        },
      });
      continue;
    }
    const checked = checkRow(record, positions.positions, options.today);
    issues.push(...checked.issues);
    // Every row's address takes part, even of a row with errors elsewhere, so each
    // repetition is named in the same pass.
    const emailAt = positions.positions.get('email')!;
    const email = (record.cells[emailAt] ?? '').trim().toLowerCase();
    const first = firstLineOfEmail.get(email);
    const emailInvalid = checked.issues.some((i) => i.column?.index === emailAt);
    if (email !== '' && first !== undefined && !emailInvalid) {
      issues.push({
        line: record.line,
        column: { index: emailAt, label: FIELD_LABELS.email },
        message: { id: 'error.bulkRegist.duplicateEmail', params: { line: first } },
      });
      continue;
    }
    if (email !== '' && first === undefined) firstLineOfEmail.set(email, record.line);
    if (checked.row) rows.push(checked.row);
  }
  return issues.length > 0 ? refused(issues) : { ok: true, rows };
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
