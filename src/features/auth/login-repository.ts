import type { Kysely } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { Database, Flag } from '../../db/schema.js';
import type { PreviousLogin } from './sessions.js';

/**
 * The SQL of the login and the own password change: the user's credentials, the failure
 * count, the last login, the waiting logins (`login_challenges`, SPEC D-22) and the
 * password history. The rules that decide what to write live in the use cases.
 */

/** The stored hash, and whether the user has a second factor (an enrolled app or a passkey). */
export async function loginCredentials(
  db: Db,
  userId: string,
): Promise<{ hash: string; hasSecondFactor: boolean }> {
  const row = await db
    .selectFrom('users')
    .leftJoin('totp_factors', 'totp_factors.user_id', 'users.user_id')
    .select(['users.password_hash', 'totp_factors.enabled_at'])
    // A passkey is a second factor too (SPEC D-22).
    .select((eb) =>
      eb
        .exists(
          eb.selectFrom('passkeys').select('passkeys.id').whereRef('passkeys.user_id', '=', 'users.user_id'),
        )
        .as('has_passkey'),
    )
    .where('users.user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return {
    hash: row.password_hash,
    hasSecondFactor: Boolean(row.enabled_at) || Boolean(Number(row.has_passkey)),
  };
}

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
 * Resets the failure count, only while the user is still unlocked: a lock that a parallel
 * failure set between our read and now wins (false).
 */
export async function resetFailedLogins(db: Db, userId: string): Promise<boolean> {
  const reset = await db
    .updateTable('users')
    .set({ failed_login_count: 0 })
    .where('user_id', '=', userId)
    .where('locked', '=', 0)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  return Number(reset.numUpdatedRows) > 0;
}

/** Records this login as the user's latest; returns the one before it (前回ログイン). */
export async function replaceLastLogin(
  db: Db,
  userId: string,
  login: { at: Date; ip: string },
): Promise<PreviousLogin | null> {
  const last = await db
    .selectFrom('users')
    .select(['last_login_at', 'last_login_ip'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  await db
    .updateTable('users')
    .set({ last_login_at: login.at.toISOString(), last_login_ip: login.ip.slice(0, 64) })
    .where('user_id', '=', userId)
    .execute();
  return last?.last_login_at ? { at: new Date(last.last_login_at), ip: last.last_login_ip ?? '' } : null;
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
