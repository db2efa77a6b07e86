import type { Kysely } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { SecretKeySource } from '../../db/server-keys.js';
import type { MessageId } from '../../lib/messages.js';
import { secretsEqual } from '../../lib/secrets.js';
import { queueNotice } from '../mail/notices.js';
import type { User } from '../users/model.js';
import { findUser } from '../users/repository.js';
import { deleteLoginChallenge, findLoginChallengeRow } from './login-repository.js';
import {
  countFailure,
  type LoginFailure,
  recordLoginAudit,
  refuseExpiredTemporaryPassword,
  usableUser,
} from './login-rules.js';
import { openLoginSession } from './login-session.js';
import type { RequestContext } from './request-context.js';
import { type CodeKind, recoveryCodesLeft, useSecondFactorCode } from './second-factor.js';
import { hashToken, type Session } from './sessions.js';

/**
 * SPEC D-22, the second step of a login (decision 008): the waiting login that the
 * password step left, and its completion with a code or a passkey.
 */

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
  const row = await findLoginChallengeRow(db, hashToken(input.challengeToken));
  if (!row || !input.preSessionId || !secretsEqual(row.preSession, input.preSessionId)) return undefined;
  if (input.now.getTime() >= row.expiresAt.getTime()) return undefined;
  return { id: row.id, userId: row.userId, nextPath: row.nextPath, passwordOk: row.passwordOk };
}

/** What a right second factor was: how it was passed, what the audit adds, what follows. */
export interface UsedFactor {
  via: LoginFactor;
  detail?: Record<string, unknown>;
  after?(tx: Db): Promise<void>;
}

/**
 * One way through the second step of a login: `use` checks it and uses it up (a code
 * once, a passkey's counter) in the login's transaction, or answers undefined when it is
 * wrong; `after` writes what follows a success (a mail) in the same transaction.
 */
export interface SecondFactorAttempt {
  use(tx: Db, user: User, challenge: LoginChallenge): Promise<UsedFactor | undefined>;
  /** The audit reason of a wrong one; it counts toward the lockout of five (D-22). */
  failure: 'wrongCode' | 'wrongPasskey';
}

/**
 * SPEC D-22, the code step of a login: a current code of the user's authenticator app
 * (each accepted once) or an unused recovery code (used up, and the user mailed how many
 * are left).
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
      const { code, keys, now } = input;
      const via = await useSecondFactorCode(tx, { userId: user.userId, code, keys, now });
      if (!via) return undefined;
      if (via !== 'recovery') return { via };
      return {
        via,
        async after(t) {
          const left = await recoveryCodesLeft(t, user.userId);
          await queueNotice(t, { event: 'recoveryCodeUsed', at: now, user, left });
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
  const checked = usableUser(await findUser(db, challenge.userId), input.now);
  if (!checked.ok) {
    const { reason, auditReason } = checked.refusal;
    await deleteLoginChallenge(db, challenge.id);
    const who = { userId: challenge.userId, operatorCode: checked.user?.operatorCode ?? null };
    await recordLoginAudit(db, input, who, 'failure', { reason: auditReason });
    return { ok: false, reason, retry: false };
  }
  const { user } = checked;

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
    if (!done.ok) await deleteLoginChallenge(db, challenge.id);
    return done;
  }

  // D-22: a failed second step ends the waiting login, after a wrong factor or a wrong
  // password alike; the wrong password was counted at its step, a wrong factor is now.
  await deleteLoginChallenge(db, challenge.id);
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
  ctx: RequestContext,
  user: User,
  challenge: LoginChallenge,
  used: UsedFactor,
): Promise<CodeStepResult> {
  if (!(await deleteLoginChallenge(tx, challenge.id))) {
    return { ok: false, reason: 'error.login.challengeExpired', retry: false };
  }
  // Asked after the second factor, so that the password step tells nothing (D-22).
  if (await refuseExpiredTemporaryPassword(tx, ctx, user)) {
    return { ok: false, reason: 'error.login.temporaryExpired', retry: false };
  }
  const opened = await openLoginSession(tx, user, ctx, { secondFactor: used.via, ...used.detail });
  if (!opened.ok) return { ...opened, retry: false };
  await used.after?.(tx);
  return { ...opened, next: challenge.nextPath, via: used.via };
}
