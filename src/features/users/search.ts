import { type SelectQueryBuilder, sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { FIELD_LABELS } from '../../lib/field-labels.js';
import { fieldErrors } from '../../lib/fields.js';
import type { MessageId } from '../../lib/messages.js';
import { type InputSpec, many, one, requireInput } from '../../web/input.js';
import { toSearchKey, toUser, type User } from './model.js';

/** SPEC D-9: twenty rows a page. */
export const PAGE_SIZE = 20;

/** What the list screen's search form sends, as the URL carries it (SPEC D-9). */
export interface SearchForm {
  operatorCode: string;
  userId: string;
  userName: string;
  /** The ticked 有効/無効 boxes: '1' is 有効, '0' is 無効. */
  enabled: string[];
  showDeleted: boolean;
}

/** The checked conditions of a search. */
export interface SearchConditions {
  operatorCode: string;
  /** SPEC D-8: matched as a prefix; '' matches every user. */
  userIdPrefix: string;
  /** SPEC D-8: matched as a substring ignoring full/half width; '' matches every user. */
  userName: string;
  /** null when both or neither box is ticked: no restriction. */
  enabled: boolean | null;
  showDeleted: boolean;
}

/** SPEC D-19: the query of the list, the export and the detail's back link, read totally. */
export const SEARCH_QUERY = {
  operatorCode: one(FIELD_LABELS.operatorCode, 100),
  userId: one(FIELD_LABELS.userId, 100),
  userName: one(FIELD_LABELS.userName, 200),
  enabled: many(FIELD_LABELS.enabled, 10, 4),
  showDeleted: one('削除済みの情報を表示', 10),
  search: one('検索', 10),
  page: one('ページ', 20),
} satisfies InputSpec;

/**
 * Field rules of the search form. The manual's 別冊 (field rules) is not available, so
 * these follow SPEC D-3 for the operator code and §3 for IDs and names; a full-width
 * entry is folded with NFKC first because the hint asks for half-width characters and
 * the search ignores width anyway (D-8).
 */
const ZSearchFields = z.object({
  operatorCode: z
    .string()
    .transform((s) => s.normalize('NFKC').trim().toUpperCase())
    .refine((s) => /^[0-9A-Z]{4}$/.test(s), { message: 'error.field.operatorCode' satisfies MessageId }),
  userId: z
    .string()
    .transform((s) => s.normalize('NFKC').trim().toUpperCase())
    .refine((s) => /^[0-9A-Z]{0,10}$/.test(s), { message: 'error.field.userId' satisfies MessageId }),
  userName: z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .refine((s) => [...s].length <= 50 && !/\p{Cc}/u.test(s), {
      message: 'error.field.userName' satisfies MessageId,
    }),
});

export type SearchParse =
  | { ok: true; form: SearchForm; conditions: SearchConditions; page: number }
  | { ok: false; form: SearchForm; errors: Record<string, MessageId> };

/**
 * Reads the search conditions from a query string. The operator code defaults to the
 * viewer's own (SPEC §4.1: prefilled with the user's own).
 */
export function parseSearchQuery(query: unknown, ownOperatorCode: string): SearchParse {
  const source = typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {};
  const q = requireInput(query, SEARCH_QUERY);
  const form: SearchForm = {
    operatorCode: source.operatorCode === undefined ? ownOperatorCode : q.operatorCode,
    userId: q.userId,
    userName: q.userName,
    // 有効 first, as the form shows the boxes.
    enabled: (['1', '0'] as const).filter((v) => q.enabled.includes(v)),
    showDeleted: q.showDeleted === '1',
  };
  const checked = ZSearchFields.safeParse(form);
  if (!checked.success) return { ok: false, form, errors: fieldErrors(checked.error) };
  const pageNumber = /^[0-9]{1,9}$/.test(q.page) ? Number(q.page) : 1;
  return {
    ok: true,
    form,
    conditions: {
      operatorCode: checked.data.operatorCode,
      userIdPrefix: checked.data.userId,
      userName: checked.data.userName,
      enabled: form.enabled.length === 1 ? form.enabled[0] === '1' : null,
      showDeleted: form.showDeleted,
    },
    page: Number.isSafeInteger(pageNumber) && pageNumber >= 1 ? pageNumber : 1,
  };
}

/** The query string of a search (and page), so that links and back keep the results (D-9). */
export function searchQueryString(form: SearchForm, page?: number): string {
  const params = new URLSearchParams();
  params.set('operatorCode', form.operatorCode);
  params.set('userId', form.userId);
  params.set('userName', form.userName);
  for (const e of form.enabled) params.append('enabled', e);
  if (form.showDeleted) params.set('showDeleted', '1');
  params.set('search', '1');
  if (page !== undefined) params.set('page', String(page));
  return params.toString();
}

/** Escapes LIKE wildcards so that `%`, `_` and the escape character match themselves. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

type UsersQuery = SelectQueryBuilder<Database, 'users', object>;

/**
 * The WHERE clause of a search, always scoped by the viewer's operator (SPEC §2: another
 * operator's users do not exist here). The operator_code equality comes first so that
 * the indexes users_operator_user_id / users_operator_deleted_user_id bound every scan
 * to one operator's rows, already in user_id order.
 * Returns undefined when the conditions name another operator: no hits, nothing queried.
 */
function scoped(db: Db, viewerOperatorCode: string, c: SearchConditions): UsersQuery | undefined {
  if (c.operatorCode !== viewerOperatorCode) return undefined;
  let q = db.selectFrom('users').where('operator_code', '=', viewerOperatorCode);
  // A literal, not a parameter: the partial index of undeleted rows (users_operator_live_
  // user_id) can serve only a query whose text says `deleted = 0`, whatever a plan cache does.
  if (!c.showDeleted) q = q.where(sql<boolean>`deleted = 0`);
  if (c.enabled !== null) q = q.where('enabled', '=', c.enabled ? 1 : 0);
  if (c.userIdPrefix) {
    q = q.where(sql<boolean>`user_id like ${`${escapeLike(c.userIdPrefix)}%`} escape '\\'`);
  }
  if (c.userName) {
    // users.user_name_key holds NFKC + lower case of the name; fold the input the same way.
    q = q.where(sql<boolean>`user_name_key like ${`%${escapeLike(toSearchKey(c.userName))}%`} escape '\\'`);
  }
  return q;
}

/**
 * Orders a search by the columns of the index that serves it, not by user_id alone: the
 * operator (and deletion state) are fixed by the WHERE clause, so the order is the same
 * ユーザID order, but only the composite index yields it. Ordered by user_id alone, a
 * planner may instead walk the primary key over every operator's rows and filter them
 * (PostgreSQL did, for an operator holding 12,000 deleted users among 100,000).
 */
function inIndexOrder(q: UsersQuery, c: SearchConditions): UsersQuery {
  const byOperator = q.orderBy('operator_code');
  return (c.showDeleted ? byOperator : byOperator.orderBy('deleted')).orderBy('user_id');
}

export async function countUsers(db: Db, viewerOperatorCode: string, c: SearchConditions): Promise<number> {
  const q = scoped(db, viewerOperatorCode, c);
  if (!q) return 0;
  const row = await q.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** What a row of the list shows (SPEC §4.1): read alone, the page query stays narrow. */
export type UserListItem = Pick<
  User,
  'userId' | 'userName' | 'role' | 'operatorCode' | 'enabled' | 'deleted' | 'locked'
>;

const LIST_COLUMNS = [
  'user_id',
  'user_name',
  'role',
  'operator_code',
  'enabled',
  'deleted',
  'locked',
] as const;

export interface SearchPage {
  users: UserListItem[];
  total: number;
  /** The page shown, clamped to the last page. */
  page: number;
  lastPage: number;
}

/** SPEC D-9: one page of the results ordered by ユーザID, with the total count. */
export async function searchUsers(
  db: Db,
  viewerOperatorCode: string,
  c: SearchConditions,
  requestedPage: number,
): Promise<SearchPage> {
  const total = await countUsers(db, viewerOperatorCode, c);
  const lastPage = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(requestedPage, lastPage);
  const q = scoped(db, viewerOperatorCode, c);
  if (!q || total === 0) return { users: [], total, page, lastPage };
  // The list's columns only: `select *` made the page query 2.5 times as costly
  // (docs/performance.md).
  const rows = await inIndexOrder(q, c)
    .select(LIST_COLUMNS)
    .limit(PAGE_SIZE)
    .offset((page - 1) * PAGE_SIZE)
    .execute();
  const users = rows.map((r) => ({
    userId: r.user_id,
    userName: r.user_name,
    role: r.role,
    operatorCode: r.operator_code,
    enabled: Number(r.enabled) === 1,
    deleted: Number(r.deleted) === 1,
    locked: Number(r.locked) === 1,
  }));
  return { users, total, page, lastPage };
}

/** Rows read at a time by the CSV export. */
export const EXPORT_BATCH_SIZE = 500;

/**
 * Every user of a search, in batches read by keyset (user_id > last), so that memory
 * stays bounded whatever the row count (SPEC §4.3) and each batch is one index range scan.
 */
export async function* searchUserBatches(
  db: Db,
  viewerOperatorCode: string,
  c: SearchConditions,
  batchSize = EXPORT_BATCH_SIZE,
): AsyncGenerator<User[]> {
  let last = '';
  for (;;) {
    const q = scoped(db, viewerOperatorCode, c);
    if (!q) return;
    const rows = await inIndexOrder(q.where('user_id', '>', last), c)
      .selectAll()
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return;
    yield rows.map(toUser);
    if (rows.length < batchSize) return;
    last = rows[rows.length - 1]!.user_id;
  }
}

/** The SQL of a search's count and page queries, for the query-plan checks of the scale test. */
export function compileSearch(db: Db, viewerOperatorCode: string, c: SearchConditions) {
  const q = scoped(db, viewerOperatorCode, c);
  if (!q) return undefined;
  return {
    count: q.select((eb) => eb.fn.countAll().as('n')).compile(),
    page: inIndexOrder(q, c).select(LIST_COLUMNS).limit(PAGE_SIZE).offset(0).compile(),
  };
}
