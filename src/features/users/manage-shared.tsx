import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendUserNotFound } from '../../web/guards.js';
import { type InputSpec, type InputValues, many, one, requireInput } from '../../web/input.js';
import type { Crumb, ShownMessage } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import { type AuditAction, recordAudit } from '../audit/service.js';
import { peekActionToken } from './action-tokens.js';
import { AlreadyExecuted, describeUserActionError, InvalidActionToken, UserActionError } from './errors.js';
import { ActionErrorPage, type PageBase, type PageLink } from './manage-views.js';
import type { User } from './model.js';
import { findOperatorUser } from './repository.js';
import type { ActionContext } from './service.js';

/** Route helpers shared by the register, change, delete, bulk-delete, unlock and reissue routes. */

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

export function pageBase(request: FastifyRequest): PageBase {
  return pageContext(request);
}

/** The signed-in admin (routes run behind `adminOnly`, so there is one). */
export function actorOf(request: FastifyRequest) {
  return request.auth!;
}

export function actionContext(app: FastifyInstance, request: FastifyRequest, token: string): ActionContext {
  const auth = actorOf(request);
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
  request: FastifyRequest<{ Params: { id: string } }>,
  reply: FastifyReply,
): Promise<User | undefined> {
  const user = await findOperatorUser(app.store.db, actorOf(request).user.operatorCode, request.params.id);
  if (!user) await sendUserNotFound(request, reply);
  return user;
}

/** Reads a confirmation's token without using it (confirmation pages, 戻る). */
export async function peekToken<T>(
  app: FastifyInstance,
  request: FastifyRequest,
  token: string,
  purpose: string,
): Promise<T> {
  const check = await peekActionToken<T>(app.store.db, {
    key: app.keys.actionToken,
    token,
    sessionId: actorOf(request).session.id,
    purpose,
    now: app.clock.now(),
  });
  if (!check.ok) throw check.reason === 'used' ? new AlreadyExecuted() : new InvalidActionToken();
  return check.payload;
}

export interface ErrorScreen {
  title: string;
  breadcrumbs: Crumb[];
  rows?: [string, string][];
  links: PageLink[];
  /** Shows the refusal on another screen (the list, for bulk delete) instead of an error page. */
  render?: (message: ShownMessage, status: number) => Promise<FastifyReply>;
}

/**
 * Shows a refused action (SPEC §4: the message at the top) and records the refusal in
 * the audit trail (SPEC §6: the outcome too). Anything that is not a refusal is rethrown
 * to the app's 500 handler.
 */
export async function sendRefusal(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  screen: ErrorScreen & { action: AuditAction; targetUserId?: string | null },
): Promise<FastifyReply> {
  if (!(error instanceof UserActionError)) throw error;
  const described = describeUserActionError(error);
  const actor = actorOf(request).user;
  // A refused action is audited (SPEC §6); a page that only shows why a button would be
  // refused (the change form of a deleted user) is a view, and a GET writes nothing (D-18).
  if (request.method !== 'GET')
    await recordAudit(app.store.db, {
      at: app.clock.now(),
      action: screen.action,
      outcome: 'failure',
      actorUserId: actor.userId,
      operatorCode: actor.operatorCode,
      ip: request.ip,
      targetUserId: screen.targetUserId ?? null,
      detail: { reason: error.kind },
    });
  if (screen.render) return screen.render({ id: described.id, params: described.params }, described.status);
  return sendPage(
    reply,
    <ActionErrorPage
      page={pageBase(request)}
      title={screen.title}
      breadcrumbs={screen.breadcrumbs}
      error={{ id: described.id, params: described.params }}
      rows={screen.rows}
      links={screen.links}
    />,
    described.status,
  );
}

export const LIST_LINK: PageLink = { href: '/users', label: 'ユーザ情報一覧画面へ' };
export const detailLink = (userId: string): PageLink => ({
  href: `/users/${userId}`,
  label: 'ユーザ情報詳細画面へ',
});
