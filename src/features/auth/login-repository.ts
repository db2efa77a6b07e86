import type { Kysely } from 'kysely';
import type { Db } from '../../db/connect.js';
import { type Param, precompile } from '../../db/precompiled.js';
import type { Database, Flag } from '../../db/schema.js';
import { toUser, USER_COLUMNS, type User } from '../users/model.js';
import { isUserId } from '../users/repository.js';
import type { PreviousLogin } from './sessions.js';

/**
 * The SQL of the login and the own password change: the user's credentials, the failure
 * count, the last login, the waiting logins (`login_challenges`, SPEC D-22) and the
 * password history. The rules that decide what to write live in the use cases.
 */

/** A user at the password step: the User, the stored hash and whether they have a second factor. */
export interface LoginUser {
  user: User;
  hash: string;
  hasSecondFactor: boolean;
}

/**
 * The user of a login with the stored hash and whether they have a second factor (an
 * enrolled app or a passkey), in one query compiled once: every login runs it.
 */
export async function findLoginUser(db: Db, userId: string): Promise<LoginUser | undefined> {
  if (!isUserId(userId)) return undefined;
  const [row] = await loginUserQuery(db, { userId });
  if (!row) return undefined;
  return {
    user: toUser(row),
    hash: row.password_hash,
    hasSecondFactor: Boolean(row.totp_enabled_at) || Boolean(Number(row.has_passkey)),
  };
}

const loginUserQuery = precompile((db, param: Param<{ userId: string }>) =>
  db
    .selectFrom('users')
    .leftJoin('totp_factors', 'totp_factors.user_id', 'users.user_id')
    .select(USER_COLUMNS.map((column) => `users.${column}` as const))
    .select(['users.password_hash', 'totp_factors.enabled_at as totp_enabled_at'])
    // A passkey is a second factor too (SPEC D-22).
    .select((eb) =>
      eb
        .exists(
          eb.selectFrom('passkeys').select('passkeys.id').whereRef('passkeys.user_id', '=', 'users.user_id'),
        )
        .as('has_passkey'),
    )
    .where('users.user_id', '=', param('userId')),
);

export async function currentPasswordHash(db: Db, userId: string): Promise<string> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}

/**
 * One failure more for a user who is not locked, and the lock when the count reaches
 * `lockAt`, in one UPDATE (no read-modify-write, so parallel attempts neither lose a
 * failure nor slip past the lock). Undefined when the user was locked already.
 */
export async function incrementFailedLogins(
  db: Db,
  userId: string,
  lockAt: number,
): Promise<{ failedLoginCount: number; locked: boolean } | undefined> {
  const row = await db
    .updateTable('users')
    .set((eb) => ({
      failed_login_count: eb('failed_login_count', '+', 1),
      locked: eb
        .case()
        .when('failed_login_count', '>=', lockAt - 1)
        .then(1 as Flag)
        .else(0 as Flag)
        .end(),
    }))
    .where('user_id', '=', userId)
    .where('locked', '=', 0)
    .returning(['failed_login_count', 'locked'])
    .executeTakeFirst();
  return row && { failedLoginCount: Number(row.failed_login_count), locked: Number(row.locked) === 1 };
}

/**
 * A login that went through, in one UPDATE: the failure count reset and this login recorded
 * as the user's latest, only while the user is still unlocked (a lock that a parallel
 * failure set meanwhile wins: false). Returns the login before it (前回ログイン), read first.
 */
export async function recordSuccessfulLogin(
  db: Db,
  userId: string,
  login: { at: Date; ip: string },
): Promise<{ opened: false } | { opened: true; previous: PreviousLogin | null }> {
  const last = await db
    .selectFrom('users')
    .select(['last_login_at', 'last_login_ip'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  const updated = await db
    .updateTable('users')
    .set({
      failed_login_count: 0,
      last_login_at: login.at.toISOString(),
      last_login_ip: login.ip.slice(0, 64),
    })
    .where('user_id', '=', userId)
    .where('locked', '=', 0)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) return { opened: false };
  const previous = last?.last_login_at
    ? { at: new Date(last.last_login_at), ip: last.last_login_ip ?? '' }
    : null;
  return { opened: true, previous };
}

/** A waiting login as it is stored (`id` is the SHA-256 of the token in its cookie). */
export interface LoginChallengeRow {
  id: string;
  userId: string;
  preSession: string;
  nextPath: string | null;
  passwordOk: boolean;
  createdAt: Date;
  expiresAt: Date;
}

/** Stores a waiting login; an earlier one of the same browser is dropped (one at a time). */
export async function replaceLoginChallenge(
  db: Kysely<Database>,
  challenge: LoginChallengeRow,
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    if (challenge.preSession) {
      await tx.deleteFrom('login_challenges').where('pre_session', '=', challenge.preSession).execute();
    }
    await tx
      .insertInto('login_challenges')
      .values({
        id: challenge.id,
        user_id: challenge.userId,
        pre_session: challenge.preSession,
        next_path: challenge.nextPath,
        password_ok: challenge.passwordOk ? 1 : 0,
        created_at: challenge.createdAt.toISOString(),
        expires_at: challenge.expiresAt.toISOString(),
      })
      .execute();
  });
}

export async function findLoginChallengeRow(db: Db, id: string): Promise<LoginChallengeRow | undefined> {
  const row = await db.selectFrom('login_challenges').selectAll().where('id', '=', id).executeTakeFirst();
  return (
    row && {
      id: row.id,
      userId: row.user_id,
      preSession: row.pre_session,
      nextPath: row.next_path,
      passwordOk: Number(row.password_ok) === 1,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
    }
  );
}

/** Deletes a waiting login; false when it was gone already (used by a parallel request). */
export async function deleteLoginChallenge(db: Db, id: string): Promise<boolean> {
  const deleted = await db.deleteFrom('login_challenges').where('id', '=', id).executeTakeFirst();
  return Number(deleted.numDeletedRows) === 1;
}

/** Removes login challenges past their lifetime (housekeeping). */
export async function purgeLoginChallenges(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('login_challenges')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A new own password: the old hash kept in the history, the temporary state ended. */
export async function replacePassword(
  db: Db,
  input: { userId: string; oldHash: string; newHash: string; now: Date },
): Promise<void> {
  const at = input.now.toISOString();
  await db
    .insertInto('password_history')
    .values({ user_id: input.userId, password_hash: input.oldHash, created_at: at })
    .execute();
  await db
    .updateTable('users')
    .set({
      password_hash: input.newHash,
      password_is_temporary: 0,
      temporary_password_expires_at: null,
      password_changed_at: at,
      updated_at: at,
    })
    .where('user_id', '=', input.userId)
    .execute();
}
