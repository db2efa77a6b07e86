import type { Kysely } from 'kysely';
import type { Db } from '../../../db/connect.js';
import type { Database } from '../../../db/schema.js';
import { queueNotice } from '../../mail/notices.js';
import {
  type ActionContext,
  auditView,
  auditViews,
  consumeToken,
  loadTarget,
  recordActionAudit,
  tokenPurpose,
} from '../action.js';
import { AdminCannotBeDeleted, BulkDeleteBlocked, NoneSelected, UserDeleted } from '../errors.js';
import type { User } from '../model.js';
import { findOperatorUser, markUserDeleted, revokeUserSessions } from '../repository.js';

/** SPEC §4.6, §2: the rule for deleting one user, shared by delete, bulk delete and their pages. */
export function assertDeletable(user: User): void {
  if (user.role === 'admin') throw new AdminCannotBeDeleted();
  if (user.deleted) throw new UserDeleted();
}

/** Logical deletion of one user (SPEC §3): the record stays, its sessions end at once. */
async function markDeleted(tx: Db, ctx: ActionContext, user: User): Promise<User> {
  const deleted = await markUserDeleted(
    tx,
    { userId: user.userId, operatorCode: ctx.actor.operatorCode },
    ctx.now,
  );
  if (!deleted) throw new UserDeleted();
  await revokeUserSessions(tx, user.userId);
  // SPEC D-17: a deletion is notified like the other events.
  await queueNotice(tx, { event: 'deleted', at: ctx.now, user: deleted, actor: ctx.actor });
  return deleted;
}

/** SPEC §4.6 delete. */
export async function deleteUser(
  db: Kysely<Database>,
  ctx: ActionContext & { userId: string },
): Promise<User> {
  return db.transaction().execute(async (tx) => {
    await consumeToken(tx, ctx, tokenPurpose.delete(ctx.userId));
    const user = await loadTarget(tx, ctx, ctx.userId);
    assertDeletable(user);
    const deleted = await markDeleted(tx, ctx, user);
    await recordActionAudit(tx, ctx, {
      action: 'delete',
      targetUserId: user.userId,
      detail: { user: auditView(user) },
    });
    return deleted;
  });
}

/** The distinct, non-empty IDs of a bulk selection, in the order ticked. */
export function selectedUserIds(userIds: string[]): string[] {
  return [...new Set(userIds.map((id) => id.trim()).filter((id) => id !== ''))];
}

/**
 * SPEC D-11: the selected users, if every one of them can be deleted; otherwise the refusal
 * names those that cannot (admin, deleted, unknown or another operator's, the last two
 * alike). Used by the confirmation page and, inside the transaction, by the execution.
 */
export async function findBulkDeletable(db: Db, operatorCode: string, userIds: string[]): Promise<User[]> {
  const deletable: User[] = [];
  const blocked: string[] = [];
  for (const userId of userIds) {
    const user = await findOperatorUser(db, operatorCode, userId);
    if (!user || user.role === 'admin' || user.deleted) blocked.push(userId);
    else deletable.push(user);
  }
  if (blocked.length > 0) throw new BulkDeleteBlocked(blocked);
  return deletable;
}

/** SPEC §4.7 bulk delete, all or nothing (D-11). */
export async function bulkDeleteUsers(
  db: Kysely<Database>,
  ctx: ActionContext & { userIds: string[] },
): Promise<User[]> {
  const userIds = selectedUserIds(ctx.userIds);
  if (userIds.length === 0) throw new NoneSelected();
  return db.transaction().execute(async (tx) => {
    await consumeToken(tx, ctx, tokenPurpose.bulkDelete());
    const deletable = await findBulkDeletable(tx, ctx.actor.operatorCode, userIds);
    const deleted: User[] = [];
    for (const user of deletable) deleted.push(await markDeleted(tx, ctx, user));
    await recordActionAudit(tx, ctx, { action: 'bulkDelete', detail: auditViews(deletable) });
    return deleted;
  });
}
