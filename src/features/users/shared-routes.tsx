import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAuth, sendUserNotFound } from '../../web/guards.js';
import { type InputSpec, type InputValues, many, one, requireInput } from '../../web/input.js';
import type { ShownMessage } from '../../web/layout.js';
import type { ActionContext } from './action.js';
import {
  issueActionToken,
  peekActionToken,
  readActionToken,
  type TokenInput,
  withPayload,
} from './action-tokens.js';
import { AlreadyExecuted, InvalidActionToken } from './errors.js';
import type { User } from './model.js';
import { findOperatorUser } from './repository.js';

/**
 * Route helpers shared by the register, change, delete, bulk-delete, unlock and reissue
 * routes: the action form, its context and target, the confirmation's token (D-18). How the
 * outcome is shown (refusal, completion) is in outcome-routes.tsx.
 */

/** The fields of every 実行 / confirmation form (SPEC §4, D-15), read totally (D-19). */
const ACTION_FORM = {
  // A signed confirmation token carries what was confirmed (up to eight registrations).
  token: one('トークン', 32_000),
  /** '1' when the browser's dialog was accepted (public/app.js) or the confirmation page posted. */
  confirmed: one('確認', 10),
  userIds: many('選択', 20, 1000),
  /** The list's query string (bulk delete), to show a refusal on the same list. */
  listQuery: one('検索条件', 2048),
  formId: one('フォームID', 100),
} satisfies InputSpec;
export type TActionForm = InputValues<typeof ACTION_FORM>;

export function parseActionForm(body: unknown): TActionForm {
  return requireInput(body, ACTION_FORM);
}

export type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export function actionContext(app: FastifyInstance, request: FastifyRequest, token: string): ActionContext {
  const auth = requireAuth(request);
  return {
    actor: auth.user,
    sessionId: auth.session.id,
    token,
    tokenKey: app.keys.actionToken,
    ip: request.ip,
    now: app.clock.now(),
  };
}

/**
 * The target user of the URL, of the admin's own operator only; otherwise the same 404
 * as an unknown ID, and nothing runs (SPEC §2).
 */
export async function loadTargetOr404(
  app: FastifyInstance,
  request: IdRequest,
  reply: FastifyReply,
): Promise<User | undefined> {
  const operatorCode = requireAuth(request).user.operatorCode;
  const user = await findOperatorUser(app.store.db, operatorCode, request.params.id);
  if (!user) await sendUserNotFound(request, reply);
  return user;
}

/**
 * A one-time token for the signed-in user's session (SPEC §4, D-18): what a confirmation
 * or a button posts to execute `purpose`, with what was confirmed and the form it came from.
 */
export function confirmationToken(
  app: FastifyInstance,
  request: FastifyRequest,
  purpose: string,
  confirmed: { payload?: unknown; formId?: string } = {},
): string {
  return issueActionToken(app.keys.actionToken, {
    sessionId: requireAuth(request).session.id,
    purpose,
    now: app.clock.now(),
    ...confirmed,
  });
}

/** A token of the request to check: for the signed-in user's session and `purpose`, now. */
function tokenInput(
  app: FastifyInstance,
  request: FastifyRequest,
  token: string,
  purpose: string,
): TokenInput {
  return {
    key: app.keys.actionToken,
    token,
    sessionId: requireAuth(request).session.id,
    purpose,
    now: app.clock.now(),
  };
}

/** Reads a confirmation's token without using it (confirmation pages, 戻る). */
export async function peekToken<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  token: string,
  purpose: string,
): Promise<T> {
  const check = await peekActionToken<T>(app.store.db, tokenInput(app, request, token, purpose));
  if (!check.ok) throw check.reason === 'used' ? new AlreadyExecuted() : new InvalidActionToken();
  return check.payload;
}

/** SPEC D-19: what a confirmation page reads from its query (a sealed token, action-tokens.ts). */
const CONFIRMATION_QUERY = { token: one('トークン', 16_000) } satisfies InputSpec;

/**
 * Post/Redirect/Get for confirmations too: the post of 確認 (or of a button without the
 * browser's dialog, D-15) answers 303 See Other to the confirmation page, a GET whose URL
 * carries the sealed token. Back from the completion page, or a reload, shows it again
 * without the browser asking to resubmit a form.
 */
export function redirectToConfirmation(reply: FastifyReply, path: string, token: string): FastifyReply {
  return reply.redirect(`${path}?token=${token}`, 303);
}

/** What a confirmation page shows: the token of its URL and what it confirmed. */
export interface Confirmation<T> {
  token: string;
  payload: T;
  formId: string | undefined;
  /** Already executed: the page says so and offers no 実行 (back from the completion page). */
  used: boolean;
}

/**
 * The token of a confirmation page's URL, checked for this session and purpose and read
 * without being used (D-18); a forged, altered, expired or another session's token is
 * refused (a 400 page through `refusedOn`).
 */
export async function readConfirmation<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  purpose: string,
): Promise<Confirmation<T>> {
  const { token } = requireInput(request.query, CONFIRMATION_QUERY);
  const read = await readActionToken<T>(app.store.db, tokenInput(app, request, token, purpose));
  if (!read) throw new InvalidActionToken();
  return { token, ...read };
}

/** A button's token, the same one, now carrying what its confirmation page shows. */
export function tokenWithPayload(
  app: FastifyInstance,
  request: FastifyRequest,
  token: string,
  purpose: string,
  payload: unknown,
): string {
  const sealed = withPayload(tokenInput(app, request, token, purpose), payload);
  if (!sealed) throw new InvalidActionToken();
  return sealed;
}

/**
 * Shows the list for a query string with a message at the top: how bulk delete reports a
 * refusal on the list it was started from (manual ch. 7 ⑤), the ticked boxes kept. The
 * search flow provides it.
 */
export type ListWithMessage = (
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  listQuery: string,
  message: ShownMessage,
  status: number,
  restore: { selectedUserIds?: readonly string[] },
) => Promise<FastifyReply>;
