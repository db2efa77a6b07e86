import crypto from 'node:crypto';
import { hashToken } from '../auth/sessions.js';
import type { Db } from './repository.js';

/**
 * SPEC §4: every 実行 executes at most once. A confirmation (page or form) carries a
 * one-time token bound to the session and the action; the action consumes it with one
 * atomic UPDATE inside its own transaction, so a reload, a double click or a resubmit
 * after 戻る finds it used. If the action rolls back, the token stays usable.
 * The payload keeps what was confirmed (the values of a registration, say), so that
 * 実行 executes exactly what the confirmation page showed.
 */

/** A confirmation older than this has to be shown again. */
const TOKEN_LIFETIME_MS = 60 * 60_000;

export async function issueActionToken(
  db: Db,
  input: { sessionId: string; purpose: string; payload?: unknown; now: Date; formId?: string },
): Promise<string> {
  const token = crypto.randomBytes(24).toString('base64url');
  await db
    .insertInto('action_tokens')
    .values({
      token_hash: hashToken(token),
      session_id: input.sessionId,
      purpose: input.purpose,
      payload: JSON.stringify(input.payload ?? null),
      created_at: input.now.toISOString(),
      used_at: null,
      form_id: input.formId ?? null,
    })
    .execute();
  return token;
}

export type TokenCheck<T> = { ok: true; payload: T } | { ok: false; reason: 'used' | 'invalid' };

/** Reads a token without using it (to show its confirmation page again). */
export async function peekActionToken<T>(
  db: Db,
  input: { token: string; sessionId: string; purpose: string; now: Date },
): Promise<TokenCheck<T>> {
  const row = await db
    .selectFrom('action_tokens')
    .selectAll()
    .where('token_hash', '=', hashToken(input.token))
    .where('session_id', '=', input.sessionId)
    .where('purpose', '=', input.purpose)
    .executeTakeFirst();
  if (!row || isExpired(row.created_at, input.now)) return { ok: false, reason: 'invalid' };
  if (row.used_at) return { ok: false, reason: 'used' };
  return { ok: true, payload: JSON.parse(row.payload) as T };
}

/** Uses a token, once: call it inside the transaction of the action it guards. */
export async function consumeActionToken<T>(
  db: Db,
  input: { token: string; sessionId: string; purpose: string; now: Date },
): Promise<TokenCheck<T>> {
  const hash = hashToken(input.token);
  const row = await db
    .updateTable('action_tokens')
    .set({ used_at: input.now.toISOString() })
    .where('token_hash', '=', hash)
    .where('session_id', '=', input.sessionId)
    .where('purpose', '=', input.purpose)
    .where('used_at', 'is', null)
    .where('created_at', '>', new Date(input.now.getTime() - TOKEN_LIFETIME_MS).toISOString())
    .returning('payload')
    .executeTakeFirst();
  if (row) return { ok: true, payload: JSON.parse(row.payload) as T };
  const seen = await db
    .selectFrom('action_tokens')
    .select('used_at')
    .where('token_hash', '=', hash)
    .executeTakeFirst();
  return { ok: false, reason: seen?.used_at ? 'used' : 'invalid' };
}

/** A random ID for one showing of a form (carried by its confirmations). */
export function newFormId(): string {
  return crypto.randomBytes(16).toString('base64url');
}

const FORM_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The form ID a request carried, or a new one for a form shown before IDs existed. */
export function formIdOf(body: unknown): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>).formId : undefined;
  return typeof value === 'string' && FORM_ID.test(value) ? value : newFormId();
}

/**
 * True when a confirmation of the same form was already executed in this session: back
 * from the completion to the confirmation, a resubmit of 確認 (a new token), then 実行
 * again must not register twice. Call it after consuming the token, in the same
 * transaction, under the lock that serialises the action (the operator row).
 */
export async function formAlreadyExecuted(
  db: Db,
  input: { sessionId: string; token: string },
): Promise<boolean> {
  const own = await db
    .selectFrom('action_tokens')
    .select('form_id')
    .where('token_hash', '=', hashToken(input.token))
    .executeTakeFirst();
  if (!own?.form_id) return false;
  const used = await db
    .selectFrom('action_tokens')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('session_id', '=', input.sessionId)
    .where('form_id', '=', own.form_id)
    .where('used_at', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(used.n) > 1;
}

function isExpired(createdAt: string, now: Date): boolean {
  return now.getTime() - new Date(createdAt).getTime() > TOKEN_LIFETIME_MS;
}

/** Housekeeping: tokens past their lifetime are useless. */
export async function purgeActionTokens(db: Db, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - TOKEN_LIFETIME_MS).toISOString();
  const result = await db.deleteFrom('action_tokens').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}
