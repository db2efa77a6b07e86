import crypto from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { type Param, precompile } from '../../db/precompiled.js';
import { toUser, USER_COLUMNS, type User } from '../users/model.js';

export interface SessionPolicy {
  idleMs: number;
  absoluteMs: number;
}

export interface Session {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** The user's login before this session's (前回ログイン), or null at a first login. */
  previousLogin?: PreviousLogin | null;
}

export interface PreviousLogin {
  at: Date;
  ip: string;
}

/** SPEC D-22: what the security plugin needs to send a user to enrolment. */
export interface SecondFactorState {
  /** The user's operator requires a second factor of every user. */
  required: boolean;
  /** The user has an enrolled authenticator app or a passkey. */
  enabled: boolean;
}

/** Only a SHA-256 of the token is stored: a leaked table gives no usable session. */
export function hashToken(token: string): string {
  return crypto.hash('sha256', token, 'hex');
}

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** A new session at every login (no fixation): returns the token for the cookie. */
export async function createSession(
  db: Db,
  input: { userId: string; ip: string; userAgent: string; now: Date; previousLogin?: PreviousLogin | null },
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
      previous_login_at: input.previousLogin?.at.toISOString() ?? null,
      previous_login_ip: input.previousLogin?.ip ?? null,
    })
    .execute();
  return {
    token,
    session: {
      id,
      userId: input.userId,
      createdAt: input.now,
      lastSeenAt: input.now,
      previousLogin: input.previousLogin ?? null,
    },
  };
}

/** Touching last_seen_at at most once a minute keeps page views from writing on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * SPEC §4.11: a session ends after `idleMs` without a request or `absoluteMs` after login.
 * An ended session is refused, not deleted: a page view only reads (SPEC D-18), and
 * housekeeping removes ended sessions. The only write is `last_seen_at`, at most once a
 * minute.
 */
async function checkSession(
  db: Db,
  row: {
    id: string;
    userId: string;
    createdAt: string;
    lastSeenAt: string;
    previousLogin: PreviousLogin | null;
  },
  now: Date,
  policy: SessionPolicy,
): Promise<Session | undefined> {
  const createdAt = new Date(row.createdAt);
  const lastSeenAt = new Date(row.lastSeenAt);
  const t = now.getTime();
  if (t - lastSeenAt.getTime() > policy.idleMs || t - createdAt.getTime() > policy.absoluteMs)
    return undefined;
  if (t - lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
    await db
      .updateTable('sessions')
      .set({ last_seen_at: now.toISOString() })
      .where('id', '=', row.id)
      .execute();
  }
  return { id: row.id, userId: row.userId, createdAt, lastSeenAt: now, previousLogin: row.previousLogin };
}

/** The query of every request: compiled once (docs/performance.md). */
const sessionWithUser = precompile((db, param: Param<{ id: string }>) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.user_id', 'sessions.user_id')
    .innerJoin('operators', 'operators.operator_code', 'users.operator_code')
    .leftJoin('totp_factors', 'totp_factors.user_id', 'sessions.user_id')
    // The User's columns only: the password hash stays in the database (and rows are smaller).
    .select(USER_COLUMNS.map((column) => `users.${column}` as const))
    .select([
      'sessions.created_at as session_created_at',
      'sessions.last_seen_at as session_last_seen_at',
      'sessions.previous_login_at',
      'sessions.previous_login_ip',
      'operators.operator_name',
      'operators.second_factor_required',
      'totp_factors.enabled_at as second_factor_enabled_at',
    ])
    // A passkey is a second factor too (SPEC D-22).
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('passkeys')
            .select('passkeys.id')
            .whereRef('passkeys.user_id', '=', 'sessions.user_id'),
        )
        .as('has_passkey'),
    )
    .where('sessions.id', '=', param('id')),
);

/**
 * The session of a cookie with its user and the user's operator name, in one indexed
 * join (every request runs it): a deleted session or user is seen at once, so
 * revocation stays immediate.
 */
export async function loadSession(
  db: Db,
  token: string,
  now: Date,
  policy: SessionPolicy,
): Promise<
  { session: Session; user: User; operatorName: string; secondFactor: SecondFactorState } | undefined
> {
  const id = hashToken(token);
  const [row] = await sessionWithUser(db, { id });
  if (!row) return undefined;
  const session = await checkSession(
    db,
    {
      id,
      userId: row.user_id,
      createdAt: row.session_created_at,
      lastSeenAt: row.session_last_seen_at,
      previousLogin: row.previous_login_at
        ? { at: new Date(row.previous_login_at), ip: row.previous_login_ip ?? '' }
        : null,
    },
    now,
    policy,
  );
  if (!session) return undefined;
  return {
    session,
    user: toUser(row),
    operatorName: row.operator_name,
    secondFactor: {
      required: Number(row.second_factor_required) === 1,
      enabled: Boolean(row.second_factor_enabled_at) || Boolean(Number(row.has_passkey)),
    },
  };
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', id).execute();
}

/** A session as its owner sees it on the account page (ASVS V7.5.2). */
export interface OwnSession {
  id: string;
  createdAt: Date;
  lastSeenAt: Date;
  ip: string;
  userAgent: string;
}

/** The user's sessions that are still valid, the latest first. */
export async function listOwnSessions(
  db: Db,
  userId: string,
  now: Date,
  policy: SessionPolicy,
): Promise<OwnSession[]> {
  const rows = await db
    .selectFrom('sessions')
    .select(['id', 'created_at', 'last_seen_at', 'ip', 'user_agent'])
    .where('user_id', '=', userId)
    .where('last_seen_at', '>=', new Date(now.getTime() - policy.idleMs).toISOString())
    .where('created_at', '>=', new Date(now.getTime() - policy.absoluteMs).toISOString())
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: r.id,
    createdAt: new Date(r.created_at),
    lastSeenAt: new Date(r.last_seen_at),
    ip: r.ip,
    userAgent: r.user_agent,
  }));
}

/** Ends one of the user's own sessions; false when it is not theirs (or already ended). */
export async function endOwnSession(db: Db, userId: string, sessionId: string): Promise<boolean> {
  const result = await db
    .deleteFrom('sessions')
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** Ends every session of the user but one (ASVS V7.5.2); returns how many ended. */
export async function endOtherSessions(db: Db, userId: string, keepSessionId: string): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('user_id', '=', userId)
    .where('id', '!=', keepSessionId)
    .executeTakeFirst();
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

/** The user of a session token, ended or not (reads only): whose form an ended session sent. */
export async function sessionOwner(db: Db, token: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('sessions')
    .select('user_id')
    .where('id', '=', hashToken(token))
    .executeTakeFirst();
  return row?.user_id;
}

/** 延長: the session's idle time starts again now (a POST of the user's, SPEC §4.11). */
export async function extendSession(db: Db, id: string, now: Date): Promise<void> {
  await db.updateTable('sessions').set({ last_seen_at: now.toISOString() }).where('id', '=', id).execute();
}
