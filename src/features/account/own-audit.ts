import type { Db } from '../../db/connect.js';
import { type AuditAction, type AuditEntry, recordAudit } from '../audit/service.js';
import { verifyOwnPassword } from '../auth/password-change.js';
import type { RequestContext } from '../auth/request-context.js';
import type { User } from '../users/model.js';

/** Where and when the user acts on their own account. */
export type AccountContext = Pick<RequestContext, 'ip' | 'now'>;

/** Records what the user did to their own account: they are its actor and its target. */
export function recordOwnAudit(
  db: Db,
  user: User,
  ctx: AccountContext,
  entry: Pick<AuditEntry, 'action' | 'outcome' | 'detail'>,
): Promise<void> {
  return recordAudit(db, {
    at: ctx.now,
    actorUserId: user.userId,
    operatorCode: user.operatorCode,
    ip: ctx.ip,
    targetUserId: user.userId,
    ...entry,
  });
}

/** A refused action of the user's own, audited with its reason (outside the action's transaction). */
export function recordOwnFailure(
  db: Db,
  user: User,
  ctx: AccountContext,
  action: AuditAction,
  reason: string,
): Promise<void> {
  return recordOwnAudit(db, user, ctx, { action, outcome: 'failure', detail: { reason } });
}

/**
 * The password, entered again before an action a stolen session alone must not take; a
 * wrong one is audited as the action's failure.
 */
export async function ownPasswordConfirmed(
  db: Db,
  input: { user: User; password: string } & AccountContext,
  action: AuditAction,
): Promise<boolean> {
  if (await verifyOwnPassword(db, input.user.userId, input.password)) return true;
  await recordOwnFailure(db, input.user, input, action, 'currentPasswordWrong');
  return false;
}
