import { type SelectQueryBuilder, sql } from 'kysely';
import type { Db } from '../../../db/connect.js';
import type { Database } from '../../../db/schema.js';
import { toSearchKey, toUser, type User } from '../model.js';

/** The search of the list and the CSV export (SPEC §4.1, §4.3, D-8, D-9): its SQL, always per operator. */

/** SPEC D-9: twenty rows a page. */
export const PAGE_SIZE = 20;

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
