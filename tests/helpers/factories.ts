import crypto from 'node:crypto';
import type { Db } from '../../src/db/connect.js';
import type { NewUserRow } from '../../src/db/schema.js';
import { normaliseText, type Role, toSearchKey, type User } from '../../src/features/users/model.js';
import { findUser, generateUserId, insertUser } from '../../src/features/users/repository.js';
import type { Clock } from '../../src/lib/clock.js';
import { temporaryPasswordExpiry } from '../../src/lib/japan-time.js';
import { hashPassword } from '../../src/lib/passwords.js';

/**
 * Factories for the data a test needs: every call makes a new operator or user with
 * unique values, so that no test depends on seeded users or on another test's leftovers.
 */

/** What a factory writes through: a store and the clock of the app under test. */
export interface FactoryContext {
  store: { db: Db };
  clock: Clock;
}

export const DEFAULT_PASSWORD = 'Kakuninyou-Pass 2026!';

// argon2id takes tens of milliseconds: each password is hashed once per process.
const hashes = new Map<string, Promise<string>>();
function cachedHash(password: string): Promise<string> {
  let h = hashes.get(password);
  if (!h) {
    h = hashPassword(password);
    hashes.set(password, h);
  }
  return h;
}

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
function randomCode(): string {
  let s = '';
  for (let i = 0; i < 4; i++) s += ALPHANUMERIC[crypto.randomInt(ALPHANUMERIC.length)];
  return s;
}

export interface TestOperator {
  operatorCode: string;
  operatorName: string;
}

/** An operator with a unique code (株式会社 + the code unless named). */
export async function createOperator(
  ctx: FactoryContext,
  values: { operatorCode?: string; operatorName?: string } = {},
): Promise<TestOperator> {
  for (;;) {
    const operatorCode = values.operatorCode ?? randomCode();
    const operatorName = values.operatorName ?? `株式会社${operatorCode}`;
    const exists = await ctx.store.db
      .selectFrom('operators')
      .select('operator_code')
      .where('operator_code', '=', operatorCode)
      .executeTakeFirst();
    if (exists) {
      if (values.operatorCode) throw new Error(`operator ${operatorCode} exists`);
      continue;
    }
    await ctx.store.db
      .insertInto('operators')
      .values({
        operator_code: operatorCode,
        operator_name: operatorName,
        created_at: ctx.clock.now().toISOString(),
      })
      .execute();
    return { operatorCode, operatorName };
  }
}

let userSequence = 0;

export interface UserValues {
  /** The user's operator; a new one when unset. */
  operatorCode?: string;
  role?: Role;
  userId?: string;
  userName?: string;
  department?: string;
  email?: string;
  phone?: string | null;
  password?: string;
  /** A temporary password (to be changed at the next login), valid until `temporaryPasswordExpiresAt`. */
  temporary?: boolean;
  /** Unset with `temporary`: the end of the second day in Japan, as a reissue sets it. */
  temporaryPasswordExpiresAt?: string | null;
  enabled?: boolean;
  locked?: boolean;
  deleted?: boolean;
  validFrom?: string;
  validTo?: string;
}

/** A user with a known password (`DEFAULT_PASSWORD` unless given; a normal one unless `temporary`). */
export async function createUser(ctx: FactoryContext, values: UserValues = {}): Promise<User> {
  userSequence += 1;
  const db = ctx.store.db;
  const operatorCode = values.operatorCode ?? (await createOperator(ctx)).operatorCode;
  const userId = values.userId ?? (await generateUserId(db));
  const userName = normaliseText(values.userName ?? `試験 利用者${userSequence}`);
  const now = ctx.clock.now();
  const temporaryExpiry = values.temporary ? temporaryPasswordExpiry(now).toISOString() : null;
  await insertUser(db, {
    user_id: userId,
    operator_code: operatorCode,
    role: values.role ?? 'general',
    department: values.department ?? '試験部',
    user_name: userName,
    user_name_key: toSearchKey(userName),
    phone: values.phone ?? null,
    email: values.email ?? `user${userSequence}.${userId.toLowerCase()}@example.jp`,
    enabled: values.enabled === false ? 0 : 1,
    valid_from: values.validFrom ?? '2020-01-01',
    valid_to: values.validTo ?? '9999-12-31',
    locked: values.locked ? 1 : 0,
    failed_login_count: values.locked ? 5 : 0,
    deleted: values.deleted ? 1 : 0,
    deleted_at: values.deleted ? now.toISOString() : null,
    password_hash: await cachedHash(values.password ?? DEFAULT_PASSWORD),
    password_is_temporary: values.temporary ? 1 : 0,
    temporary_password_expires_at:
      values.temporaryPasswordExpiresAt === undefined ? temporaryExpiry : values.temporaryPasswordExpiresAt,
    password_changed_at: now.toISOString(),
    version: 1,
    created_at: now.toISOString(),
    updated_at: now.toISOString(),
  });
  return (await findUser(db, userId))!;
}

/** A 登録作業者(管理者) (of a new operator unless `operatorCode` is given). */
export function createAdmin(ctx: FactoryContext, values: Omit<UserValues, 'role'> = {}): Promise<User> {
  return createUser(ctx, { ...values, role: 'admin' });
}

/** A 登録作業者(一般) (of a new operator unless `operatorCode` is given). */
export function createGeneralUser(ctx: FactoryContext, values: Omit<UserValues, 'role'> = {}): Promise<User> {
  return createUser(ctx, { ...values, role: 'general' });
}

/** An operator with its two admins (SPEC D-1), ready for most tests. */
export async function createOperatorWithAdmins(ctx: FactoryContext) {
  const operator = await createOperator(ctx);
  const admin = await createAdmin(ctx, { operatorCode: operator.operatorCode });
  const otherAdmin = await createAdmin(ctx, { operatorCode: operator.operatorCode });
  return { operator, admin, otherAdmin };
}

/** A general user (`values`) of a new operator with its two admins. */
export async function createOperatorWithUser(
  ctx: FactoryContext,
  values: Omit<UserValues, 'operatorCode'> = {},
): Promise<{ operator: TestOperator; admin: User; otherAdmin: User; user: User }> {
  const { operator, admin, otherAdmin } = await createOperatorWithAdmins(ctx);
  const user = await createUser(ctx, { ...values, operatorCode: operator.operatorCode });
  return { operator, admin, otherAdmin, user };
}

/** Just the user of `createOperatorWithUser`: for tests of a user's own login and pages. */
export async function createUserOfNewOperator(
  ctx: FactoryContext,
  values: Omit<UserValues, 'operatorCode'> = {},
): Promise<User> {
  return (await createOperatorWithUser(ctx, values)).user;
}

/**
 * An operator with its two admins, `live` general users and one deleted general user (the
 * limit of eight counts only live ones, SPEC §4.4), for tests near the limit.
 */
export async function createOperatorWithGeneralUsers(ctx: FactoryContext, live: number) {
  const { operator, admin, otherAdmin } = await createOperatorWithAdmins(ctx);
  for (let i = 0; i < live; i++) await createUser(ctx, { operatorCode: operator.operatorCode });
  await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
  return { operator, admin, otherAdmin };
}

/**
 * A users row to insert directly, many at a time (no hashing, no look-ups): a general user
 * valid from 2020 on, not locked, its password not temporary; `deleted` ones deleted at `now`.
 */
export function userRowValues(values: {
  userId: string;
  operatorCode: string;
  userName: string;
  email: string;
  passwordHash: string;
  now: string;
  deleted?: boolean;
}): NewUserRow {
  return {
    user_id: values.userId,
    operator_code: values.operatorCode,
    role: 'general',
    department: '試験部',
    user_name: values.userName,
    user_name_key: toSearchKey(values.userName),
    phone: null,
    email: values.email,
    enabled: 1,
    valid_from: '2020-01-01',
    valid_to: '9999-12-31',
    locked: 0,
    failed_login_count: 0,
    deleted: values.deleted ? 1 : 0,
    deleted_at: values.deleted ? values.now : null,
    password_hash: values.passwordHash,
    password_is_temporary: 0,
    temporary_password_expires_at: null,
    password_changed_at: values.now,
    version: 1,
    created_at: values.now,
    updated_at: values.now,
  };
}
