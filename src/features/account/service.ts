import type { Db } from '../../db/connect.js';
import type { SecretKeySource } from '../../db/server-keys.js';
import type { MessageId } from '../../lib/messages.js';
import { recordAudit } from '../audit/service.js';
import { deleteSecondFactor, useSecondFactorCode } from '../auth/second-factor.js';
import { endOtherSessions, endOwnSession } from '../auth/sessions.js';
import { queueNotice } from '../mail/notices.js';
import type { User } from '../users/model.js';
import { type AccountContext, ownPasswordConfirmed, recordOwnAudit, recordOwnFailure } from './own-audit.js';
import { updateSecondFactorRequired } from './repository.js';

/**
 * The user's own account (アカウント設定): removing the second factor, ending sessions,
 * and, for admins, the operator's second-factor policy (SPEC D-22, ASVS V7.5.2).
 */

export type RemoveFactorErrors = Partial<Record<'password' | 'code', MessageId>>;

/**
 * Removes the user's own authenticator app and recovery codes. Nobody removes a factor
 * without the password and a code (an admin's reset aside): a stolen session alone cannot.
 */
export async function removeOwnSecondFactor(
  db: Db,
  input: {
    user: User;
    password: string;
    code: string;
    keys: SecretKeySource;
    /** ASVS V7.4.3: the user's other sessions end with the factor; this one stays. */
    currentSessionId: string;
  } & AccountContext,
): Promise<{ ok: true } | { ok: false; errors: RemoveFactorErrors }> {
  const { user } = input;
  const errors: RemoveFactorErrors = {};
  if (!input.password) errors.password = 'error.password.required';
  if (!input.code.trim()) errors.code = 'error.login.codeRequired';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (!(await ownPasswordConfirmed(db, input, 'secondFactorRemove'))) {
    return { ok: false, errors: { password: 'error.password.currentWrong' } };
  }
  const removed = await db.transaction().execute(async (tx) => {
    const via = await useSecondFactorCode(tx, {
      userId: user.userId,
      code: input.code,
      keys: input.keys,
      now: input.now,
    });
    if (!via) return false;
    await deleteSecondFactor(tx, user.userId);
    await endOtherSessions(tx, user.userId, input.currentSessionId);
    await recordOwnAudit(tx, user, input, {
      action: 'secondFactorRemove',
      outcome: 'success',
      detail: { secondFactor: via },
    });
    await queueNotice(tx, { event: 'secondFactorRemoved', at: input.now, user });
    return true;
  });
  if (!removed) {
    await recordOwnFailure(db, user, input, 'secondFactorRemove', 'wrongCode');
    return { ok: false, errors: { code: 'error.secondFactor.codeWrong' } };
  }
  return { ok: true };
}

/** Ends one of the user's own sessions (not the current one: that is ログアウト). */
export async function endSessionOfOwn(
  db: Db,
  input: { user: User; currentSessionId: string; sessionId: string } & AccountContext,
): Promise<boolean> {
  if (input.sessionId === input.currentSessionId) return false;
  return db.transaction().execute(async (tx) => {
    if (!(await endOwnSession(tx, input.user.userId, input.sessionId))) return false;
    await recordOwnAudit(tx, input.user, input, { action: 'endSession', outcome: 'success' });
    return true;
  });
}

/** ASVS V7.5.2: after the password is entered again, every other session of the user ends. */
export async function endOtherSessionsOfOwn(
  db: Db,
  input: { user: User; currentSessionId: string; password: string } & AccountContext,
): Promise<{ ok: true; count: number } | { ok: false; error: MessageId }> {
  if (!input.password) return { ok: false, error: 'error.password.required' };
  if (!(await ownPasswordConfirmed(db, input, 'endOtherSessions'))) {
    return { ok: false, error: 'error.password.currentWrong' };
  }
  return db.transaction().execute(async (tx) => {
    const count = await endOtherSessions(tx, input.user.userId, input.currentSessionId);
    await recordOwnAudit(tx, input.user, input, {
      action: 'endOtherSessions',
      outcome: 'success',
      detail: { sessions: count },
    });
    return { ok: true, count } as const;
  });
}

/**
 * SPEC D-22: an admin requires (or stops requiring) a second factor of every user of their
 * operator; audited, and mailed to both admins. Setting the value it already has changes
 * nothing and records nothing, so a repeated 実行 acts once.
 */
export async function setSecondFactorPolicy(
  db: Db,
  input: { actor: User; required: boolean } & AccountContext,
): Promise<'changed' | 'unchanged'> {
  const { actor } = input;
  return db.transaction().execute(async (tx) => {
    if (!(await updateSecondFactorRequired(tx, actor.operatorCode, input.required))) return 'unchanged';
    await recordAudit(tx, {
      at: input.now,
      action: 'secondFactorPolicy',
      outcome: 'success',
      actorUserId: actor.userId,
      operatorCode: actor.operatorCode,
      ip: input.ip,
      targetUserId: null,
      detail: { required: input.required },
    });
    await queueNotice(tx, {
      event: 'secondFactorPolicy',
      at: input.now,
      user: actor,
      required: input.required,
    });
    return 'changed';
  });
}
