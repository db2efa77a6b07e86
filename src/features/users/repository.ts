import crypto from 'node:crypto';
import { type ExpressionBuilder, sql } from 'kysely';
import type { Db, DialectName } from '../../db/connect.js';
import { type Param, precompile } from '../../db/precompiled.js';
import type { Database, NewUserRow } from '../../db/schema.js';
import { toSearchKey, toUser, USER_COLUMNS, type User } from './model.js';

/**
 * SPEC §3: a ユーザID is `U` + 9 digits. Anything else names no user and never reaches the
 * database (SPEC D-19: a NUL or an over-long ID in a URL is a 404, not a PostgreSQL error).
 */
export function isUserId(text: string): boolean {
  return /^U[0-9]{9}$/.test(text);
}

export async function findUser(db: Db, userId: string): Promise<User | undefined> {
  if (!isUserId(userId)) return undefined;
  const row = await db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** A user of the given operator, or nothing: another operator's user does not exist here. */
export async function findOperatorUser(
  db: Db,
  operatorCode: string,
  userId: string,
): Promise<User | undefined> {
  if (!isUserId(userId)) return undefined;
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('user_id', '=', userId)
    .where('operator_code', '=', operatorCode)
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/**
 * SPEC D-22: whether the user of the row has a second factor: an authenticator app whose
 * enrolment was confirmed (`enabled_at` set) or a passkey; 1, or null when neither.
 * Scalar subqueries, one index probe each per row read (the factor's primary key, the
 * passkeys' user index): PostgreSQL may run an `exists` here as a hash of the whole
 * table, built for a page of twenty rows.
 */
export function secondFactorEnabled(eb: ExpressionBuilder<Database, 'users'>) {
  const totp = eb
    .selectFrom('totp_factors')
    .select(sql<number>`1`.as('enrolled'))
    .whereRef('totp_factors.user_id', '=', 'users.user_id')
    .where('totp_factors.enabled_at', 'is not', null);
  const passkey = eb
    .selectFrom('passkeys')
    .select(sql<number>`1`.as('enrolled'))
    .whereRef('passkeys.user_id', '=', 'users.user_id')
    // A literal: SQLite reads a bound LIMIT when it plans, and plans again at every run.
    .limit(sql.lit(1));
  return eb.fn.coalesce(totp, passkey);
}

/** A flag as a store returns it: 0/1 or null on SQLite, a boolean, a number or null on PostgreSQL. */
export function isTrue(value: unknown): boolean {
  return value === true || Number(value) === 1;
}

/** SPEC D-22: whether the user has a second factor (an enrolled app or a passkey). */
export async function hasEnabledSecondFactor(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select((eb) => secondFactorEnabled(eb).as('second_factor'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return isTrue(row?.second_factor);
}

/** A user with whether they have a second factor (the detail, the list, the CSV: SPEC D-22). */
export type UserWithFactor = User & { secondFactor: boolean };

/**
 * `findOperatorUser` with whether the user has a second factor, in the same one query
 * (the detail page is the session and this).
 */
export async function findOperatorUserWithFactor(
  db: Db,
  operatorCode: string,
  userId: string,
): Promise<UserWithFactor | undefined> {
  if (!isUserId(userId)) return undefined;
  const [row] = await operatorUserWithFactor(db, { userId, operatorCode });
  return row ? { ...toUser(row), secondFactor: isTrue(row.second_factor) } : undefined;
}

/** The detail page's query: compiled once (docs/performance.md). */
const operatorUserWithFactor = precompile((db, param: Param<{ userId: string; operatorCode: string }>) =>
  db
    .selectFrom('users')
    .select(USER_COLUMNS)
    .select((eb) => secondFactorEnabled(eb).as('second_factor'))
    .where('user_id', '=', param('userId'))
    .where('operator_code', '=', param('operatorCode')),
);

export async function insertUser(db: Db, row: NewUserRow): Promise<User> {
  return toUser(await db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow());
}

/**
 * SPEC §3: `U` + 9 digits, unique and never reused. Deletion is logical, so an ID that
 * was ever given stays in the table and is never drawn again.
 */
export async function generateUserId(
  db: Db,
  draw: () => number = () => crypto.randomInt(0, 1_000_000_000),
): Promise<string> {
  for (;;) {
    const candidate = `U${String(draw()).padStart(9, '0')}`;
    const taken = await db
      .selectFrom('users')
      .select('user_id')
      .where('user_id', '=', candidate)
      .executeTakeFirst();
    if (!taken) return candidate;
  }
}

export async function recentPasswordHashes(db: Db, userId: string, count: number): Promise<string[]> {
  const rows = await db
    .selectFrom('password_history')
    .select('password_hash')
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(count)
    .execute();
  return rows.map((r) => r.password_hash);
}

/**
 * Ends every session of a user, but the one kept, if any: a user disabled, deleted or
 * given a new password is signed out everywhere at once (SPEC §4.11).
 */
export async function revokeUserSessions(db: Db, userId: string, keepSessionId?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepSessionId) q = q.where('id', '!=', keepSessionId);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * SPEC D-22: an admin's reset of a user's lost second factor, in the caller's transaction:
 * the authenticator app (an enrolment under way too), the recovery codes, the passkeys,
 * and any login or passkey ceremony waiting for its answer. Undefined when the user had
 * no second factor (no enrolled app, no passkey): the caller refuses, and its rollback
 * undoes the rest. The caller ends the user's sessions. What was removed, for the audit.
 */
export async function deleteUserSecondFactor(
  db: Db,
  userId: string,
): Promise<{ authenticatorApp: boolean; recoveryCodesLeft: number; passkeys: number } | undefined> {
  const app = await db
    .deleteFrom('totp_factors')
    .where('user_id', '=', userId)
    .returning('enabled_at')
    .executeTakeFirst();
  const passkeys = await db.deleteFrom('passkeys').where('user_id', '=', userId).executeTakeFirst();
  const authenticatorApp = Boolean(app?.enabled_at);
  const passkeyCount = Number(passkeys.numDeletedRows);
  if (!authenticatorApp && passkeyCount === 0) return undefined;
  const left = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('login_challenges').where('user_id', '=', userId).execute();
  await db.deleteFrom('passkey_challenges').where('user_id', '=', userId).execute();
  return { authenticatorApp, recoveryCodesLeft: Number(left.n), passkeys: passkeyCount };
}

/** SPEC §1: the general users that count toward the limit of eight (deleted ones do not). */
export async function countGeneralUsers(db: Db, operatorCode: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('operator_code', '=', operatorCode)
    .where('role', '=', 'general')
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Serialises the registrations of one operator until the transaction ends: on PostgreSQL
 * the operator row is locked (FOR UPDATE); SQLite runs one transaction at a time on its
 * single connection, so there is nothing to lock.
 */
export async function lockOperatorRegistrations(
  tx: Db,
  dialect: DialectName,
  operatorCode: string,
): Promise<void> {
  if (dialect !== 'postgres') return;
  await tx
    .selectFrom('operators')
    .select('operator_code')
    .where('operator_code', '=', operatorCode)
    .forUpdate()
    .execute();
}

/** Where an update applies: one user of one operator, never a deleted one. */
interface LiveUserKey {
  userId: string;
  operatorCode: string;
}

/** The row of `key`, if it is not deleted. */
function liveUser(key: LiveUserKey) {
  return (eb: ExpressionBuilder<Database, 'users'>) =>
    eb.and([
      eb('user_id', '=', key.userId),
      eb('operator_code', '=', key.operatorCode),
      eb('deleted', '=', 0),
    ]);
}

/** The fields of the change form (SPEC §4.5). */
export type UserDetails = Pick<
  User,
  'department' | 'userName' | 'phone' | 'email' | 'enabled' | 'validFrom' | 'validTo'
>;

/**
 * SPEC §4.5: writes the changed fields only if the row is still at `version` (optimistic
 * locking) and not deleted; the user as stored, or undefined when the row has moved on.
 */
export async function updateUserDetails(
  db: Db,
  key: LiveUserKey & { version: number },
  values: UserDetails,
  now: Date,
): Promise<User | undefined> {
  const row = await db
    .updateTable('users')
    .set((eb) => ({
      department: values.department,
      user_name: values.userName,
      user_name_key: toSearchKey(values.userName),
      phone: values.phone,
      email: values.email,
      enabled: values.enabled ? 1 : 0,
      valid_from: values.validFrom,
      valid_to: values.validTo,
      updated_at: now.toISOString(),
      version: eb('version', '+', 1),
    }))
    .where(liveUser(key))
    .where('version', '=', key.version)
    .returningAll()
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** SPEC §3: logical deletion of a general user; undefined when it is already deleted. */
export async function markUserDeleted(db: Db, key: LiveUserKey, now: Date): Promise<User | undefined> {
  const at = now.toISOString();
  const row = await db
    .updateTable('users')
    .set((eb) => ({ deleted: 1, deleted_at: at, updated_at: at, version: eb('version', '+', 1) }))
    .where(liveUser(key))
    .where('role', '=', 'general')
    .returningAll()
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** SPEC §4.8: the lock and the failure count reset together; undefined when not locked. */
export async function clearUserLock(db: Db, key: LiveUserKey, now: Date): Promise<User | undefined> {
  const row = await db
    .updateTable('users')
    .set({ locked: 0, failed_login_count: 0, updated_at: now.toISOString() })
    .where(liveUser(key))
    .where('locked', '=', 1)
    .returningAll()
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/**
 * SPEC §4.9: a new temporary password replaces the current one, whose hash goes to the
 * history; undefined when the user is deleted.
 */
export async function replaceWithTemporaryPassword(
  db: Db,
  key: LiveUserKey,
  password: { hash: string; expiresAt: Date },
  now: Date,
): Promise<User | undefined> {
  const at = now.toISOString();
  const current = await db
    .selectFrom('users')
    .select('password_hash')
    .where('user_id', '=', key.userId)
    .executeTakeFirstOrThrow();
  await db
    .insertInto('password_history')
    .values({ user_id: key.userId, password_hash: current.password_hash, created_at: at })
    .execute();
  const row = await db
    .updateTable('users')
    .set({
      password_hash: password.hash,
      password_is_temporary: 1,
      temporary_password_expires_at: password.expiresAt.toISOString(),
      password_changed_at: at,
      updated_at: at,
    })
    .where(liveUser(key))
    .returningAll()
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}
