import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { queueNotice } from '../../mail/notices.js';
import {
  type ActionContext,
  auditView,
  consumeToken,
  loadTarget,
  recordActionAudit,
  tokenPurpose,
} from '../action.js';
import { AdminEmailOwnOnly, OwnEnabledChange, StaleUpdate, UserDeleted } from '../errors.js';
import type { User } from '../model.js';
import { revokeUserSessions, updateUserDetails } from '../repository.js';
import type { TChangeUserForm } from '../schemas.js';

/** What a change confirmation stores: the validated values and the version they apply to. */
export type ChangePayload = Omit<TChangeUserForm, 'version'> & { version: number };

/**
 * SPEC §4.5: a deleted user cannot be changed; an admin cannot change their own 有効/無効,
 * nor the other admin's メールアドレス (AdminEmailOwnOnly).
 */
export function assertChangeable(
  user: User,
  actor: User,
  change: { enabled?: boolean; email?: string } = {},
): void {
  if (user.deleted) throw new UserDeleted();
  if (change.enabled !== undefined && user.userId === actor.userId && change.enabled !== user.enabled) {
    throw new OwnEnabledChange();
  }
  if (
    change.email !== undefined &&
    user.role === 'admin' &&
    user.userId !== actor.userId &&
    change.email.toLowerCase() !== user.email.toLowerCase()
  ) {
    throw new AdminEmailOwnOnly();
  }
}

/** SPEC §4.5: the form was shown for this version; a newer one means someone else changed the user. */
export function assertCurrentVersion(user: User, version: number): void {
  if (user.version !== version) throw new StaleUpdate();
}

/** Labels of the fields that differ, in the screen's order (for the change notice and audit). */
export function changedFieldLabels(before: User, after: ChangePayload): string[] {
  const fields: [string, unknown, unknown][] = [
    [FIELD_LABELS.department, before.department, after.department],
    [FIELD_LABELS.userName, before.userName, after.userName],
    [FIELD_LABELS.phone, before.phone, after.phone],
    [FIELD_LABELS.email, before.email, after.email],
    [FIELD_LABELS.enabled, before.enabled, after.enabled],
    [FIELD_LABELS.validFrom, before.validFrom, after.validFrom],
    [FIELD_LABELS.validTo, before.validTo, after.validTo],
  ];
  return fields.filter(([, a, b]) => a !== b).map(([label]) => label);
}

/**
 * SPEC §4.5 change, with optimistic locking: the UPDATE applies only to the version the
 * form was shown with, so a change made meanwhile by someone else is never overwritten.
 */
export async function changeUser(
  db: Kysely<Database>,
  ctx: ActionContext & { userId: string },
): Promise<User> {
  return db.transaction().execute(async (tx) => {
    const values = await consumeToken<ChangePayload>(tx, ctx, tokenPurpose.change(ctx.userId));
    const before = await loadTarget(tx, ctx, ctx.userId);
    assertChangeable(before, ctx.actor, values);
    const key = { userId: ctx.userId, operatorCode: ctx.actor.operatorCode, version: values.version };
    const after = await updateUserDetails(tx, key, values, ctx.now);
    if (!after) throw new StaleUpdate();
    // SPEC §4.11: a disabled user loses their sessions, in the same transaction.
    if (before.enabled && !values.enabled) await revokeUserSessions(tx, ctx.userId);
    const changes = changedFieldLabels(before, values);
    await recordActionAudit(tx, ctx, {
      action: 'change',
      targetUserId: ctx.userId,
      detail: { changes, before: auditView(before), after: auditView(after) },
    });
    // A new mail address: the old one is told too, so a hijacked account does not go unnoticed.
    await queueNotice(tx, {
      event: 'changed',
      at: ctx.now,
      user: after,
      actor: ctx.actor,
      changes,
      previousEmail: before.email,
    });
    return after;
  });
}
