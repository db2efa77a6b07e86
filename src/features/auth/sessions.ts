import crypto from 'node:crypto';
import type { Db } from '../users/repository.js';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export interface Session {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
}

/** Only a SHA-256 of the token is stored: a leaked table gives no usable session. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** A new session at every login (no fixation): returns the token for the cookie. */
export async function createSession(
  db: Db,
  input: { userId: string; ip: string; userAgent: string; now: Date },
): Promise<{ token: string; session: Session }> {
  const token = newToken();
  const id = hashToken(token);
  const at = input.now.toISOString();
  await db
    .insertInto('sessions')
    .values({
      id,
      user_id: input.userId,
      created_at: at,
      last_seen_at: at,
      ip: input.ip.slice(0, 64),
      user_agent: input.userAgent.slice(0, 500),
    })
    .execute();
  return { token, session: { id, userId: input.userId, createdAt: input.now, lastSeenAt: input.now } };
}

/** Touching last_seen_at at most once a minute keeps page views from writing on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * SPEC §4.11: a session ends after `idleMs` without a request or `absoluteMs` after login.
 * An expired session is deleted when it is seen.
 */
export async function validateSession(
  db: Db,
  token: string,
  now: Date,
  policy: SessionPolicy,
): Promise<Session | undefined> {
  const id = hashToken(token);
  const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const createdAt = new Date(row.created_at);
  const lastSeenAt = new Date(row.last_seen_at);
  const t = now.getTime();
  if (t - lastSeenAt.getTime() > policy.idleMs || t - createdAt.getTime() > policy.absoluteMs) {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
    return undefined;
  }
  if (t - lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
    await db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', id).execute();
  }
  return { id, userId: row.user_id, createdAt, lastSeenAt: now };
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** Ends every session of a user (disabled, deleted, new password), but the one kept, if any. */
export async function revokeUserSessions(db: Db, userId: string, keepSessionId?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepSessionId) q = q.where('id', '!=', keepSessionId);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Removes sessions past their absolute lifetime (housekeeping; validation already refuses them). */
export async function purgeExpiredSessions(db: Db, now: Date, policy: SessionPolicy): Promise<number> {
  const idleCutoff = new Date(now.getTime() - policy.idleMs).toISOString();
  const absoluteCutoff = new Date(now.getTime() - policy.absoluteMs).toISOString();
  const result = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('last_seen_at', '<', idleCutoff), eb('created_at', '<', absoluteCutoff)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
