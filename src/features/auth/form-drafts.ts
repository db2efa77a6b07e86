import { keyRing, openSecret, SecretUnreadable, sealSecret, secretKey } from '../../lib/secret-box.js';

/**
 * What was typed into a form whose session ended before it was sent (issue: the
 * operator's day, item 4): kept for the same user in a sealed cookie (AES-256-GCM with
 * a key derived from the server key, bound to the user ID), never in the database, and
 * never a password. After logging in again, the user is offered to send it on.
 */
const FORM_DRAFT_COOKIE = 'cmus_draft';

/** The cookie's name: with TLS, `__Host-` pins it to this host and path / like the session's. */
export function formDraftCookieName(secure: boolean): string {
  return secure ? `__Host-${FORM_DRAFT_COOKIE}` : FORM_DRAFT_COOKIE;
}

/** How long a kept form waits for its user to log in again. */
export const FORM_DRAFT_MS = 30 * 60_000;

/** At most this much text is kept (a cookie holds about 4 KB). */
const MAX_SEALED_LENGTH = 3_500;

export type DraftFields = Record<string, string | string[]>;

export interface FormDraft {
  /** The path the form was posted to. */
  path: string;
  fields: DraftFields;
  expiresAt: Date;
}

/** Fields never kept: the CSRF token, confirmation tokens (bound to the ended session), passwords. */
function keeps(name: string): boolean {
  return name !== '_csrf' && name !== 'token' && !/password/i.test(name);
}

/**
 * The fields of a url-encoded body worth keeping, or undefined when there is nothing to
 * keep: an execution (its `token` was issued to the ended session and cannot run now),
 * an empty form or a body of another shape.
 */
export function draftFields(body: unknown): DraftFields | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const entries = Object.entries(body as Record<string, unknown>);
  if (entries.some(([name]) => name === 'token')) return undefined;
  const fields: DraftFields = {};
  for (const [name, value] of entries) {
    if (!keeps(name)) continue;
    if (typeof value === 'string') fields[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) fields[name] = value;
    else return undefined;
  }
  return Object.keys(fields).length > 0 ? fields : undefined;
}

function ring(key: Buffer) {
  return keyRing(secretKey(key));
}

/** The sealed cookie value, or undefined when the form is too large to keep. */
export function sealFormDraft(key: Buffer, userId: string, draft: FormDraft): string | undefined {
  const text = JSON.stringify({ p: draft.path, f: draft.fields, e: draft.expiresAt.getTime() });
  const sealed = sealSecret(ring(key), text, `form draft\0${userId}`);
  return sealed.length <= MAX_SEALED_LENGTH ? sealed : undefined;
}

/** The kept form of this user, or undefined (another user's, tampered, expired, malformed). */
export function openFormDraft(key: Buffer, userId: string, sealed: string, now: Date): FormDraft | undefined {
  let text: string;
  try {
    text = openSecret(ring(key), sealed, `form draft\0${userId}`);
  } catch (error) {
    if (error instanceof SecretUnreadable) return undefined;
    throw error;
  }
  const parsed = JSON.parse(text) as { p: string; f: DraftFields; e: number };
  if (now.getTime() > parsed.e) return undefined;
  return { path: parsed.p, fields: parsed.f, expiresAt: new Date(parsed.e) };
}
