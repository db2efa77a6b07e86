import { CompiledQuery, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileSearch,
  type SearchConditions,
  searchUsers,
} from '../../src/features/users/search/repository.js';
import { createTestContext, createUser, loginAs, type TestContext } from '../helpers/context.js';
import { storeKinds } from '../helpers/stores.js';

/**
 * SPEC D-8/D-9: the search must stay fast however many users the system holds. This file
 * fills the database with many operators' users and checks, through the query plans, that
 * every search query reads one operator's index range (never the whole table); on SQLite
 * the user_id order also comes from the index (no temporary sort). Timings are printed for the record only: a
 * wall-clock threshold would make the test flaky on a busy machine.
 */

const OPERATORS = 10_000;
const TARGET = '0042';
const PASSWORD_HASH_FOR_BULK_ROWS = 'bulk-row-cannot-log-in';

/**
 * Operators `0000`…`9999` and `rows` users spread evenly over them, generated inside the
 * database in one transaction (a recursive CTE on SQLite, generate_series on PostgreSQL):
 * sending a million rows through the driver would dominate the test's time.
 * User IDs are U + 9 digits, a permutation of the row number (997 is coprime to 10^6).
 * Names are ASCII digits after full-width katakana, which NFKC and lower case leave
 * unchanged, so user_name_key equals user_name here.
 */
async function fill(ctx: TestContext, rows: number): Promise<void> {
  const now = ctx.clock.now().toISOString();
  await ctx.store.db.transaction().execute(async (trx) => {
    if (ctx.kind === 'sqlite') {
      await sql`
        with recursive seq(i) as (select 0 union all select i + 1 from seq where i < ${OPERATORS - 1})
        insert into operators (operator_code, operator_name, created_at)
        select printf('%04d', i), '株式会社' || printf('%04d', i), ${now} from seq`.execute(trx);
      await sql`
        with recursive seq(i) as (select 0 union all select i + 1 from seq where i < ${rows - 1})
        insert into users (user_id, operator_code, role, department, user_name, user_name_key, phone, email,
          enabled, valid_from, valid_to, locked, failed_login_count, deleted, deleted_at, password_hash,
          password_is_temporary, temporary_password_expires_at, password_changed_at, version, created_at, updated_at)
        select printf('U%09d', (i * 997) % 1000000), printf('%04d', i % ${OPERATORS}), 'general', '試験部',
          'ユーザ' || i, 'ユーザ' || i, null, 'u' || i || '@example.jp',
          (i % 7 != 0), '2020-01-01', '9999-12-31', 0, 0, (i % 5 = 0), null, ${PASSWORD_HASH_FOR_BULK_ROWS},
          0, null, ${now}, 1, ${now}, ${now}
        from seq`.execute(trx);
    } else {
      await sql`
        insert into operators (operator_code, operator_name, created_at)
        select lpad(i::text, 4, '0'), '株式会社' || lpad(i::text, 4, '0'), ${now}
        from generate_series(0, ${OPERATORS - 1}) as i`.execute(trx);
      await sql`
        insert into users (user_id, operator_code, role, department, user_name, user_name_key, phone, email,
          enabled, valid_from, valid_to, locked, failed_login_count, deleted, deleted_at, password_hash,
          password_is_temporary, temporary_password_expires_at, password_changed_at, version, created_at, updated_at)
        select 'U' || lpad(((i::bigint * 997) % 1000000)::text, 9, '0'), lpad((i % ${OPERATORS})::text, 4, '0'),
          'general', '試験部', 'ユーザ' || i, 'ユーザ' || i, null, 'u' || i || '@example.jp',
          case when i % 7 = 0 then 0 else 1 end, '2020-01-01', '9999-12-31', 0, 0,
          case when i % 5 = 0 then 1 else 0 end, null, ${PASSWORD_HASH_FOR_BULK_ROWS},
          0, null, ${now}, 1, ${now}, ${now}
        from generate_series(0, ${rows - 1}) as i`.execute(trx);
    }
  });
  if (ctx.kind === 'postgres') await sql`analyze users`.execute(ctx.store.db);
  else await sql`analyze`.execute(ctx.store.db);
}

async function plan(ctx: TestContext, query: CompiledQuery): Promise<string> {
  const prefix = ctx.kind === 'sqlite' ? 'explain query plan ' : 'explain ';
  const result = await ctx.store.db.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(prefix + query.sql, [...query.parameters]),
  );
  return result.rows.map((r) => String(ctx.kind === 'sqlite' ? r.detail : r['QUERY PLAN'])).join('\n');
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return [value, Number(process.hrtime.bigint() - start) / 1e6];
}

const base: SearchConditions = {
  operatorCode: TARGET,
  userIdPrefix: '',
  userName: '',
  enabled: null,
  showDeleted: false,
};

const CASES: [string, SearchConditions][] = [
  ['defaults', base],
  ['name substring', { ...base, userName: 'ﾕｰｻﾞ1' }],
  ['user ID prefix', { ...base, userIdPrefix: 'U0001' }],
  ['deleted shown, disabled only', { ...base, showDeleted: true, enabled: false }],
];

const SIZES = { sqlite: 1_000_000, postgres: 200_000 } as const;

describe.each(storeKinds)('search at scale on $kind', ({ kind, skip }) => {
  let ctx: TestContext;
  const rows = SIZES[kind];
  beforeAll(async () => {
    if (skip) return;
    ctx = await createTestContext(kind);
    const [, ms] = await timed(() => fill(ctx, rows));
    process.stdout.write(
      `[scale ${kind}] inserted ${rows} users over ${OPERATORS} operators in ${ms.toFixed(0)} ms\n`,
    );
  }, 120_000);
  afterAll(async () => {
    await ctx?.close();
  });

  it.skipIf(skip)('holds the rows it claims to', async () => {
    const n = await ctx.store.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(rows);
  });

  it.skipIf(skip)('every search query reads one operator’s index range, in user_id order', async () => {
    for (const [label, conditions] of CASES) {
      const compiled = compileSearch(ctx.store.db, TARGET, conditions)!;
      for (const [part, query] of [
        ['count', compiled.count],
        ['first page', compiled.firstPage],
        ['page', compiled.page],
      ] as const) {
        const text = await plan(ctx, query);
        process.stdout.write(`[scale ${kind}] ${label} / ${part}:\n  ${text.replaceAll('\n', '\n  ')}\n`);
        if (kind === 'sqlite') {
          expect(text, `${label} ${part}`).toMatch(
            /SEARCH users USING (COVERING )?INDEX users_operator_(deleted_|live_)?user_id \(operator_code=\?/,
          );
          expect(text, `${label} ${part}`).not.toMatch(/SCAN users/);
          expect(text, `${label} ${part}`).not.toMatch(/TEMP B-TREE/);
        } else {
          expect(text, `${label} ${part}`).toMatch(
            /Index (Only )?Scan (using|on) users_operator_(deleted_|live_)?user_id/,
          );
          // PostgreSQL may sort the few rows of a bitmap scan instead of walking the index in
          // order: the sort input is still one operator's index range, never the table.
          expect(text, `${label} ${part}`).not.toMatch(/Seq Scan/);
        }
      }
    }
  });

  it.skipIf(skip)('finds the right users among all of them, and times each search', async () => {
    for (const [label, conditions] of CASES) {
      const [result, ms] = await timed(() => searchUsers(ctx.store.db, TARGET, conditions, 1));
      process.stdout.write(
        `[scale ${kind}] ${label}: ${result.total} hits, page of ${result.users.length}, ${ms.toFixed(1)} ms\n`,
      );
      expect(result.users.every((u) => u.operatorCode === TARGET)).toBe(true);
      expect(result.users.map((u) => u.userId)).toEqual(result.users.map((u) => u.userId).sort());
    }
    // Operator 0042 has rows i ≡ 42 (mod 10,000): 100 per million rows, a fifth deleted.
    const perOperator = rows / OPERATORS;
    const all = await searchUsers(ctx.store.db, TARGET, { ...base, showDeleted: true }, 1);
    expect(all.total).toBe(perOperator);
    const named = await searchUsers(ctx.store.db, TARGET, { ...base, userName: 'ﾕｰｻﾞ10042' }, 1);
    expect(named.users.map((u) => u.userName)).toContain('ユーザ10042');
    expect(named.users.every((u) => u.userName.includes('ユーザ10042'))).toBe(true);
  });

  it.skipIf(skip)('serves the list screen to one of the operators through the app', async () => {
    const admin = await createUser(ctx, { operatorCode: TARGET, role: 'admin' });
    const agent = await loginAs(ctx, admin);
    const [res, ms] = await timed(() =>
      agent.get(`/users?operatorCode=${TARGET}&userName=%EF%BE%95&search=1`),
    );
    process.stdout.write(`[scale ${kind}] GET /users (name ﾕ) for one operator: ${ms.toFixed(1)} ms\n`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/1 - 20 件 \(全\d+件\)/);
  });
});
