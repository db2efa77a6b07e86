import { formatDate, formatJapanDateTime } from '../../lib/japan-time.js';
import { DETAIL_KEY_LABELS, ENCODING_LABELS, ROLE_LABELS, reasonLabel, USER_FIELD_LABELS } from './labels.js';

/**
 * SPEC §6: an audit record's detail in the manual's language, for the screen and the
 * CSV: labelled Japanese text, a change as field, before and after, times in Japan
 * time. Never raw JSON or `key=value`: a key nobody has named yet is shown as
 * `key: value` with its value in words.
 */

/** One line of the 内容 column. */
export type DetailItem =
  | { kind: 'text'; label: string; value: string }
  | { kind: 'changes'; label: string; rows: ChangeRow[] };

export interface ChangeRow {
  field: string;
  before: string;
  after: string;
}

const NONE = '（なし）';

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * `yyyy/MM/dd HH:mm:ss` in Japan time (SPEC §6). Japan's offset is a whole number of
 * hours, so the seconds are those of the UTC instant.
 */
export function formatAuditTime(at: Date | string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return String(at);
  return `${formatJapanDateTime(d)}:${pad2(d.getUTCSeconds())}`;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function keyLabel(key: string): string {
  return DETAIL_KEY_LABELS[key] ?? USER_FIELD_LABELS[key] ?? key;
}

/** Any recorded value in words: no braces, quotes or `=`. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return NONE;
  if (typeof value === 'boolean') return value ? 'はい' : 'いいえ';
  if (typeof value === 'number') return value.toLocaleString('ja-JP');
  if (typeof value === 'string') {
    if (ISO_INSTANT.test(value)) return formatAuditTime(value);
    if (ISO_DATE.test(value)) return formatDate(value);
    return value;
  }
  if (Array.isArray(value)) return value.length === 0 ? NONE : value.map(formatValue).join('、');
  if (isRecord(value)) {
    const parts = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${keyLabel(k)}: ${formatValue(v)}`);
    return parts.length === 0 ? NONE : `（${parts.join('、')}）`;
  }
  return String(value);
}

/** A field of a user as the screens show it (有効/無効 in words, dates with slashes). */
function userFieldValue(field: string, value: unknown): string {
  if (field === 'enabled' && typeof value === 'boolean') return value ? '有効' : '無効';
  return formatValue(value);
}

/** The user fields of `auditView` as lines, in screen order, unknown ones after. */
function userFieldItems(view: Record<string, unknown>): DetailItem[] {
  const known = Object.keys(USER_FIELD_LABELS).filter((k) => k in view);
  const others = Object.keys(view).filter((k) => !(k in USER_FIELD_LABELS));
  return [...known, ...others].map((k) => ({
    kind: 'text',
    label: keyLabel(k),
    value: userFieldValue(k, view[k]),
  }));
}

/** `userId（userName）` for the users of a bulk action. */
function userList(users: unknown[]): string {
  return users
    .map((u) => {
      if (!isRecord(u)) return formatValue(u);
      const id = typeof u.userId === 'string' ? u.userId : '';
      const name = typeof u.userName === 'string' && u.userName !== '' ? `（${u.userName}）` : '';
      return `${id}${name}` || formatValue(u);
    })
    .join('、');
}

/** The search conditions of a user CSV export (users/search.ts `SearchConditions`) in words. */
function conditionsText(value: unknown): string {
  if (!isRecord(value)) return formatValue(value);
  const parts: string[] = [];
  const named = new Set(['operatorCode', 'userIdPrefix', 'userName', 'enabled', 'showDeleted']);
  const take = (key: string) => value[key];
  const operatorCode = take('operatorCode');
  if (typeof operatorCode === 'string' && operatorCode) parts.push(`事業者コード ${operatorCode}`);
  const prefix = take('userIdPrefix');
  if (typeof prefix === 'string' && prefix) parts.push(`ユーザIDが「${prefix}」で始まる`);
  const userName = take('userName');
  if (typeof userName === 'string' && userName) parts.push(`ユーザ名に「${userName}」を含む`);
  const enabled = take('enabled');
  if (enabled === true) parts.push('有効のみ');
  else if (enabled === false) parts.push('無効のみ');
  else parts.push('有効・無効とも');
  const showDeleted = take('showDeleted');
  parts.push(showDeleted === true ? '削除済みを含む' : '削除済みを除く');
  for (const [k, v] of Object.entries(value))
    if (!named.has(k) && v !== undefined) parts.push(`${keyLabel(k)} ${formatValue(v)}`);
  return parts.join('、');
}

/** SPEC §6: a change as field, before and after, for the fields that differ. */
function changeItem(detail: Record<string, unknown>): DetailItem[] {
  const before = isRecord(detail.before) ? detail.before : {};
  const after = isRecord(detail.after) ? detail.after : {};
  const fields = [
    ...Object.keys(USER_FIELD_LABELS),
    ...[...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !(k in USER_FIELD_LABELS)),
  ];
  const rows: ChangeRow[] = [];
  for (const field of fields) {
    if (!(field in before) && !(field in after)) continue;
    const b = userFieldValue(field, before[field]);
    const a = userFieldValue(field, after[field]);
    if (a !== b) rows.push({ field: keyLabel(field), before: b, after: a });
  }
  if (rows.length > 0) return [{ kind: 'changes', label: '変更内容', rows }];
  // A record without before/after (or with nothing different) still names what was asked.
  const changes = Array.isArray(detail.changes) ? detail.changes : [];
  return [{ kind: 'text', label: keyLabel('changes'), value: changes.length ? formatValue(changes) : NONE }];
}

/** SPEC D-22: how the second step of a login was passed. */
const SECOND_FACTOR_LABELS: Record<string, string> = {
  totp: '認証アプリ',
  recovery: 'リカバリーコード',
  passkey: 'パスキー',
};

/** How one known key is shown; the generic `label: value` otherwise. */
function itemsFor(key: string, value: unknown, detail: Record<string, unknown>): DetailItem[] {
  const text = (label: string, v: string): DetailItem[] => [{ kind: 'text', label, value: v }];
  switch (key) {
    case 'reason':
      return text(keyLabel(key), typeof value === 'string' ? reasonLabel(value) : formatValue(value));
    case 'failedLoginCount':
      return text(keyLabel(key), typeof value === 'number' ? `${value}回` : formatValue(value));
    case 'count':
    case 'rowCount':
      return text(
        keyLabel(key),
        typeof value === 'number' ? `${value.toLocaleString('ja-JP')}件` : formatValue(value),
      );
    case 'temporaryPassword':
    case 'wasTemporary':
      return typeof value === 'boolean'
        ? text(keyLabel(key), value ? '仮パスワード' : '通常のパスワード')
        : text(keyLabel(key), formatValue(value));
    case 'secondFactor':
      return text(keyLabel(key), SECOND_FACTOR_LABELS[String(value)] ?? formatValue(value));
    case 'required':
      return typeof value === 'boolean'
        ? text(keyLabel(key), value ? '必須' : '任意')
        : text(keyLabel(key), formatValue(value));
    case 'role':
      return text(
        keyLabel(key),
        typeof value === 'string' ? (ROLE_LABELS[value] ?? value) : formatValue(value),
      );
    case 'encoding':
      return text(
        keyLabel(key),
        typeof value === 'string' ? (ENCODING_LABELS[value] ?? value) : formatValue(value),
      );
    case 'conditions':
      return text(keyLabel(key), conditionsText(value));
    case 'users':
      return Array.isArray(value)
        ? text(keyLabel(key), userList(value))
        : text(keyLabel(key), formatValue(value));
    case 'userIds':
      // The users' list says the same with names.
      return Array.isArray(detail.users) ? [] : text(keyLabel(key), formatValue(value));
    case 'after':
    case 'user':
      return isRecord(value) ? userFieldItems(value) : text(keyLabel(key), formatValue(value));
    default:
      return text(keyLabel(key), formatValue(value));
  }
}

/** The 内容 of one record: labelled lines, a change as a table of field, before and after. */
export function describeDetail(action: string, detail: Record<string, unknown>): DetailItem[] {
  const entries = Object.entries(detail).filter(([, v]) => v !== undefined && v !== null);
  if (action === 'change' && ('before' in detail || 'after' in detail || 'changes' in detail)) {
    const others = entries.filter(([k]) => k !== 'before' && k !== 'after' && k !== 'changes');
    return [...changeItem(detail), ...others.flatMap(([k, v]) => itemsFor(k, v, detail))];
  }
  // The reason first: it is what a reader of a failure looks for.
  entries.sort(([a], [b]) => Number(b === 'reason') - Number(a === 'reason'));
  return entries.flatMap(([k, v]) => itemsFor(k, v, detail));
}

/** The same, as one line of text for the CSV. */
export function detailText(items: DetailItem[]): string {
  return items
    .map((item) =>
      item.kind === 'text'
        ? `${item.label}: ${item.value}`
        : `${item.label}: ${item.rows.map((r) => `${r.field}「${r.before}」→「${r.after}」`).join('、')}`,
    )
    .join(' / ');
}
