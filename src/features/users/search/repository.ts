import { type SelectQueryBuilder, sql } from 'kysely';
import type { Db } from '../../../db/connect.js';
import { type Param, planIndependent, precompile } from '../../../db/precompiled.js';
import type { Database } from '../../../db/schema.js';
import { toSearchKey, toUser, USER_COLUMNS, type User } from '../model.js';
import { isTrue, secondFactorEnabled, type UserWithFactor } from '../repository.js';

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

/** The values a search binds; which of them a query uses depends on its shape. */
type SearchValues = {
  operatorCode: string;
  enabled: 0 | 1;
  userIdLike: string;
  userNameLike: string;
  offset: number;
};

type SearchParam = Param<SearchValues>;

/** What decides a search's SQL text (not its values). */
interface SearchShape {
  showDeleted: boolean;
  enabled: boolean | null;
  userIdPrefix: boolean;
  userName: boolean;
}

function shapeOf(c: SearchConditions): SearchShape {
  return {
    showDeleted: c.showDeleted,
    enabled: c.enabled,
    userIdPrefix: c.userIdPrefix !== '',
    userName: c.userName !== '',
  };
}

function valuesOf(c: SearchConditions, page: number): SearchValues {
  return {
    operatorCode: c.operatorCode,
    enabled: c.enabled ? 1 : 0,
    userIdLike: c.userIdPrefix === '' ? '%' : `${escapeLike(c.userIdPrefix)}%`,
    // users.user_name_key holds NFKC + lower case of the name; fold the input the same way.
    userNameLike: c.userName === '' ? '%%' : `%${escapeLike(toSearchKey(c.userName))}%`,
    offset: (page - 1) * PAGE_SIZE,
  };
}

/**
 * The WHERE clause of a search, always scoped by the viewer's operator (SPEC §2: another
 * operator's users do not exist here). The operator_code equality comes first so that
 * the indexes users_operator_user_id / users_operator_deleted_user_id bound every scan
 * to one operator's rows, already in user_id order.
 */
function scoped(db: Db, shape: SearchShape, param: SearchParam): UsersQuery {
  let q = db.selectFrom('users').where('operator_code', '=', planIndependent(db, param('operatorCode')));
  // A literal, not a parameter: the partial index of undeleted rows (users_operator_live_
  // user_id) can serve only a query whose text says `deleted = 0`, whatever a plan cache does.
  if (!shape.showDeleted) q = q.where(sql<boolean>`deleted = 0`);
  if (shape.enabled !== null) q = q.where('enabled', '=', param('enabled'));
  if (shape.userIdPrefix) q = q.where(sql<boolean>`user_id like ${param('userIdLike')} escape '\\'`);
  if (shape.userName) q = q.where(sql<boolean>`user_name_key like ${param('userNameLike')} escape '\\'`);
  return q;
}

/**
 * Orders a search by the columns of the index that serves it, not by user_id alone: the
 * operator (and deletion state) are fixed by the WHERE clause, so the order is the same
 * ユーザID order, but only the composite index yields it. Ordered by user_id alone, a
 * planner may instead walk the primary key over every operator's rows and filter them
 * (PostgreSQL did, for an operator holding 12,000 deleted users among 100,000).
 */
function inIndexOrder(q: UsersQuery, shape: SearchShape): UsersQuery {
  const byOperator = q.orderBy('operator_code');
  return (shape.showDeleted ? byOperator : byOperator.orderBy('deleted')).orderBy('user_id');
}

/** SPEC §1: the operator's general users that count toward the limit of eight. */
function generalUsers(db: Db, param: SearchParam) {
  return db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('operator_code', '=', planIndependent(db, param('operatorCode')))
    .where('role', '=', 'general')
    .where(sql<boolean>`deleted = 0`);
}

/**
 * What a row of the list shows (SPEC §4.1, and whether the user has a second factor,
 * D-22): read alone, the page query stays narrow.
 */
export type UserListItem = Pick<
  UserWithFactor,
  'userId' | 'userName' | 'role' | 'operatorCode' | 'enabled' | 'deleted' | 'locked' | 'secondFactor'
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
  /** Asked for with `countGeneralUsers`: the operator's general users (SPEC §1). */
  generalUserCount?: number;
}

type Count = string | number | bigint;

/** Whether the search is the list's default: every undeleted user of the operator. */
function isDefaultShape(shape: SearchShape): boolean {
  return !shape.showDeleted && shape.enabled === null && !shape.userIdPrefix && !shape.userName;
}

/**
 * The list page's one query: a page of rows, each carrying the search's total and (for
 * an admin) the operator's general users as uncorrelated scalar subqueries, which both
 * stores evaluate once. One statement instead of three: per statement, the query layer
 * and (PostgreSQL) a round trip cost more than the counting (docs/performance.md).
 */
function pageQuery(shape: SearchShape, withGeneral: boolean) {
  return precompile<SearchValues, ListRow>((db, param) => {
    const where = scoped(db, shape, param);
    return inIndexOrder(where, shape)
      .select(LIST_COLUMNS)
      .select((eb) => [
        // SPEC D-22: a probe of totp_factors' primary key for each row of the page.
        secondFactorEnabled(eb).as('second_factor'),
        scoped(db, shape, param).select(eb.fn.countAll<Count>().as('n')).as('total'),
        ...(withGeneral ? [generalUsers(db, param).as('general')] : []),
      ])
      .limit(sql.lit(PAGE_SIZE))
      .offset(param('offset'));
  });
}

/**
 * The first page, which is nearly always the whole result (an operator has at most ten
 * live users): one row more than a page and no total, which the rows give when they fit
 * (the two counts were a third of the page query's time on SQLite). The operator's general
 * users come from the rows too when the search is the default one (they are all its live
 * users), else from a subquery.
 */
function firstPageQuery(shape: SearchShape, withGeneral: boolean) {
  return precompile<SearchValues, ListRow>((db, param) =>
    inIndexOrder(scoped(db, shape, param), shape)
      .select(LIST_COLUMNS)
      .select((eb) => [
        secondFactorEnabled(eb).as('second_factor'),
        ...(withGeneral && !isDefaultShape(shape) ? [generalUsers(db, param).as('general')] : []),
      ])
      .limit(sql.lit(PAGE_SIZE + 1)),
  );
}

/** The counts alone, for a page past the last or a search without hits. */
function countQuery(shape: SearchShape, withGeneral: boolean) {
  return precompile<SearchValues, CountRow>((db, param) =>
    db.selectNoFrom((eb) => [
      scoped(db, shape, param).select(eb.fn.countAll<Count>().as('n')).as('total'),
      ...(withGeneral ? [generalUsers(db, param).as('general')] : []),
    ]),
  );
}

interface ListRow {
  user_id: string;
  user_name: string;
  role: User['role'];
  operator_code: string;
  enabled: number | boolean;
  deleted: number | boolean;
  locked: number | boolean;
  second_factor: number | null;
  /** Absent from the first page's query. */
  total?: Count;
  general?: Count | null;
}

interface CountRow {
  total: Count;
  general?: Count | null;
}

/** Each shape's queries, compiled once (a few dozen shapes at most). */
const shapes = new Map<
  string,
  {
    firstPage: ReturnType<typeof firstPageQuery>;
    page: ReturnType<typeof pageQuery>;
    count: ReturnType<typeof countQuery>;
  }
>();

function queriesFor(shape: SearchShape, withGeneral: boolean) {
  // Every field of the shape and the flag, as a short key (every list page looks it up).
  const key = `${shape.showDeleted}/${shape.enabled}/${shape.userIdPrefix}/${shape.userName}/${withGeneral}`;
  let queries = shapes.get(key);
  if (!queries) {
    queries = {
      firstPage: firstPageQuery(shape, withGeneral),
      page: pageQuery(shape, withGeneral),
      count: countQuery(shape, withGeneral),
    };
    shapes.set(key, queries);
  }
  return queries;
}

function toListItem(r: ListRow): UserListItem {
  return {
    userId: r.user_id,
    userName: r.user_name,
    role: r.role,
    operatorCode: r.operator_code,
    enabled: Number(r.enabled) === 1,
    deleted: Number(r.deleted) === 1,
    locked: Number(r.locked) === 1,
    secondFactor: isTrue(r.second_factor),
  };
}

function pageOf(total: number, requestedPage: number) {
  const lastPage = Math.max(1, Math.ceil(total / PAGE_SIZE));
  return { page: Math.min(requestedPage, lastPage), lastPage };
}

/**
 * SPEC D-9: one page of the results ordered by ユーザID, with the total count, and (an
 * admin's list, `countGeneralUsers`) the operator's general users. Conditions naming
 * another operator match nothing.
 */
export async function searchUsers(
  db: Db,
  viewerOperatorCode: string,
  c: SearchConditions,
  requestedPage: number,
  options: { countGeneralUsers?: boolean } = {},
): Promise<SearchPage> {
  const withGeneral = options.countGeneralUsers === true;
  const shape = shapeOf(c);
  const queries = queriesFor(shape, withGeneral);
  const scopedTo = { ...c, operatorCode: viewerOperatorCode };
  const general = (n: Count | null | undefined) => (withGeneral ? { generalUserCount: Number(n ?? 0) } : {});
  if (c.operatorCode === viewerOperatorCode && requestedPage === 1) {
    const rows = await queries.firstPage(db, valuesOf(scopedTo, 1));
    const users = rows.slice(0, PAGE_SIZE).map(toListItem);
    if (rows.length > PAGE_SIZE) {
      const counts = (await queries.count(db, valuesOf(scopedTo, 1)))[0];
      const total = Number(counts?.total ?? 0);
      return { users, total, ...pageOf(total, 1), ...general(counts?.general) };
    }
    // The rows are the whole result. The general users: counted among them on the default
    // search, else carried by each row (none to carry them when nothing matched).
    const generalCount = isDefaultShape(shape)
      ? users.filter((u) => u.role === 'general').length
      : rows[0]?.general;
    if (!withGeneral || generalCount !== undefined) {
      return { users, total: users.length, page: 1, lastPage: 1, ...general(generalCount) };
    }
  } else if (c.operatorCode === viewerOperatorCode) {
    const rows = await queries.page(db, valuesOf(scopedTo, requestedPage));
    const first = rows[0];
    if (first) {
      const total = Number(first.total);
      return {
        users: rows.map(toListItem),
        total,
        ...pageOf(total, requestedPage),
        ...general(first.general),
      };
    }
  }
  // No row: no hits, another operator named, or a page past the last one.
  const counts = (await queries.count(db, valuesOf(scopedTo, 1)))[0];
  const total = c.operatorCode === viewerOperatorCode ? Number(counts?.total ?? 0) : 0;
  const { page, lastPage } = pageOf(total, requestedPage);
  if (total === 0 || page === requestedPage) {
    return { users: [], total, page, lastPage, ...general(counts?.general) };
  }
  const rows = await queries.page(db, valuesOf(scopedTo, page));
  return { users: rows.map(toListItem), total, page, lastPage, ...general(counts?.general) };
}

/** The number of users a search finds (the CSV export's limit check, SPEC §4.3). */
export async function countUsers(db: Db, viewerOperatorCode: string, c: SearchConditions): Promise<number> {
  if (c.operatorCode !== viewerOperatorCode) return 0;
  const [row] = await queriesFor(shapeOf(c), false).count(db, valuesOf(c, 1));
  return Number(row?.total ?? 0);
}

/** Rows read at a time by the CSV export. */
export const EXPORT_BATCH_SIZE = 500;

/**
 * Every user of a search with whether they have a second factor (the CSV's last column), in batches read by keyset (user_id > last), so that memory
 * stays bounded whatever the row count (SPEC §4.3) and each batch is one index range scan.
 */
export async function* searchUserBatches(
  db: Db,
  viewerOperatorCode: string,
  c: SearchConditions,
  batchSize = EXPORT_BATCH_SIZE,
): AsyncGenerator<UserWithFactor[]> {
  if (c.operatorCode !== viewerOperatorCode) return;
  const shape = shapeOf(c);
  const values = valuesOf(c, 1);
  const param: SearchParam = (name) => values[name];
  let last = '';
  for (;;) {
    const rows = await inIndexOrder(scoped(db, shape, param).where('user_id', '>', last), shape)
      // The User's columns only: the password hash and the search key stay in the database.
      .select(USER_COLUMNS)
      .select((eb) => secondFactorEnabled(eb).as('second_factor'))
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((row) => ({ ...toUser(row), secondFactor: isTrue(row.second_factor) }));
    if (rows.length < batchSize) return;
    last = rows[rows.length - 1]!.user_id;
  }
}

/** The SQL of a search's count and page queries (an admin's), for the query-plan checks. */
export function compileSearch(db: Db, viewerOperatorCode: string, c: SearchConditions) {
  if (c.operatorCode !== viewerOperatorCode) return undefined;
  const queries = queriesFor(shapeOf(c), true);
  const values = valuesOf(c, 1);
  return {
    count: queries.count.compileFor(db, values),
    firstPage: queries.firstPage.compileFor(db, values),
    page: queries.page.compileFor(db, values),
  };
}
