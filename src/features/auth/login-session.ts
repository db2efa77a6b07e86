import type { Db } from '../../db/connect.js';
import type { User } from '../users/model.js';
import { recordSuccessfulLogin } from './login-repository.js';
import { recordLoginAudit } from './login-rules.js';
import type { RequestContext } from './request-context.js';
import { createSession, type Session } from './sessions.js';

/** A login that went through: its user (failures reset) and the new session. */
export interface OpenedLogin {
  ok: true;
  user: User;
  token: string;
  session: Session;
}

/**
 * The end of a successful login, after the password (and the second factor, if any): the
 * failure count reset, a new session carrying the user's previous login (前回ログイン on
 * TOP), this login recorded as the latest, and its audit record with `detail`. Run in the
 * login's transaction. A lock that a parallel failure set meanwhile wins: the answer is the
 * lock's, recorded as such.
 */
export async function openLoginSession(
  tx: Db,
  user: User,
  ctx: RequestContext,
  detail: Record<string, unknown>,
): Promise<OpenedLogin | { ok: false; reason: 'error.login.locked' }> {
  const recorded = await recordSuccessfulLogin(tx, user.userId, { at: ctx.now, ip: ctx.ip });
  if (!recorded.opened) {
    await recordLoginAudit(tx, ctx, user, 'failure', { reason: 'locked' });
    return { ok: false, reason: 'error.login.locked' };
  }
  const previousLogin = recorded.previous;
  const { token, session } = await createSession(tx, {
    userId: user.userId,
    ip: ctx.ip,
    userAgent: ctx.userAgent,
    now: ctx.now,
    previousLogin,
  });
  await recordLoginAudit(tx, ctx, user, 'success', {
    temporaryPassword: user.passwordIsTemporary,
    ...detail,
  });
  return { ok: true, user: { ...user, failedLoginCount: 0 }, token, session };
}
