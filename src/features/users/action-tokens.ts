import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Db } from '../../db/connect.js';
import { type KeyRing, keyRing, openBytes, sealBytes, secretKey } from '../../lib/secret-box.js';

/**
 * SPEC §4 and D-18: every 実行 executes at most once, and showing a page writes nothing.
 *
 * A confirmation (a page, or a button with the browser's dialog) carries a token that is
 * *signed*, not stored: an HMAC over its content with a key every process of the
 * database shares (src/db/server-keys.ts), bound to the session, the action and its
 * target (the purpose), expiring after an hour. It may carry what was confirmed (the
 * values of a registration), so that 実行 executes exactly what the page showed.
 *
 * "At most once" is enforced when the action runs: its transaction inserts the token's
 * ID into used_action_tokens under a unique key. A reload, a double click or a resubmit
 * after 戻る finds the ID there; if the action rolls back, so does the insert and the
 * token stays usable.
 *
 * A confirmation page is itself a GET (Post/Redirect/Get: the 確認 post answers 303 to
 * `…/confirm?token=…`), so a token travels in URLs, which reach logs, history and the
 * Referer. A token that carries what was confirmed is therefore *sealed*: its content is
 * encrypted with AES-256-GCM (lib/secret-box.ts, compressed first when large) under a key
 * derived from the token key, and the HMAC over it binds it to the session as before.
 * Nobody reads a typed name or mail address out of a URL, and nobody alters one. A
 * button's token (only its ID, purpose and expiry) is signed alone.
 */

/** A confirmation older than this has to be shown again. */
export const TOKEN_LIFETIME_MS = 60 * 60_000;

interface TokenBody {
  /** The token's ID: what "used" records. */
  i: string;
  /** The purpose: action and target. */
  p: string;
  /** Expiry, epoch milliseconds. */
  e: number;
  /** The form the confirmation came from (register, bulk register). */
  f?: string;
  /** What was confirmed. */
  d?: unknown;
}

/**
 * The signing key as a KeyObject, made once: an HMAC keyed by a KeyObject skips importing
 * the raw key at every token, which under load was half the HMAC's cost.
 */
const hmacKeys = new WeakMap<Buffer, crypto.KeyObject>();
function hmacKey(key: Buffer): crypto.KeyObject {
  let keyObject = hmacKeys.get(key);
  if (!keyObject) {
    keyObject = crypto.createSecretKey(key);
    hmacKeys.set(key, keyObject);
  }
  return keyObject;
}

function mac(key: Buffer, sessionId: string, body: string): string {
  return crypto
    .createHmac('sha256', hmacKey(key))
    .update(sessionId)
    .update('\n')
    .update(body)
    .digest('base64url');
}

/** The sealing key of confirmation tokens, derived from their signing key (never the same key twice). */
const sealRings = new WeakMap<Buffer, KeyRing>();
function sealRing(key: Buffer): KeyRing {
  let ring = sealRings.get(key);
  if (!ring) {
    const derived = crypto.hkdfSync('sha256', key, Buffer.alloc(0), 'confirmation token seal', 32);
    ring = keyRing(secretKey(Buffer.from(derived)));
    sealRings.set(key, ring);
  }
  return ring;
}

/** What a token's seal is bound to, besides the HMAC's session. */
const SEAL_BINDING = 'confirmation token';

/** A sealed body opens to at most this much (eight registrations fit many times over). */
const MAX_BODY_BYTES = 256 * 1024;

export function issueActionToken(
  key: Buffer,
  input: { sessionId: string; purpose: string; payload?: unknown; now: Date; formId?: string },
): string {
  const body: TokenBody = {
    // 122 random bits from Node's pooled UUID source (a tenth of randomBytes' cost per call).
    i: crypto.randomUUID().replaceAll('-', ''),
    p: input.purpose,
    e: input.now.getTime() + TOKEN_LIFETIME_MS,
    ...(input.formId ? { f: input.formId } : {}),
    ...(input.payload === undefined ? {} : { d: input.payload }),
  };
  return seal(key, input.sessionId, body);
}

/**
 * A token carrying what was confirmed (typed values: names, addresses) is sealed, so that
 * nothing typed can be read from a URL; one that carries only its ID, purpose and expiry
 * (a button's: delete, unlock, reissue …) is signed alone, which costs a tenth. The first
 * character says which; the HMAC covers both. A sealed body is compressed when large.
 */
function seal(key: Buffer, sessionId: string, body: TokenBody): string {
  const json = Buffer.from(JSON.stringify(body), 'utf8');
  let content: string;
  if (body.d === undefined) {
    content = `p${json.toString('base64url')}`;
  } else {
    const compressed = json.length > COMPRESS_FROM_BYTES;
    const packed = compressed ? zlib.deflateRawSync(json) : json;
    content = `${compressed ? 'z' : 's'}${sealBytes(sealRing(key), packed, SEAL_BINDING)}`;
  }
  return `${content}.${mac(key, sessionId, content)}`;
}

/** Sealed bodies longer than this are compressed first (a registration's values). */
const COMPRESS_FROM_BYTES = 512;

/** The JSON of a token's content (its HMAC already checked); throws when it is not one. */
function unpack(key: Buffer, content: string): string {
  const kind = content[0];
  const rest = content.slice(1);
  if (kind === 'p') return Buffer.from(rest, 'base64url').toString('utf8');
  const packed = openBytes(sealRing(key), rest, SEAL_BINDING);
  if (kind === 's') return packed.toString('utf8');
  if (kind === 'z') return zlib.inflateRawSync(packed, { maxOutputLength: MAX_BODY_BYTES }).toString('utf8');
  throw new Error('not a token');
}

/**
 * The same token (its ID, purpose, expiry and form) now carrying `payload`: using either
 * uses both. What a button's token confirmed (the ticked users of bulk delete) travels to
 * the confirmation page this way; undefined when the token does not hold.
 */
export function withPayload(input: TokenInput, payload: unknown): string | undefined {
  const body = verify(input);
  return body ? seal(input.key, input.sessionId, { ...body, d: payload }) : undefined;
}

export type TokenCheck<T> =
  | { ok: true; payload: T; id: string; formId: string | undefined }
  | { ok: false; reason: 'used' | 'invalid' };

export interface TokenInput {
  key: Buffer;
  token: string;
  sessionId: string;
  purpose: string;
  now: Date;
}

/** The token's content when its signature, session, purpose and lifetime hold. */
function verify(input: TokenInput): TokenBody | undefined {
  const dot = input.token.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const sealed = input.token.slice(0, dot);
  const expected = Buffer.from(mac(input.key, input.sessionId, sealed));
  const given = Buffer.from(input.token.slice(dot + 1));
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return undefined;
  let body: TokenBody;
  try {
    body = JSON.parse(unpack(input.key, sealed)) as TokenBody;
  } catch {
    // A seal that does not open, a body that does not inflate or parse: not a token of ours.
    return undefined;
  }
  if (!body || typeof body !== 'object') return undefined;
  if (body.p !== input.purpose || typeof body.e !== 'number' || body.e <= input.now.getTime())
    return undefined;
  return body;
}

/**
 * What a confirmation page shows, read without using the token (D-18: a GET writes
 * nothing): its content when the token holds, and whether it was already executed (the
 * back button from the completion page shows the confirmation again, marked so).
 */
export async function readActionToken<T>(
  db: Db,
  input: TokenInput,
): Promise<{ payload: T; formId: string | undefined; used: boolean } | undefined> {
  const body = verify(input);
  if (!body) return undefined;
  const used = await db
    .selectFrom('used_action_tokens')
    .select('token_id')
    .where('token_id', '=', body.i)
    .executeTakeFirst();
  return { payload: body.d as T, formId: body.f, used: used !== undefined };
}

/** Reads a token without using it (to show its confirmation page again, 戻る): reads only. */
export async function peekActionToken<T>(db: Db, input: TokenInput): Promise<TokenCheck<T>> {
  const body = verify(input);
  if (!body) return { ok: false, reason: 'invalid' };
  const used = await db
    .selectFrom('used_action_tokens')
    .select('token_id')
    .where('token_id', '=', body.i)
    .executeTakeFirst();
  if (used) return { ok: false, reason: 'used' };
  return { ok: true, payload: body.d as T, id: body.i, formId: body.f };
}

/**
 * Uses a token, once: call it inside the transaction of the action it guards. The insert
 * that marks it used is the guard: of two parallel uses, the second finds the key taken.
 */
export async function consumeActionToken<T>(db: Db, input: TokenInput): Promise<TokenCheck<T>> {
  const body = verify(input);
  if (!body) return { ok: false, reason: 'invalid' };
  const inserted = await db
    .insertInto('used_action_tokens')
    .values({
      token_id: body.i,
      session_id: input.sessionId,
      form_id: body.f ?? null,
      used_at: input.now.toISOString(),
      expires_at: new Date(body.e).toISOString(),
    })
    .onConflict((oc) => oc.column('token_id').doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return { ok: false, reason: 'used' };
  return { ok: true, payload: body.d as T, id: body.i, formId: body.f };
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
 * True when another confirmation of the same form was already executed in this session:
 * back from the completion to the confirmation, a resubmit of 確認 (a new token), then
 * 実行 again must not register twice. Call it after consuming the token, in the same
 * transaction, under the lock that serialises the action (the operator row).
 */
export async function formAlreadyExecuted(
  db: Db,
  input: { sessionId: string; tokenId: string; formId: string | undefined },
): Promise<boolean> {
  if (!input.formId) return false;
  const other = await db
    .selectFrom('used_action_tokens')
    .select('token_id')
    .where('session_id', '=', input.sessionId)
    .where('form_id', '=', input.formId)
    .where('token_id', '!=', input.tokenId)
    .executeTakeFirst();
  return other !== undefined;
}

/** Housekeeping: a used token past its lifetime could not be used again anyway. */
export async function purgeActionTokens(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('used_action_tokens')
    .where('expires_at', '<', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Post/Redirect/Get after every 実行 (SPEC §4: at most once, whatever the browser does): a
 * successful 実行 answers 303 to its completion page, a GET whose URL carries a *receipt*.
 * Like a confirmation token, a receipt is signed with the server key and bound to the
 * session that executed (an HMAC over the session ID, never written into the URL); it
 * names the action, the users it concerned and when it ran. The completion page verifies
 * it, reads those users within the viewer's operator and writes nothing (D-18), so it can
 * be reloaded, bookmarked and reached with the back button without executing again.
 */

/** A receipt outlives no session: a session ends 12 hours after login at the latest (SPEC §4.11). */
export const RECEIPT_LIFETIME_MS = 12 * 60 * 60_000;

/** A receipt dated this far after the server's clock is not believed (clocks of two processes). */
const RECEIPT_CLOCK_SKEW_MS = 5 * 60_000;

/** The users a receipt may name: a 実行 concerns at most eight general users (SPEC §1). */
const RECEIPT_MAX_USERS = 100;

/** What a completion page knows of its 実行. */
export interface Receipt {
  action: string;
  userIds: string[];
  executedAt: Date;
}

interface ReceiptBody {
  /** The action. */
  a: string;
  /** The users it concerned. */
  u: string[];
  /** When it ran, epoch milliseconds. */
  t: number;
}

/** A receipt's signature: its own domain, so that no confirmation token passes for one. */
function receiptMac(key: Buffer, sessionId: string, body: string): string {
  return mac(key, `receipt\n${sessionId}`, body);
}

export function issueReceipt(
  key: Buffer,
  input: { sessionId: string; action: string; userIds: readonly string[]; executedAt: Date },
): string {
  const body: ReceiptBody = { a: input.action, u: [...input.userIds], t: input.executedAt.getTime() };
  const encoded = Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
  return `${encoded}.${receiptMac(key, input.sessionId, encoded)}`;
}

function isReceiptBody(value: unknown): value is ReceiptBody {
  if (!value || typeof value !== 'object') return false;
  const body = value as Record<string, unknown>;
  return (
    typeof body.a === 'string' &&
    typeof body.t === 'number' &&
    Number.isFinite(body.t) &&
    Array.isArray(body.u) &&
    body.u.length <= RECEIPT_MAX_USERS &&
    body.u.every((id) => typeof id === 'string')
  );
}

/**
 * The receipt's content when its signature, session, action and lifetime hold; undefined
 * for anything else (forged, altered, expired, another session's, another action's).
 * Reads nothing and writes nothing.
 */
export function verifyReceipt(
  key: Buffer,
  input: { receipt: string; sessionId: string; action: string; now: Date },
): Receipt | undefined {
  const dot = input.receipt.indexOf('.');
  if (dot <= 0) return undefined;
  const encoded = input.receipt.slice(0, dot);
  const expected = Buffer.from(receiptMac(key, input.sessionId, encoded));
  const given = Buffer.from(input.receipt.slice(dot + 1));
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isReceiptBody(body) || body.a !== input.action) return undefined;
  const now = input.now.getTime();
  if (body.t > now + RECEIPT_CLOCK_SKEW_MS || now - body.t >= RECEIPT_LIFETIME_MS) return undefined;
  return { action: body.a, userIds: body.u, executedAt: new Date(body.t) };
}
