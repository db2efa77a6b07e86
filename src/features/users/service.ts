import type { Kysely } from 'kysely';
import type { Db, DialectName } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import { FIELD_LABELS } from '../../lib/field-labels.js';
import { temporaryPasswordExpiry } from '../../lib/japan-time.js';
import { generateTemporaryPassword, hashPassword } from '../../lib/passwords.js';
import { recordAudit } from '../audit/service.js';

import { queueNotice } from '../mail/notices.js';
import { consumeActionToken, formAlreadyExecuted } from './action-tokens.js';
import { createUserWithTemporaryPassword } from './create.js';
import {
  AdminCannotBeDeleted,
  AdminEmailOwnOnly,
  AlreadyExecuted,
  BulkDeleteBlocked,
  InvalidActionToken,
  NoneSelected,
  NotLocked,
  OwnEnabledChange,
  StaleUpdate,
  UserDeleted,
  UserLimitReached,
  UserNotFound,
} from './errors.js';
import { MAX_GENERAL_USERS, toSearchKey, type User } from './model.js';
import { findOperatorUser, findUser, revokeUserSessions } from './repository.js';
import type { TBulkRegisterRow, TChangeUserForm, TRegisterUserForm } from './schemas.js';

/**
 * The use cases of SPEC §4.4–§4.9. Each opens ONE transaction holding the change, its
 * audit record, its mail notices (outbox) and the consumption of the confirmation's
 * one-time token: they commit together or not at all (STYLE "Transactions"). A refusal
 * is thrown as a typed error (errors.ts), which rolls everything back, the token too,
 * so the admin can correct and retry.
 */

/** Who acts, from which session and address, and which confirmation they execute. */
export interface ActionContext {
  actor: User;
  sessionId: string;
  token: string;
  /** The key that signed the confirmation's token (SPEC D-18). */
  tokenKey: Buffer;
  ip: string;
  now: Date;
}

/** One-time token purposes: bound to the action and, where there is one, its target. */
export const tokenPurpose = {
  register: () => 'register',
  change: (userId: string) => `change:${userId}`,
  delete: (userId: string) => `delete:${userId}`,
  bulkDelete: () => 'bulkDelete',
  unlock: (userId: string) => `unlock:${userId}`,
  reissue: (userId: string) => `reissue:${userId}`,
  bulkRegister: () => 'bulkRegister',
} as const;

/** What a registration confirmation stores: the validated values it showed. */
export type RegisterPayload = Omit<TRegisterUserForm, 'role'> & { formId: string };

/** What a bulk registration confirmation stores: the validated rows it listed (SPEC §4.12). */
export interface BulkRegisterPayload {
  rows: (TBulkRegisterRow & { line: number })[];
}

/** What a change confirmation stores: the validated values and the version they apply to. */
export type ChangePayload = Omit<TChangeUserForm, 'version'> & { version: number };

interface UsedToken<T> {
  payload: T;
  id: string;
  formId: string | undefined;
}

/** SPEC §4: uses the confirmation's token once, inside the action's transaction. */
async function useToken<T>(tx: Db, ctx: ActionContext, purpose: string): Promise<UsedToken<T>> {
  const check = await consumeActionToken<T>(tx, {
    key: ctx.tokenKey,
    token: ctx.token,
    sessionId: ctx.sessionId,
    purpose,
    now: ctx.now,
  });
  if (check.ok) return check;
  throw check.reason === 'used' ? new AlreadyExecuted() : new InvalidActionToken();
}

/** `useToken`, when only what was confirmed matters. */
async function consumeToken<T>(tx: Db, ctx: ActionContext, purpose: string): Promise<T> {
  return (await useToken<T>(tx, ctx, purpose)).payload;
}

/** The target, of the actor's own operator only (SPEC §2: another operator's user does not exist). */
async function loadTarget(tx: Db, ctx: ActionContext, userId: string): Promise<User> {
  const user = await findOperatorUser(tx, ctx.actor.operatorCode, userId);
  if (!user) throw new UserNotFound();
  return user;
}

/** SPEC §4.6, §2: the rule for deleting one user, shared by delete, bulk delete and their pages. */
export function assertDeletable(user: User): void {
  if (user.role === 'admin') throw new AdminCannotBeDeleted();
  if (user.deleted) throw new UserDeleted();
}

/** SPEC §4.8: only a locked, not deleted user can be unlocked. */
export function assertUnlockable(user: User): void {
  if (user.deleted) throw new UserDeleted();
  if (!user.locked) throw new NotLocked();
}

/** SPEC §4.9, D-12: a deleted user cannot get a new password (a locked one can; it stays locked). */
export function assertReissuable(user: User): void {
  if (user.deleted) throw new UserDeleted();
}

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

/** The fields an audit record keeps of a user (never a password or its hash). */
function auditView(user: User) {
  return {
    department: user.department,
    userName: user.userName,
    phone: user.phone,
    email: user.email,
    enabled: user.enabled,
    validFrom: user.validFrom,
    validTo: user.validTo,
  };
}

/** SPEC §1: the general users that count toward the limit of eight (deleted ones do not). */
export async function countGeneralUsers(db: Db, operatorCode: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('operator_code', '=', operatorCode)
    .where('role', '=', 'general')
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** SPEC §1: how many more general users the operator can have, given how many it has. */
export function remainingGeneralUsers(current: number): number {
  return Math.max(0, MAX_GENERAL_USERS - current);
}

/** SPEC §1, §4.12: refuses, all or nothing, when `requested` more would exceed the limit of eight. */
export function assertRoomForGeneralUsers(current: number, requested: number): void {
  const remaining = remainingGeneralUsers(current);
  if (requested > remaining) throw new UserLimitReached({ remaining, requested });
}

/**
 * The limit check of register and bulk register (SPEC §1, §4.4, §4.12), inside their
 * transaction. The count of general users and the inserts must not interleave with another
 * registration of the same operator, or two admins could both register the 8th: on
 * PostgreSQL the operator row is locked first (FOR UPDATE serialises the operator's
 * registrations); SQLite runs one transaction at a time on its single connection.
 */
async function reserveGeneralUsers(
  tx: Db,
  ctx: ActionContext & { dialect: DialectName },
  requested: number,
): Promise<void> {
  if (ctx.dialect === 'postgres') {
    await tx
      .selectFrom('operators')
      .select('operator_code')
      .where('operator_code', '=', ctx.actor.operatorCode)
      .forUpdate()
      .execute();
  }
  assertRoomForGeneralUsers(await countGeneralUsers(tx, ctx.actor.operatorCode), requested);
}

/** SPEC §4: the same form executes once, whatever confirmations were issued for it. */
async function assertFormNotExecuted(tx: Db, ctx: ActionContext, used: UsedToken<unknown>): Promise<void> {
  const input = { sessionId: ctx.sessionId, tokenId: used.id, formId: used.formId };
  if (await formAlreadyExecuted(tx, input)) throw new AlreadyExecuted();
}

/** SPEC §4.4 register, within the limit of eight (reserveGeneralUsers). */
export async function registerUser(
  db: Kysely<Database>,
  ctx: ActionContext & { dialect: DialectName },
): Promise<User> {
  return db.transaction().execute(async (tx) => {
    const used = await useToken<RegisterPayload>(tx, ctx, tokenPurpose.register());
    const values = used.payload;
    await reserveGeneralUsers(tx, ctx, 1);
    await assertFormNotExecuted(tx, ctx, used);
    // Also queues the registration notice with the temporary password (SPEC §4.4, D-16).
    const { user } = await createUserWithTemporaryPassword(tx, {
      department: values.department,
      userName: values.userName,
      email: values.email,
      phone: values.phone,
      operatorCode: ctx.actor.operatorCode,
      role: 'general',
      actor: ctx.actor,
      now: ctx.now,
    });
    await recordAudit(tx, {
      at: ctx.now,
      action: 'register',
      outcome: 'success',
      actorUserId: ctx.actor.userId,
      operatorCode: ctx.actor.operatorCode,
      ip: ctx.ip,
      targetUserId: user.userId,
      detail: { role: user.role, after: auditView(user) },
    });
    return user;
  });
}

/**
 * SPEC §4.12 bulk register: every row of the confirmation, or none. The rows were checked
 * when the file was uploaded; the limit is checked again here, under the same lock as a
 * single registration, because other users may have been registered meanwhile. Each user
 * gets its own temporary password and registration notice, as in §4.4 (D-16); one audit
 * record lists them all.
 */
export async function bulkRegisterUsers(
  db: Kysely<Database>,
  ctx: ActionContext & { dialect: DialectName },
): Promise<User[]> {
  return db.transaction().execute(async (tx) => {
    const used = await useToken<BulkRegisterPayload>(tx, ctx, tokenPurpose.bulkRegister());
    const { rows } = used.payload;
    await reserveGeneralUsers(tx, ctx, rows.length);
    await assertFormNotExecuted(tx, ctx, used);
    const created: User[] = [];
    for (const row of rows) {
      const { user } = await createUserWithTemporaryPassword(tx, {
        department: row.department,
        userName: row.userName,
        email: row.email,
        phone: row.phone,
        validFrom: row.validFrom,
        validTo: row.validTo,
        operatorCode: ctx.actor.operatorCode,
        role: 'general',
        actor: ctx.actor,
        now: ctx.now,
      });
      created.push(user);
    }
    await recordAudit(tx, {
      at: ctx.now,
      action: 'bulkRegister',
      outcome: 'success',
      actorUserId: ctx.actor.userId,
      operatorCode: ctx.actor.operatorCode,
      ip: ctx.ip,
      detail: {
        count: created.length,
        userIds: created.map((u) => u.userId),
        users: created.map((u) => ({ userId: u.userId, ...auditView(u) })),
      },
    });
    return created;
  });
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
    const result = await tx
      .updateTable('users')
      .set((eb) => ({
        department: values.department,
        user_name: values.userName,
        user_name_key: toSearchKey(values.userName),
        phone: values.phone,
        email: values.email,
        enabled: values.enabled ? 1 : 0,
        valid_from: values.validFrom,
        valid_to: values.validTo,
        updated_at: ctx.now.toISOString(),
        version: eb('version', '+', 1),
      }))
      .where('user_id', '=', ctx.userId)
      .where('operator_code', '=', ctx.actor.operatorCode)
      .where('version', '=', values.version)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new StaleUpdate();
    // SPEC §4.11: a disabled user loses their sessions, in the same transaction.
    if (before.enabled && !values.enabled) await revokeUserSessions(tx, ctx.userId);
    const after = (await findUser(tx, ctx.userId))!;
    const changes = changedFieldLabels(before, values);
    await recordAudit(tx, {
      at: ctx.now,
      action: 'change',
      outcome: 'success',
      actorUserId: ctx.actor.userId,
      operatorCode: ctx.actor.operatorCode,
      ip: ctx.ip,
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

/** Logical deletion of one user (SPEC §3): the record stays, its sessions end at once. */
async function markDeleted(tx: Db, ctx: ActionContext, user: User): Promise<User> {
  const at = ctx.now.toISOString();
  const result = await tx
    .updateTable('users')
    .set((eb) => ({ deleted: 1, deleted_at: at, updated_at: at, version: eb('version', '+', 1) }))
    .where('user_id', '=', user.userId)
    .where('operator_code', '=', ctx.actor.operatorCode)
    .where('role', '=', 'general')
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new UserDeleted();
  await revokeUserSessions(tx, user.userId);
  const deleted = (await findUser(tx, user.userId))!;
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
    await recordAudit(tx, {
      at: ctx.now,
      action: 'delete',
      outcome: 'success',
      actorUserId: ctx.actor.userId,
      operatorCode: ctx.actor.operatorCode,
      ip: ctx.ip,
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
 * SPEC D-11: which of the selected users cannot be deleted (admin, deleted, unknown or
 * another operator's, the last two alike). Used by the confirmation page and, inside
 * the transaction, by the execution.
 */
export async function findBulkDeleteBlockers(
  db: Db,
  operatorCode: string,
  userIds: string[],
): Promise<{ deletable: User[]; blocked: string[] }> {
  const deletable: User[] = [];
  const blocked: string[] = [];
  for (const userId of userIds) {
    const user = await findOperatorUser(db, operatorCode, userId);
    if (!user || user.role === 'admin' || user.deleted) blocked.push(userId);
    else deletable.push(user);
  }
  return { deletable, blocked };
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
    const { deletable, blocked } = await findBulkDeleteBlockers(tx, ctx.actor.operatorCode, userIds);
    if (blocked.length > 0) throw new BulkDeleteBlocked(blocked);
    const deleted: User[] = [];
    for (const user of deletable) deleted.push(await markDeleted(tx, ctx, user));
    await recordAudit(tx, {
      at: ctx.now,
      action: 'bulkDelete',
      outcome: 'success',
      actorUserId: ctx.actor.userId,
      operatorCode: ctx.actor.operatorCode,
      ip: ctx.ip,
      detail: {
        count: deletable.length,
        userIds: deletable.map((u) => u.userId),
        users: deletable.map((u) => ({ userId: u.userId, ...auditView(u) })),
      },
    });
    return deleted;
  });
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
    const result = await tx
      .updateTable('users')
      .set({ locked: 0, failed_login_count: 0, updated_at: ctx.now.toISOString() })
      .where('user_id', '=', user.userId)
      .where('operator_code', '=', ctx.actor.operatorCode)
      .where('locked', '=', 1)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotLocked();
    const after = (await findUser(tx, user.userId))!;
    await recordAudit(tx, {
      at: ctx.now,
      action: 'unlock',
      outcome: 'success',
      actorUserId: ctx.actor.userId,
      operatorCode: ctx.actor.operatorCode,
      ip: ctx.ip,
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
  const newHash = await hashPassword(temporaryPassword);
  const expiresAt = temporaryPasswordExpiry(ctx.now);
  return db.transaction().execute(async (tx) => {
    await consumeToken(tx, ctx, tokenPurpose.reissue(ctx.userId));
    const user = await loadTarget(tx, ctx, ctx.userId);
    assertReissuable(user);
    const at = ctx.now.toISOString();
    const current = await tx
      .selectFrom('users')
      .select('password_hash')
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    await tx
      .insertInto('password_history')
      .values({ user_id: user.userId, password_hash: current.password_hash, created_at: at })
      .execute();
    const result = await tx
      .updateTable('users')
      .set({
        password_hash: newHash,
        password_is_temporary: 1,
        temporary_password_expires_at: expiresAt.toISOString(),
        password_changed_at: at,
        updated_at: at,
      })
      .where('user_id', '=', user.userId)
      .where('operator_code', '=', ctx.actor.operatorCode)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new UserDeleted();
    await revokeUserSessions(tx, user.userId);
    const after = (await findUser(tx, user.userId))!;
    await recordAudit(tx, {
      at: ctx.now,
      action: 'reissuePassword',
      outcome: 'success',
      actorUserId: ctx.actor.userId,
      operatorCode: ctx.actor.operatorCode,
      ip: ctx.ip,
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
