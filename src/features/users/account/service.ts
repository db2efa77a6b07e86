import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { temporaryPasswordExpiry } from '../../../lib/japan-time.js';
import { generateTemporaryPassword, hashPassword } from '../../../lib/passwords.js';
import { queueNotice } from '../../mail/notices.js';
import { type ActionContext, consumeToken, loadTarget, recordActionAudit, tokenPurpose } from '../action.js';
import { NotLocked, UserDeleted } from '../errors.js';
import type { User } from '../model.js';
import { clearUserLock, replaceWithTemporaryPassword, revokeUserSessions } from '../repository.js';

/** SPEC §4.8: only a locked, not deleted user can be unlocked. */
export function assertUnlockable(user: User): void {
  if (user.deleted) throw new UserDeleted();
  if (!user.locked) throw new NotLocked();
}

/** SPEC §4.9, D-12: a deleted user cannot get a new password (a locked one can; it stays locked). */
export function assertReissuable(user: User): void {
  if (user.deleted) throw new UserDeleted();
}

/** SPEC §4.8 unlock: the lock and the failure count are reset together. */
export async function unlockUser(
  db: Kysely<Database>,
  ctx: ActionContext & { userId: string },
): Promise<User> {
  return db.transaction().execute(async (tx) => {
    await consumeToken(tx, ctx, tokenPurpose.unlock(ctx.userId));
    const user = await loadTarget(tx, ctx, ctx.userId);
    assertUnlockable(user);
    const after = await clearUserLock(
      tx,
      { userId: user.userId, operatorCode: ctx.actor.operatorCode },
      ctx.now,
    );
    if (!after) throw new NotLocked();
    await recordActionAudit(tx, ctx, {
      action: 'unlock',
      targetUserId: user.userId,
      detail: { failedLoginCount: user.failedLoginCount },
    });
    await queueNotice(tx, { event: 'unlocked', at: ctx.now, user: after, actor: ctx.actor });
    return after;
  });
}

/**
 * SPEC §4.9 password reissue: a new random temporary password replaces the old one at
 * once (the old hash goes to the history), every session of the user ends, the lock is
 * left as it is (D-12). The password itself goes only into the notice (D-16).
 */
export async function reissuePassword(
  db: Kysely<Database>,
  ctx: ActionContext & { userId: string },
): Promise<{ user: User; expiresAt: Date }> {
  // Hashing is slow on purpose: do it before the transaction, not while holding it.
  const temporaryPassword = generateTemporaryPassword();
  const password = {
    hash: await hashPassword(temporaryPassword),
    expiresAt: temporaryPasswordExpiry(ctx.now),
  };
  const { expiresAt } = password;
  return db.transaction().execute(async (tx) => {
    await consumeToken(tx, ctx, tokenPurpose.reissue(ctx.userId));
    const user = await loadTarget(tx, ctx, ctx.userId);
    assertReissuable(user);
    const key = { userId: user.userId, operatorCode: ctx.actor.operatorCode };
    const after = await replaceWithTemporaryPassword(tx, key, password, ctx.now);
    if (!after) throw new UserDeleted();
    await revokeUserSessions(tx, user.userId);
    await recordActionAudit(tx, ctx, {
      action: 'reissuePassword',
      targetUserId: user.userId,
      detail: { temporaryPasswordExpiresAt: expiresAt.toISOString() },
    });
    await queueNotice(tx, {
      event: 'passwordReissued',
      at: ctx.now,
      user: after,
      actor: ctx.actor,
      temporaryPassword,
      expiresAt,
    });
    return { user: after, expiresAt };
  });
}
