import type { Kysely } from 'kysely';
import type { Database, Flag } from '../../db/schema.js';
import { japanDate } from '../../lib/japan-time.js';
import type { MessageId } from '../../lib/messages.js';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../../lib/passwords.js';
import { recordAudit } from '../audit/service.js';
import { queueNotice } from '../mail/notices.js';
import { isWithinValidity, type User } from '../users/model.js';
import { findUser, recentPasswordHashes, revokeUserSessions } from '../users/repository.js';
import { passwordPolicyProblems } from './password-policy.js';
import { createSession, type Session } from './sessions.js';

/** SPEC §4.11: five consecutive failures lock the user. */
export const MAX_FAILED_LOGINS = 5;
/** SPEC D-13: a new password may not equal the current one or one of the three previous. */
const PASSWORD_HISTORY_DEPTH = 3;

export interface RequestContext {
  ip: string;
  userAgent: string;
  now: Date;
}

export type LoginFailure = Extract<
  MessageId,
  'error.login.failed' | 'error.login.locked' | 'error.login.temporaryExpired' | 'error.login.unavailable'
>;

export type LoginResult =
  | { ok: true; user: User; token: string; session: Session }
  | { ok: false; reason: LoginFailure };

/** IDs are `U` + digits; people type them in any case and with stray spaces. */
export function normaliseUserIdInput(text: string): string {
  return text.normalize('NFKC').trim().toUpperCase();
}

/**
 * SPEC §4.11 login. Counting and locking are single UPDATE statements, so parallel
 * attempts can neither lose a failure nor slip past the lock (no read-modify-write).
 *
 * D-14: the user's state decides the answer before the password is looked at. A user
 * who cannot log in anyway (deleted, locked, disabled, out of validity) gets one answer
 * per state whatever the password, and every path does exactly one argon2 verification:
 * an unusable user's password is verified against the decoy hash, so the outcome of
 * that verification cannot reach the page, the audit or the timing.
 */
export async function login(
  db: Kysely<Database>,
  input: { userId: string; password: string } & RequestContext,
): Promise<LoginResult> {
  const userId = normaliseUserIdInput(input.userId);
  const audit = (outcome: 'success' | 'failure', reason: string, user?: User) =>
    recordAudit(db, {
      at: input.now,
      action: 'login',
      outcome,
      actorUserId: user?.userId ?? null,
      operatorCode: user?.operatorCode ?? null,
      ip: input.ip,
      targetUserId: user?.userId ?? null,
      detail: user ? { reason } : { reason, attemptedUserId: userId.slice(0, 20) },
    });

  const user = userId ? await findUser(db, userId) : undefined;
  const refusal = user ? refusalFor(user, input.now) : UNKNOWN_USER;
  // The stored hash is read for every known user (the same database work on each path),
  // but only a usable user's is verified; everyone else's attempt verifies the decoy.
  const hash = user ? await currentHash(db, user.userId) : undefined;
  const usableHash = refusal ? undefined : hash;
  const passwordMatches = await verifyPassword(usableHash ?? (await decoyPasswordHash()), input.password);
  if (refusal || !user) {
    // Recorded alike for a right and a wrong password: the audit does not tell them apart.
    const { reason, auditReason } = refusal ?? UNKNOWN_USER;
    await audit('failure', auditReason, user);
    return { ok: false, reason };
  }

  if (!passwordMatches) {
    return { ok: false, reason: await countFailure(db, user, input) };
  }
  // Only an otherwise usable user with the right password learns that it expired.
  if (
    user.passwordIsTemporary &&
    user.temporaryPasswordExpiresAt &&
    input.now.getTime() > new Date(user.temporaryPasswordExpiresAt).getTime()
  ) {
    await audit('failure', 'temporaryPasswordExpired', user);
    return { ok: false, reason: 'error.login.temporaryExpired' };
  }

  return db.transaction().execute(async (tx) => {
    // Reset the count only while the user is still unlocked: a lock that a parallel
    // failure set between our read and now wins.
    const reset = await tx
      .updateTable('users')
      .set({ failed_login_count: 0 })
      .where('user_id', '=', user.userId)
      .where('locked', '=', 0)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (Number(reset.numUpdatedRows) === 0) {
      await audit('failure', 'locked', user);
      return { ok: false, reason: 'error.login.locked' } as const;
    }
    const { token, session } = await createSession(tx, {
      userId: user.userId,
      ip: input.ip,
      userAgent: input.userAgent,
      now: input.now,
    });
    await recordAudit(tx, {
      at: input.now,
      action: 'login',
      outcome: 'success',
      actorUserId: user.userId,
      operatorCode: user.operatorCode,
      ip: input.ip,
      targetUserId: user.userId,
      detail: { temporaryPassword: user.passwordIsTemporary },
    });
    return { ok: true, user: { ...user, failedLoginCount: 0 }, token, session } as const;
  });
}

async function currentHash(db: Kysely<Database>, userId: string): Promise<string> {
  const row = await db
    .selectFrom('users')
    .select('password_hash')
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row.password_hash;
}

interface Refusal {
  reason: LoginFailure;
  auditReason: 'unknownUser' | 'deleted' | 'locked' | 'disabled' | 'outsideValidity';
}

const UNKNOWN_USER: Refusal = { reason: 'error.login.failed', auditReason: 'unknownUser' };

/**
 * D-14: the one answer for a user who cannot log in whatever the password, or undefined
 * for a usable user. A deleted user is answered like an unknown ID; a lock is named
 * before the other states, so that a locked user always sees the lock.
 */
function refusalFor(user: User, now: Date): Refusal | undefined {
  if (user.deleted) return { reason: 'error.login.failed', auditReason: 'deleted' };
  if (user.locked) return { reason: 'error.login.locked', auditReason: 'locked' };
  if (!user.enabled) return { reason: 'error.login.unavailable', auditReason: 'disabled' };
  if (!isWithinValidity(user, japanDate(now))) {
    return { reason: 'error.login.unavailable', auditReason: 'outsideValidity' };
  }
  return undefined;
}

/**
 * One wrong password of a usable user: +1, and the fifth locks. If a parallel attempt
 * locked the user after we read it, nothing is counted and the answer is the lock's
 * (as a right password in that window would get), recorded as such.
 */
async function countFailure(db: Kysely<Database>, user: User, ctx: RequestContext): Promise<LoginFailure> {
  return db.transaction().execute(async (tx) => {
    const row = await tx
      .updateTable('users')
      .set((eb) => ({
        failed_login_count: eb('failed_login_count', '+', 1),
        locked: eb
          .case()
          .when('failed_login_count', '>=', MAX_FAILED_LOGINS - 1)
          .then(1 as Flag)
          .else(0 as Flag)
          .end(),
      }))
      .where('user_id', '=', user.userId)
      .where('locked', '=', 0)
      .returning(['failed_login_count', 'locked'])
      .executeTakeFirst();
    await recordAudit(tx, {
      at: ctx.now,
      action: 'login',
      outcome: 'failure',
      actorUserId: user.userId,
      operatorCode: user.operatorCode,
      ip: ctx.ip,
      targetUserId: user.userId,
      detail: row
        ? { reason: 'wrongPassword', failedLoginCount: Number(row.failed_login_count) }
        : { reason: 'locked' },
    });
    if (!row) return 'error.login.locked';
    if (Number(row.locked) === 1) {
      await recordAudit(tx, {
        at: ctx.now,
        action: 'lock',
        outcome: 'success',
        actorUserId: null,
        operatorCode: user.operatorCode,
        ip: ctx.ip,
        targetUserId: user.userId,
        detail: { failedLoginCount: Number(row.failed_login_count) },
      });
      // SPEC D-17: a user becoming locked is notified like the other events.
      await queueNotice(tx, { event: 'locked', at: ctx.now, user });
    }
    return 'error.login.failed';
  });
}

/** The problems of each field of the password change form (the new password's, all at once). */
export type PasswordChangeErrors = Partial<
  Record<'currentPassword' | 'newPassword' | 'confirmPassword', MessageId[]>
>;

/**
 * SPEC §4.10 own password change. On success the user's other sessions end and the
 * current one is replaced by a new session (returned token). A refusal names every
 * problem at once (D-13: all the rules the new password breaks, a mismatch, a wrong
 * current password); only the comparison with the previous passwords waits until the
 * current password is known to be right, so that nobody can test guesses against them.
 */
export async function changeOwnPassword(
  db: Kysely<Database>,
  input: {
    user: User;
    sessionId: string;
    currentPassword: string;
    newPassword: string;
    confirmPassword: string;
  } & RequestContext,
): Promise<{ ok: true; token: string } | { ok: false; errors: PasswordChangeErrors }> {
  const { user } = input;
  const errors: PasswordChangeErrors = {};
  if (!input.currentPassword) errors.currentPassword = ['error.password.required'];
  if (!input.newPassword) errors.newPassword = ['error.password.required'];
  if (!input.confirmPassword) errors.confirmPassword = ['error.password.required'];
  if (input.newPassword) {
    const problems = passwordPolicyProblems(input.newPassword, user);
    if (problems.length > 0) errors.newPassword = problems;
  }
  if (input.newPassword && input.confirmPassword && input.newPassword !== input.confirmPassword) {
    errors.confirmPassword = ['error.password.mismatch'];
  }

  const hash = await currentHash(db, user.userId);
  if (input.currentPassword && !(await verifyPassword(hash, input.currentPassword))) {
    await recordAudit(db, {
      at: input.now,
      action: 'changePassword',
      outcome: 'failure',
      actorUserId: user.userId,
      operatorCode: user.operatorCode,
      ip: input.ip,
      targetUserId: user.userId,
      detail: { reason: 'currentPasswordWrong' },
    });
    errors.currentPassword = ['error.password.currentWrong'];
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const previous = [hash, ...(await recentPasswordHashes(db, user.userId, PASSWORD_HISTORY_DEPTH))];
  for (const old of previous) {
    if (await verifyPassword(old, input.newPassword)) {
      return { ok: false, errors: { newPassword: ['error.password.reused'] } };
    }
  }

  const newHash = await hashPassword(input.newPassword);
  return db.transaction().execute(async (tx) => {
    const at = input.now.toISOString();
    await tx
      .insertInto('password_history')
      .values({ user_id: user.userId, password_hash: hash, created_at: at })
      .execute();
    await tx
      .updateTable('users')
      .set({
        password_hash: newHash,
        password_is_temporary: 0,
        temporary_password_expires_at: null,
        password_changed_at: at,
        updated_at: at,
      })
      .where('user_id', '=', user.userId)
      .execute();
    // A new password ends every session of the user; this browser gets a fresh one.
    await revokeUserSessions(tx, user.userId);
    const { token } = await createSession(tx, {
      userId: user.userId,
      ip: input.ip,
      userAgent: input.userAgent,
      now: input.now,
    });
    await recordAudit(tx, {
      at: input.now,
      action: 'changePassword',
      outcome: 'success',
      actorUserId: user.userId,
      operatorCode: user.operatorCode,
      ip: input.ip,
      targetUserId: user.userId,
      detail: { wasTemporary: user.passwordIsTemporary },
    });
    return { ok: true, token } as const;
  });
}
