import type { Kysely } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { japanDate } from '../../lib/japan-time.js';
import type { MessageId } from '../../lib/messages.js';
import { recordAudit } from '../audit/service.js';
import { queueNotice } from '../mail/notices.js';
import { isWithinValidity, type User } from '../users/model.js';
import { incrementFailedLogins } from './login-repository.js';
import type { RequestContext } from './request-context.js';

/**
 * What answers a login attempt gets, at the password step and at the second step alike:
 * the user's state (D-14), the count of failures and the lock (§4.11), the temporary
 * password's expiry, and the audit record of each attempt (§6).
 */

/** SPEC §4.11: five consecutive failures lock the user. */
export const MAX_FAILED_LOGINS = 5;

export type LoginFailure = Extract<
  MessageId,
  'error.login.failed' | 'error.login.locked' | 'error.login.temporaryExpired' | 'error.login.unavailable'
>;

export interface Refusal {
  reason: LoginFailure;
  auditReason: 'unknownUser' | 'deleted' | 'locked' | 'disabled' | 'outsideValidity';
}

/**
 * D-14: the user of a login attempt when it may log in, or the one answer for a user who
 * cannot log in whatever the password (then `user` is the one found, if any). A deleted
 * user is answered like an unknown ID; a lock is named before the other states, so that a
 * locked user always sees the lock.
 */
export function usableUser(
  user: User | undefined,
  now: Date,
): { ok: true; user: User } | { ok: false; refusal: Refusal; user: User | undefined } {
  const refusal = refusalFor(user, now);
  return refusal ? { ok: false, refusal, user } : { ok: true, user: user! };
}

function refusalFor(user: User | undefined, now: Date): Refusal | undefined {
  if (!user) return { reason: 'error.login.failed', auditReason: 'unknownUser' };
  if (user.deleted) return { reason: 'error.login.failed', auditReason: 'deleted' };
  if (user.locked) return { reason: 'error.login.locked', auditReason: 'locked' };
  if (!user.enabled) return { reason: 'error.login.unavailable', auditReason: 'disabled' };
  if (!isWithinValidity(user, japanDate(now))) {
    return { reason: 'error.login.unavailable', auditReason: 'outsideValidity' };
  }
  return undefined;
}

/**
 * Whether a usable user's temporary password has expired, recorded as the attempt's failure
 * when it has. Asked only once the password (and the second factor, if any) is right: nobody
 * else learns that it expired (D-22).
 */
export async function refuseExpiredTemporaryPassword(
  db: Db,
  ctx: RequestContext,
  user: User,
): Promise<boolean> {
  const expired = Boolean(
    user.passwordIsTemporary &&
      user.temporaryPasswordExpiresAt &&
      ctx.now.getTime() > new Date(user.temporaryPasswordExpiresAt).getTime(),
  );
  if (expired) await recordLoginAudit(db, ctx, user, 'failure', { reason: 'temporaryPasswordExpired' });
  return expired;
}

/**
 * The audit record of one login attempt: the user it was for (none for an unknown ID),
 * where it came from, and the detail (why it failed, or how it succeeded).
 */
export async function recordLoginAudit(
  db: Db,
  ctx: Pick<RequestContext, 'ip' | 'now'>,
  user: { userId: string; operatorCode: string | null } | undefined,
  outcome: 'success' | 'failure',
  detail: Record<string, unknown>,
): Promise<void> {
  await recordAudit(db, {
    at: ctx.now,
    action: 'login',
    outcome,
    actorUserId: user?.userId ?? null,
    operatorCode: user?.operatorCode ?? null,
    ip: ctx.ip,
    targetUserId: user?.userId ?? null,
    detail,
  });
}

/**
 * One wrong password or second-factor code of a usable user: +1, and the fifth locks
 * (SPEC §4.11, D-22: both count toward the same five). If a parallel attempt locked the
 * user after we read it, nothing is counted and the answer is the lock's (as a right
 * password in that window would get), recorded as such.
 */
export async function countFailure(
  db: Kysely<Database>,
  user: User,
  ctx: RequestContext,
  reason: 'wrongPassword' | 'wrongCode' | 'wrongPasskey',
): Promise<'counted' | 'lockedNow' | 'alreadyLocked'> {
  return db.transaction().execute(async (tx) => {
    const counted = await incrementFailedLogins(tx, user.userId, MAX_FAILED_LOGINS);
    await recordLoginAudit(
      tx,
      ctx,
      user,
      'failure',
      counted ? { reason, failedLoginCount: counted.failedLoginCount } : { reason: 'locked' },
    );
    if (!counted) return 'alreadyLocked';
    if (!counted.locked) return 'counted';
    await recordAudit(tx, {
      at: ctx.now,
      action: 'lock',
      outcome: 'success',
      actorUserId: null,
      operatorCode: user.operatorCode,
      ip: ctx.ip,
      targetUserId: user.userId,
      detail: { failedLoginCount: counted.failedLoginCount },
    });
    // SPEC D-17: a user becoming locked is notified like the other events.
    await queueNotice(tx, { event: 'locked', at: ctx.now, user });
    return 'lockedNow';
  });
}
