import type { Kysely } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { Database, Flag } from '../../db/schema.js';
import type { SecretKeySource } from '../../db/server-keys.js';
import { japanDate } from '../../lib/japan-time.js';
import type { MessageId } from '../../lib/messages.js';
import { decoyPasswordHash, hashPassword, verifyPassword } from '../../lib/passwords.js';
import { secretsEqual } from '../../lib/secrets.js';
import { recordAudit } from '../audit/service.js';
import { queueNotice } from '../mail/notices.js';
import { isWithinValidity, type User } from '../users/model.js';
import { findUser, recentPasswordHashes, revokeUserSessions } from '../users/repository.js';
import { passwordPolicyProblems } from './password-policy.js';
import { type CodeKind, useSecondFactorCode } from './second-factor.js';
import { createSession, hashToken, newToken, type PreviousLogin, type Session } from './sessions.js';

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
  /** SPEC D-22: the password was right and the user has a second factor: ask for the code. */
  | { ok: 'secondFactor'; challengeToken: string; expiresAt: Date }
  | { ok: false; reason: LoginFailure };

/** How long the code screen waits after a right password (a login challenge's lifetime). */
export const LOGIN_CHALLENGE_MS = 5 * 60_000;

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
  input: {
    userId: string;
    password: string;
    /** The browser's pre-session cookie (its hash): a code step is bound to it. */
    preSessionId?: string;
    /** Where to go after the login, kept across the code step. */
    next?: string;
  } & RequestContext,
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
  // The stored hash and whether there is a second factor are read for every known user
  // (the same database work on each path), but only a usable user's hash is verified;
  // everyone else's attempt verifies the decoy.
  const credentials = user ? await loginCredentials(db, user.userId) : undefined;
  const usableHash = refusal ? undefined : credentials?.hash;
  const passwordMatches = await verifyPassword(usableHash ?? (await decoyPasswordHash()), input.password);
  if (refusal || !user) {
    // Recorded alike for a right and a wrong password: the audit does not tell them apart.
    const { reason, auditReason } = refusal ?? UNKNOWN_USER;
    await audit('failure', auditReason, user);
    return { ok: false, reason };
  }

  if (credentials?.hasSecondFactor) {
    // SPEC D-22: the password step tells nothing before the code is asked: any password
    // leads to the code screen. A wrong one is counted now (like any wrong password) and
    // its code step fails whatever the code, so that an attempt counts once either way.
    if (!passwordMatches && (await countFailure(db, user, input, 'wrongPassword')) === 'alreadyLocked') {
      return { ok: false, reason: 'error.login.locked' };
    }
    return openLoginChallenge(db, user, input, passwordMatches);
  }

  if (!passwordMatches) {
    const counted = await countFailure(db, user, input, 'wrongPassword');
    return { ok: false, reason: counted === 'alreadyLocked' ? 'error.login.locked' : 'error.login.failed' };
  }
  if (temporaryPasswordExpired(user, input.now)) {
    // Only an otherwise usable user with the right password learns that it expired.
    await audit('failure', 'temporaryPasswordExpired', user);
    return { ok: false, reason: 'error.login.temporaryExpired' };
  }

  return db.transaction().execute(async (tx) => {
    if (!(await resetFailures(tx, user.userId))) {
      await audit('failure', 'locked', user);
      return { ok: false, reason: 'error.login.locked' } as const;
    }
    const { token, session } = await openLoginSession(tx, user, input);
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

function temporaryPasswordExpired(user: User, now: Date): boolean {
  return Boolean(
    user.passwordIsTemporary &&
      user.temporaryPasswordExpiresAt &&
      now.getTime() > new Date(user.temporaryPasswordExpiresAt).getTime(),
  );
}

/**
 * The waiting login of a user with a second factor (not a session yet): the failure
 * count stays as it is until the code is right (a right password alone must not reset
 * what wrong codes have counted).
 */
async function openLoginChallenge(
  db: Kysely<Database>,
  user: User,
  input: { preSessionId?: string; next?: string; now: Date },
  passwordOk: boolean,
): Promise<LoginResult> {
  const challengeToken = newToken();
  const expiresAt = new Date(input.now.getTime() + LOGIN_CHALLENGE_MS);
  await db.transaction().execute(async (tx) => {
    // One waiting login per browser: a new password step replaces the previous one.
    if (input.preSessionId) {
      await tx.deleteFrom('login_challenges').where('pre_session', '=', input.preSessionId).execute();
    }
    await tx
      .insertInto('login_challenges')
      .values({
        id: hashToken(challengeToken),
        user_id: user.userId,
        pre_session: input.preSessionId ?? '',
        next_path: input.next ? input.next.slice(0, 2048) : null,
        password_ok: passwordOk ? 1 : 0,
        created_at: input.now.toISOString(),
        expires_at: expiresAt.toISOString(),
      })
      .execute();
  });
  return { ok: 'secondFactor', challengeToken, expiresAt };
}

/**
 * Resets the failure count, only while the user is still unlocked: a lock that a parallel
 * failure set between our read and now wins (false).
 */
async function resetFailures(tx: Db, userId: string): Promise<boolean> {
  const reset = await tx
    .updateTable('users')
    .set({ failed_login_count: 0 })
    .where('user_id', '=', userId)
    .where('locked', '=', 0)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  return Number(reset.numUpdatedRows) > 0;
}

/**
 * A new session for a login, carrying the user's previous login (前回ログイン on TOP), and
 * this login recorded as the latest.
 */
async function openLoginSession(
  tx: Db,
  user: User,
  ctx: RequestContext,
): Promise<{ token: string; session: Session }> {
  const last = await tx
    .selectFrom('users')
    .select(['last_login_at', 'last_login_ip'])
    .where('user_id', '=', user.userId)
    .executeTakeFirst();
  const previousLogin: PreviousLogin | null = last?.last_login_at
    ? { at: new Date(last.last_login_at), ip: last.last_login_ip ?? '' }
    : null;
  await tx
    .updateTable('users')
    .set({ last_login_at: ctx.now.toISOString(), last_login_ip: ctx.ip.slice(0, 64) })
    .where('user_id', '=', user.userId)
    .execute();
  return createSession(tx, {
    userId: user.userId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    now: ctx.now,
    previousLogin,
  });
}

async function loginCredentials(
  db: Kysely<Database>,
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

export type CodeStepFailure =
  | LoginFailure
  | Extract<
      MessageId,
      'error.login.codeFailed' | 'error.login.passkeyFailed' | 'error.login.challengeExpired'
    >;

/** How the second step of a login was passed (SPEC D-22). */
export type LoginFactor = CodeKind | 'passkey';

export type CodeStepResult =
  | { ok: true; user: User; token: string; session: Session; next: string | null; via: LoginFactor }
  /** `retry`: the code screen again (a wrong code); otherwise back to the login page. */
  | { ok: false; reason: CodeStepFailure; retry: boolean };

/** A login waiting for its second step (a right password, no session yet). */
export interface LoginChallenge {
  id: string;
  userId: string;
  nextPath: string | null;
  /** False after a wrong password: the second step then fails whatever it is given (D-22). */
  passwordOk: boolean;
}

/** A login challenge that is alive and belongs to this browser, or undefined (reads only). */
export async function findLoginChallenge(
  db: Db,
  input: { challengeToken: string; preSessionId: string; now: Date },
): Promise<LoginChallenge | undefined> {
  const row = await db
    .selectFrom('login_challenges')
    .selectAll()
    .where('id', '=', hashToken(input.challengeToken))
    .executeTakeFirst();
  if (!row || !input.preSessionId || !secretsEqual(row.pre_session, input.preSessionId)) return undefined;
  if (input.now.toISOString() >= row.expires_at) return undefined;
  return {
    id: row.id,
    userId: row.user_id,
    nextPath: row.next_path,
    passwordOk: Number(row.password_ok) === 1,
  };
}

/**
 * One way through the second step of a login: `use` checks it and uses it up (a code
 * once, a passkey's counter) in the login's transaction, or answers undefined when it is
 * wrong; `after` writes what follows a success (a mail) in the same transaction.
 */
export interface SecondFactorAttempt {
  use(
    tx: Db,
    user: User,
    challenge: LoginChallenge,
  ): Promise<
    { via: LoginFactor; detail?: Record<string, unknown>; after?(tx: Db): Promise<void> } | undefined
  >;
  /** The audit reason of a wrong one; it counts toward the lockout of five (D-22). */
  failure: 'wrongCode' | 'wrongPasskey';
}

/**
 * SPEC D-22, the code step of a login: a current code of the user's authenticator app
 * (each accepted once) or an unused recovery code (used up).
 */
export async function completeLoginWithCode(
  db: Kysely<Database>,
  input: {
    challengeToken: string;
    preSessionId: string;
    code: string;
    keys: SecretKeySource;
  } & RequestContext,
): Promise<CodeStepResult> {
  return completeSecondFactorLogin(db, input, {
    failure: 'wrongCode',
    async use(tx, user) {
      const via = await useSecondFactorCode(tx, {
        userId: user.userId,
        code: input.code,
        keys: input.keys,
        now: input.now,
      });
      if (!via) return undefined;
      return {
        via,
        async after(t) {
          if (via !== 'recovery') return;
          const left = await t
            .selectFrom('recovery_codes')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', user.userId)
            .where('used_at', 'is', null)
            .executeTakeFirst();
          await queueNotice(t, {
            event: 'recoveryCodeUsed',
            at: input.now,
            user,
            left: Number(left?.n ?? 0),
          });
        },
      };
    },
  });
}

/**
 * SPEC D-22, the second step of a login, whatever the factor (a code, a passkey). A wrong
 * one counts toward the same lockout of five as a wrong password (§4.11) and is audited;
 * the fifth locks and ends the challenge. The challenge is used once: it is deleted in the
 * transaction that opens the session.
 */
export async function completeSecondFactorLogin(
  db: Kysely<Database>,
  input: { challengeToken: string; preSessionId: string } & RequestContext,
  attempt: SecondFactorAttempt,
): Promise<CodeStepResult> {
  const challenge = await findLoginChallenge(db, input);
  if (!challenge) return { ok: false, reason: 'error.login.challengeExpired', retry: false };
  const dropChallenge = () => db.deleteFrom('login_challenges').where('id', '=', challenge.id).execute();
  const user = await findUser(db, challenge.userId);
  const refusal = user ? refusalFor(user, input.now) : UNKNOWN_USER;
  if (!user || refusal) {
    await dropChallenge();
    await recordAudit(db, {
      at: input.now,
      action: 'login',
      outcome: 'failure',
      actorUserId: challenge.userId,
      operatorCode: user?.operatorCode ?? null,
      ip: input.ip,
      targetUserId: challenge.userId,
      detail: { reason: (refusal ?? UNKNOWN_USER).auditReason },
    });
    return { ok: false, reason: (refusal ?? UNKNOWN_USER).reason, retry: false };
  }

  const done = await db
    .transaction()
    .execute(async (tx) => {
      const used = await attempt.use(tx, user, challenge);
      if (!used) return undefined;
      // After a wrong password the factor is checked all the same (the same work, so the
      // same time) and its use undone: a right one does not tell the password was wrong.
      if (!challenge.passwordOk) throw WRONG_PASSWORD;
      return openSessionWithFactor(tx, input, user, challenge, used);
    })
    .catch((error: unknown) => {
      if (error === WRONG_PASSWORD) return undefined;
      throw error;
    });
  if (done) {
    // A lock that won the race ends the challenge too.
    if (!done.ok) await dropChallenge();
    return done;
  }

  // D-22: a failed second step ends the waiting login, after a wrong factor or a wrong
  // password alike; the wrong password was counted at its step, a wrong factor is now.
  await dropChallenge();
  const counted = challenge.passwordOk ? await countFailure(db, user, input, attempt.failure) : 'counted';
  if (counted !== 'counted') return { ok: false, reason: 'error.login.locked', retry: false };
  const reason = attempt.failure === 'wrongPasskey' ? 'error.login.passkeyFailed' : 'error.login.codeFailed';
  return { ok: false, reason, retry: false };
}

/** Sentinel of a second step after a wrong password: its transaction is rolled back. */
const WRONG_PASSWORD = Symbol('wrong password');

/** A right second factor: the challenge used up, the failures reset, the session opened. */
async function openSessionWithFactor(
  tx: Db,
  input: RequestContext,
  user: User,
  challenge: LoginChallenge,
  used: NonNullable<Awaited<ReturnType<SecondFactorAttempt['use']>>>,
): Promise<CodeStepResult> {
  const consumed = await tx.deleteFrom('login_challenges').where('id', '=', challenge.id).executeTakeFirst();
  if (Number(consumed.numDeletedRows) !== 1) {
    return { ok: false, reason: 'error.login.challengeExpired', retry: false } as const;
  }
  if (temporaryPasswordExpired(user, input.now)) {
    // Asked after the second factor, so that the password step tells nothing (D-22).
    await recordAudit(tx, {
      at: input.now,
      action: 'login',
      outcome: 'failure',
      actorUserId: user.userId,
      operatorCode: user.operatorCode,
      ip: input.ip,
      targetUserId: user.userId,
      detail: { reason: 'temporaryPasswordExpired' },
    });
    return { ok: false, reason: 'error.login.temporaryExpired', retry: false } as const;
  }
  if (!(await resetFailures(tx, user.userId))) {
    await recordAudit(tx, {
      at: input.now,
      action: 'login',
      outcome: 'failure',
      actorUserId: user.userId,
      operatorCode: user.operatorCode,
      ip: input.ip,
      targetUserId: user.userId,
      detail: { reason: 'locked' },
    });
    return { ok: false, reason: 'error.login.locked', retry: false } as const;
  }
  const { token, session } = await openLoginSession(tx, user, input);
  await recordAudit(tx, {
    at: input.now,
    action: 'login',
    outcome: 'success',
    actorUserId: user.userId,
    operatorCode: user.operatorCode,
    ip: input.ip,
    targetUserId: user.userId,
    detail: { temporaryPassword: user.passwordIsTemporary, secondFactor: used.via, ...used.detail },
  });
  await used.after?.(tx);
  return {
    ok: true,
    user: { ...user, failedLoginCount: 0 },
    token,
    session,
    next: challenge.nextPath,
    via: used.via,
  } as const;
}

/** Removes login challenges past their lifetime (housekeeping). */
export async function purgeLoginChallenges(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('login_challenges')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Whether the password is the user's current one (one argon2 verification). */
export async function verifyOwnPassword(db: Db, userId: string, password: string): Promise<boolean> {
  if (!password) return false;
  return verifyPassword(await currentHash(db, userId), password);
}

async function currentHash(db: Db, userId: string): Promise<string> {
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
 * One wrong password or second-factor code of a usable user: +1, and the fifth locks
 * (SPEC §4.11, D-22: both count toward the same five). If a parallel attempt locked the
 * user after we read it, nothing is counted and the answer is the lock's (as a right
 * password in that window would get), recorded as such.
 */
async function countFailure(
  db: Kysely<Database>,
  user: User,
  ctx: RequestContext,
  reason: 'wrongPassword' | 'wrongCode' | 'wrongPasskey',
): Promise<'counted' | 'lockedNow' | 'alreadyLocked'> {
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
      detail: row ? { reason, failedLoginCount: Number(row.failed_login_count) } : { reason: 'locked' },
    });
    if (!row) return 'alreadyLocked';
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
      return 'lockedNow';
    }
    return 'counted';
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
    /** The current session's 前回ログイン, carried to the session that replaces it. */
    previousLogin?: PreviousLogin | null;
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
      previousLogin: input.previousLogin ?? null,
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
