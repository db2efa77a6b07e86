/**
 * Fills a migrated database for the benchmark, inside the database (a recursive CTE on
 * SQLite, generate_series on PostgreSQL): sending a million rows through the driver would
 * take longer than the benchmark itself.
 *
 * Shape (the performance issue's): `users` users in operators of ten — two admins and
 * eight general users each, as SPEC §1 allows — with 4-character operator codes in base 36
 * (0000, 0001, … 0009, 000A, …: 100,000 operators need more than four digits), and operator
 * 0001 holding DELETED_IN_0001 deleted users besides its ten, so that its search with
 * 削除済みの情報を表示 has exactly CSV_ROWS rows (the export's limit) while its default
 * search shows ten.
 *
 * Every generated row carries one real argon2id hash (of a random password nobody knows),
 * so rows are as wide as real ones. The users the benchmark logs in as are made with the
 * app's own functions: the admin BENCH_ADMIN_ID of 0001 with a known, non-temporary
 * password, in place of the generated first admin of 0001.
 */
import crypto from 'node:crypto';
import { sql } from 'kysely';
import type { Store } from '../../src/db/connect.js';
import { normaliseText, toSearchKey } from '../../src/features/users/model.js';
import { insertUser } from '../../src/features/users/repository.js';
import { hashPassword } from '../../src/lib/passwords.js';

export const BENCH_OPERATOR = '0001';
export const BENCH_ADMIN_ID = 'U000000001';
/** 12 characters or more; never a temporary password, so the login leads straight to the pages. */
export const BENCH_ADMIN_PASSWORD = 'Bench-Kakunin 2026 capacity!';
/** The CSV export's limit (SPEC §4.3): operator 0001 with deleted users shown has exactly this many. */
export const CSV_ROWS = 12_000;
export const USERS_PER_OPERATOR = 10;
export const DELETED_IN_0001 = CSV_ROWS - USERS_PER_OPERATOR;

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const SURNAMES = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村'];
const GIVEN_NAMES = ['太郎', '花子', '一郎', '恵子', '翔太', '美咲', '健一', '由美', '大輔'];
const DEPARTMENTS = [
  '需給計画部 需給運用課',
  '電力取引部 第二グループ',
  '容量市場対応室',
  '経営企画本部',
  '系統運用部',
];

export interface FillResult {
  /** Rows in users. */
  totalUsers: number;
  operators: number;
  /** A general user of 0001 that is not deleted: the detail page measured. */
  generalUserId: string;
  /** Live (not deleted) users of 0001: the rows of the default list page. */
  liveIn0001: number;
  /** Every user of 0001, deleted included: the rows of the CSV export. */
  allIn0001: number;
  fillMs: number;
  analyzeMs: number;
}

/** A string literal for SQL text built here from constants (no input reaches it). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** `case (expr) % n when 0 then 'a' … end`: one of the values, chosen by a row number. */
function pick(values: string[], expr: string): string {
  const arms = values.map((v, i) => `when ${i} then ${literal(v)}`).join(' ');
  return `case (${expr}) % ${values.length} ${arms} end`;
}

/** The 4-character base-36 operator code of an integer expression (0001 for 1). */
function operatorCode(expr: string): string {
  return [36 ** 3, 36 ** 2, 36, 1]
    .map((d) => `substr('${ALPHABET}', ((${expr}) / ${d}) % 36 + 1, 1)`)
    .join(' || ');
}

const COLUMNS = `user_id, operator_code, role, department, user_name, user_name_key, phone, email,
  enabled, valid_from, valid_to, locked, failed_login_count, deleted, deleted_at, password_hash,
  password_is_temporary, temporary_password_expires_at, password_changed_at, version, created_at, updated_at`;

export async function fillDatabase(store: Store, users: number): Promise<FillResult> {
  const db = store.db;
  const postgres = store.dialect === 'postgres';
  const operators = Math.ceil(users / USERS_PER_OPERATOR);
  const now = new Date().toISOString();
  const bulkHash = await hashPassword(crypto.randomBytes(24).toString('base64url'));
  const adminHash = await hashPassword(BENCH_ADMIN_PASSWORD);

  // Dialect pieces: the row source, zero-padding, and an integer wide enough for i * 997.
  const seq = (n: number) =>
    postgres
      ? `generate_series(0, ${n - 1}) as s(i)`
      : `(with recursive s(i) as (select 0 union all select i + 1 from s where i < ${n - 1}) select i from s) as s`;
  const pad9 = (expr: string) => (postgres ? `lpad((${expr})::text, 9, '0')` : `printf('%09d', ${expr})`);
  const pad4 = (expr: string) => (postgres ? `lpad((${expr})::text, 4, '0')` : `printf('%04d', ${expr})`);
  const wide = postgres ? 'i::bigint' : 'i';
  // User IDs U100000000…U199999999, a permutation of the row number (997 is coprime to 10^8),
  // so that each operator's users are scattered over the ID range as real ones would be.
  const userId = (row: string) => `'U' || ${pad9(`100000000 + (${row} * 997) % 100000000`)}`;
  const name = `${pick(SURNAMES, 'i')} || ' ' || ${pick(GIVEN_NAMES, 'i / 8')}`;
  const phone = `case when i % 3 = 0 then null else '03-' || ${pad4('1000 + i % 9000')} || '-' || ${pad4('i % 10000')} end`;

  const started = performance.now();
  await db.transaction().execute(async (trx) => {
    if (!postgres) {
      // Only this filling connection; the server opens its own with synchronous=FULL.
      await sql`pragma cache_size = -262144`.execute(trx);
    }
    await sql
      .raw(
        `insert into operators (operator_code, operator_name, created_at)
         select ${operatorCode('i')}, '株式会社' || ${operatorCode('i')}, ${literal(now)} from ${seq(operators)}`,
      )
      .execute(trx);
    // Row 10 (operator 0001's first admin) is left out: the benchmark's admin takes its place.
    await sql
      .raw(
        `insert into users (${COLUMNS})
         select ${userId(wide)}, ${operatorCode(`i / ${USERS_PER_OPERATOR}`)},
           case when i % ${USERS_PER_OPERATOR} < 2 then 'admin' else 'general' end,
           ${pick(DEPARTMENTS, 'i')}, ${name}, ${name}, ${phone}, 'user' || i || '@example.co.jp',
           case when i % 13 = 0 then 0 else 1 end, '2020-04-01', '9999-12-31',
           case when i % 17 = 0 then 1 else 0 end, case when i % 17 = 0 then 5 else 0 end, 0, null,
           ${literal(bulkHash)}, 0, null, ${literal(now)}, 1, ${literal(now)}, ${literal(now)}
         from ${seq(users)} where i <> ${USERS_PER_OPERATOR}`,
      )
      .execute(trx);
    // Operator 0001's deleted users, their IDs after everyone else's rows in the permutation.
    await sql
      .raw(
        `insert into users (${COLUMNS})
         select ${userId(`(${wide} + ${users})`)}, '${BENCH_OPERATOR}', 'general',
           ${pick(DEPARTMENTS, 'i')}, ${name}, ${name}, ${phone}, 'deleted' || i || '@example.co.jp',
           1, '2020-04-01', '9999-12-31', 0, 0, 1, ${literal(now)},
           ${literal(bulkHash)}, 0, null, ${literal(now)}, 2, ${literal(now)}, ${literal(now)}
         from ${seq(DELETED_IN_0001)}`,
      )
      .execute(trx);
    const adminName = normaliseText('ベンチ 管理者');
    await insertUser(trx, {
      user_id: BENCH_ADMIN_ID,
      operator_code: BENCH_OPERATOR,
      role: 'admin',
      department: normaliseText('容量市場対応室'),
      user_name: adminName,
      user_name_key: toSearchKey(adminName),
      phone: '03-0000-0001',
      email: 'bench-admin@example.co.jp',
      enabled: 1,
      valid_from: '2020-04-01',
      valid_to: '9999-12-31',
      locked: 0,
      failed_login_count: 0,
      deleted: 0,
      deleted_at: null,
      password_hash: adminHash,
      password_is_temporary: 0,
      temporary_password_expires_at: null,
      password_changed_at: now,
      version: 1,
      created_at: now,
      updated_at: now,
    });
  });
  const fillMs = performance.now() - started;

  const analyzeStarted = performance.now();
  if (postgres) {
    // A table that has been in use is vacuumed (visibility map set for index-only scans).
    await sql`vacuum analyze`.execute(db);
  } else {
    await sql`analyze`.execute(db);
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
  }
  const analyzeMs = performance.now() - analyzeStarted;

  const count = async (deleted: boolean | undefined) => {
    let q = db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('operator_code', '=', BENCH_OPERATOR);
    if (deleted !== undefined) q = q.where('deleted', '=', deleted ? 1 : 0);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };
  const total = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  const general = await db
    .selectFrom('users')
    .select('user_id')
    .where('operator_code', '=', BENCH_OPERATOR)
    .where('role', '=', 'general')
    .where('deleted', '=', 0)
    .orderBy('user_id')
    .executeTakeFirstOrThrow();
  return {
    totalUsers: Number(total.n),
    operators,
    generalUserId: general.user_id,
    liveIn0001: await count(false),
    allIn0001: await count(undefined),
    fillMs,
    analyzeMs,
  };
}
