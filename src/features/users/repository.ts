import crypto from 'node:crypto';
import type { Db } from '../../db/connect.js';
import type { NewUserRow } from '../../db/schema.js';
import { toUser, type User } from './model.js';

/**
 * SPEC §3: a ユーザID is `U` + 9 digits. Anything else names no user and never reaches the
 * database (SPEC D-19: a NUL or an over-long ID in a URL is a 404, not a PostgreSQL error).
 */
export function isUserId(text: string): boolean {
  return /^U[0-9]{9}$/.test(text);
}

export async function findUser(db: Db, userId: string): Promise<User | undefined> {
  if (!isUserId(userId)) return undefined;
  const row = await db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return row ? toUser(row) : undefined;
}

/** A user of the given operator, or nothing: another operator's user does not exist here. */
export async function findOperatorUser(
  db: Db,
  operatorCode: string,
  userId: string,
): Promise<User | undefined> {
  if (!isUserId(userId)) return undefined;
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('user_id', '=', userId)
    .where('operator_code', '=', operatorCode)
    .executeTakeFirst();
  return row ? toUser(row) : undefined;
}

export async function insertUser(db: Db, row: NewUserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

/**
 * SPEC §3: `U` + 9 digits, unique and never reused. Deletion is logical, so an ID that
 * was ever given stays in the table and is never drawn again.
 */
export async function generateUserId(
  db: Db,
  draw: () => number = () => crypto.randomInt(0, 1_000_000_000),
): Promise<string> {
  for (;;) {
    const candidate = `U${String(draw()).padStart(9, '0')}`;
    const taken = await db
      .selectFrom('users')
      .select('user_id')
      .where('user_id', '=', candidate)
      .executeTakeFirst();
    if (!taken) return candidate;
  }
}

export async function recentPasswordHashes(db: Db, userId: string, count: number): Promise<string[]> {
  const rows = await db
    .selectFrom('password_history')
    .select('password_hash')
    .where('user_id', '=', userId)
    .orderBy('id', 'desc')
    .limit(count)
    .execute();
  return rows.map((r) => r.password_hash);
}

/**
 * Ends every session of a user, but the one kept, if any: a user disabled, deleted or
 * given a new password is signed out everywhere at once (SPEC §4.11).
 */
export async function revokeUserSessions(db: Db, userId: string, keepSessionId?: string): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (keepSessionId) q = q.where('id', '!=', keepSessionId);
  const result = await q.executeTakeFirst();
  return Number(result.numDeletedRows);
}
