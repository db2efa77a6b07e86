import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { formatDate, type IsoDate } from '../../../lib/japan-time.js';
import type { MessageId } from '../../../lib/messages.js';
import type { ShownMessage } from '../../../web/layout.js';
import { MAX_GENERAL_USERS } from '../model.js';
import { type TBulkRegisterRow, ZBulkRegisterRow } from '../schemas.js';
import {
  BULK_REGISTER_COLUMNS,
  type ColumnKey,
  type CsvRecord,
  readRecords,
  scanBounds,
  UPLOAD_LIMITS,
  type UploadLimits,
} from './bulk-csv.js';

/**
 * SPEC §4.12 bulk register: the records of an uploaded file checked against the header
 * and the register form's field rules, every problem listed by line and column.
 */

/** SPEC §1: a file can never hold more rows than an operator can have general users. */
export const BULK_REGISTER_MAX_ROWS = MAX_GENERAL_USERS;

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

/**
 * A refused file: its problems (at most `maxListedIssues` of them, `omitted` says how
 * many more), or `fileError` when a limit of D-20 refused it as a whole before or while
 * parsing; `issues` is empty then.
 */
export type CheckResult =
  | { ok: true; rows: BulkRegisterRow[] }
  | { ok: false; issues: CsvIssue[]; omitted?: number; fileError?: ShownMessage };

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
 * Every data row through the field rules, each problem with its line and column. The same
 * mail address twice in one file is refused (compared without regard to case): it is
 * nearly always a copy-and-paste slip, and would send two temporary passwords to one person.
 */
function checkDataRows(
  data: CsvRecord[],
  width: number,
  positions: Map<ColumnKey, number>,
  today: IsoDate,
): { rows: BulkRegisterRow[]; issues: CsvIssue[] } {
  const issues: CsvIssue[] = [];
  const rows: BulkRegisterRow[] = [];
  const firstLineOfEmail = new Map<string, number>();
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
    const checked = checkRow(record, positions, today);
    issues.push(...checked.issues);
    // Every row's address takes part, even of a row with errors elsewhere, so each
    // repetition is named in the same pass.
    const emailAt = positions.get('email')!;
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
  return { rows, issues };
}

/** A problem of the whole file, at no line. */
function fileIssue(message: ShownMessage): CheckResult {
  return { ok: false, issues: [{ line: null, column: null, message }] };
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
  if (!header || !positions) return fileIssue({ id: 'error.bulkRegist.noRows' });
  if (positions.issues.length > 0) return refused(positions.issues);
  if (data.length === 0) return fileIssue({ id: 'error.bulkRegist.noRows' });
  if (data.length > BULK_REGISTER_MAX_ROWS) {
    return fileIssue({ id: 'error.bulkRegist.tooManyRows', params: { count: data.length } });
  }
  const checked = checkDataRows(data, header.cells.length, positions.positions, options.today);
  issues.push(...checked.issues);
  return issues.length > 0 ? refused(issues) : { ok: true, rows: checked.rows };
}
