import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { decoyPasswordHash, verifyPassword } from '../../lib/passwords.js';
import type { User } from '../users/model.js';
import { findLoginUser, replaceLoginChallenge } from './login-repository.js';
import {
  countFailure,
  type LoginFailure,
  recordLoginAudit,
  refuseExpiredTemporaryPassword,
  usableUser,
} from './login-rules.js';
import { type OpenedLogin, openLoginSession } from './login-session.js';
import type { RequestContext } from './request-context.js';
import { hashToken, newToken } from './sessions.js';

export type LoginResult =
  | OpenedLogin
  /** SPEC D-22: the user has a second factor: ask for it (whatever the password was). */
  | { ok: 'secondFactor'; challengeToken: string; expiresAt: Date }
  | { ok: false; reason: LoginFailure };

/** How long the code screen waits after the password step (a login challenge's lifetime). */
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
  // The user, the stored hash and whether there is a second factor, in one query for every
  // known user (the same database work on each path); only a usable user's hash is
  // verified, everyone else's attempt verifies the decoy.
  const credentials = userId ? await findLoginUser(db, userId) : undefined;
  const found = credentials?.user;
  const checked = usableUser(found, input.now);
  const usableHash = checked.ok ? credentials?.hash : undefined;
  const passwordMatches = await verifyPassword(usableHash ?? (await decoyPasswordHash()), input.password);
  if (!checked.ok) {
    // Recorded alike for a right and a wrong password: the audit does not tell them apart.
    const { reason, auditReason } = checked.refusal;
    const detail = found
      ? { reason: auditReason }
      : { reason: auditReason, attemptedUserId: userId.slice(0, 20) };
    await recordLoginAudit(db, input, found, 'failure', detail);
    return { ok: false, reason };
  }

  const { user } = checked;
  if (credentials?.hasSecondFactor) {
    // SPEC D-22: the password step tells nothing before the code is asked: any password
    // leads to the code screen. A wrong one is counted now (like any wrong password) and
    // its code step fails whatever the code, so that an attempt counts once either way.
    if (!passwordMatches && (await countFailure(db, user, input, 'wrongPassword')) === 'alreadyLocked') {
      return { ok: false, reason: 'error.login.locked' };
    }
    return openLoginChallenge(db, user, input, passwordMatches);
  }
  return passwordStepWithoutFactor(db, user, input, passwordMatches);
}

/** The manual's login of a user without a second factor (§4.11): the password decides. */
async function passwordStepWithoutFactor(
  db: Kysely<Database>,
  user: User,
  ctx: RequestContext,
  passwordMatches: boolean,
): Promise<LoginResult> {
  if (!passwordMatches) {
    const counted = await countFailure(db, user, ctx, 'wrongPassword');
    return { ok: false, reason: counted === 'alreadyLocked' ? 'error.login.locked' : 'error.login.failed' };
  }
  // Only an otherwise usable user with the right password learns that it expired.
  if (await refuseExpiredTemporaryPassword(db, ctx, user)) {
    return { ok: false, reason: 'error.login.temporaryExpired' };
  }
  return db.transaction().execute((tx) => openLoginSession(tx, user, ctx, {}));
}

/**
 * The waiting login of a user with a second factor (not a session yet): the failure
 * count stays as it is until the code is right (a right password alone must not reset
 * what wrong codes have counted). One waiting login per browser: a new password step
 * replaces the previous one.
 */
async function openLoginChallenge(
  db: Kysely<Database>,
  user: User,
  input: { preSessionId?: string; next?: string; now: Date },
  passwordOk: boolean,
): Promise<LoginResult> {
  const challengeToken = newToken();
  const expiresAt = new Date(input.now.getTime() + LOGIN_CHALLENGE_MS);
  await replaceLoginChallenge(db, {
    id: hashToken(challengeToken),
    userId: user.userId,
    preSession: input.preSessionId ?? '',
    nextPath: input.next ? input.next.slice(0, 2048) : null,
    passwordOk,
    createdAt: input.now,
    expiresAt,
  });
  return { ok: 'secondFactor', challengeToken, expiresAt };
}
