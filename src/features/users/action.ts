import type { Db } from '../../db/connect.js';
import { type AuditAction, recordAudit } from '../audit/service.js';
import { consumeActionToken, formAlreadyExecuted } from './action-tokens.js';
import { AlreadyExecuted, InvalidActionToken, UserNotFound } from './errors.js';
import type { User } from './model.js';
import { findOperatorUser } from './repository.js';

/**
 * What every user-management action (SPEC §4.4–§4.9, §4.12) shares: who acts, the
 * confirmation's one-time token, the target within the actor's operator, the audit
 * record. Each action opens ONE transaction holding the change, its audit record, its
 * mail notices (outbox) and the use of the token: they commit together or not at all
 * (STYLE "Transactions"). A refusal is thrown as a typed error (errors.ts), which rolls
 * everything back, the token too, so the admin can correct and retry.
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
  secondFactorReset: (userId: string) => `secondFactorReset:${userId}`,
} as const;

export interface UsedToken<T> {
  payload: T;
  id: string;
  formId: string | undefined;
}

/** SPEC §4: uses the confirmation's token once, inside the action's transaction. */
export async function useToken<T>(tx: Db, ctx: ActionContext, purpose: string): Promise<UsedToken<T>> {
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
export async function consumeToken<T>(tx: Db, ctx: ActionContext, purpose: string): Promise<T> {
  return (await useToken<T>(tx, ctx, purpose)).payload;
}

/** SPEC §4: the same form executes once, whatever confirmations were issued for it. */
export async function assertFormNotExecuted(
  tx: Db,
  ctx: ActionContext,
  used: UsedToken<unknown>,
): Promise<void> {
  const input = { sessionId: ctx.sessionId, tokenId: used.id, formId: used.formId };
  if (await formAlreadyExecuted(tx, input)) throw new AlreadyExecuted();
}

/** The target, of the actor's own operator only (SPEC §2: another operator's user does not exist). */
export async function loadTarget(tx: Db, ctx: ActionContext, userId: string): Promise<User> {
  const user = await findOperatorUser(tx, ctx.actor.operatorCode, userId);
  if (!user) throw new UserNotFound();
  return user;
}

/** The fields an audit record keeps of a user (never a password or its hash). */
export function auditView(user: User) {
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

/** The audit detail of an action on several users (bulk register, bulk delete). */
export function auditViews(users: User[]) {
  return {
    count: users.length,
    userIds: users.map((u) => u.userId),
    users: users.map((u) => ({ userId: u.userId, ...auditView(u) })),
  };
}

/** Who acted, where and when: what an audit record takes from an action's context. */
export type AuditActor = Pick<ActionContext, 'actor' | 'ip' | 'now'>;

/** SPEC §6: the audit record of an action, its actor, address and time from its context. */
export async function recordActionAudit(
  db: Db,
  ctx: AuditActor,
  entry: {
    action: AuditAction;
    outcome?: 'success' | 'failure';
    targetUserId?: string | null;
    detail: Record<string, unknown>;
  },
): Promise<void> {
  await recordAudit(db, {
    at: ctx.now,
    action: entry.action,
    outcome: entry.outcome ?? 'success',
    actorUserId: ctx.actor.userId,
    operatorCode: ctx.actor.operatorCode,
    ip: ctx.ip,
    targetUserId: entry.targetUserId ?? null,
    detail: entry.detail,
  });
}
