import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Db } from '../../db/connect.js';
import type { MessageId } from '../../lib/messages.js';
import { requireAuth, sendUserNotFound } from '../../web/guards.js';
import { pageContext, sendPage } from '../../web/render.js';
import type { AuditAction } from '../audit/service.js';
import type { ActionContext } from './action.js';
import { ActionConfirmPage } from './confirm-views.js';
import type { User } from './model.js';
import { completionRoute, executeToCompletion, type RefusalScreen, refusedOn } from './outcome-routes.js';
import { findOperatorUser } from './repository.js';
import {
  type IdRequest,
  parseActionForm,
  peekToken,
  readConfirmation,
  redirectToConfirmation,
} from './shared-routes.js';
import { crumbs, detailLink, LIST_LINK, type PageLink, resultRows } from './shared-views.js';

/** What the completion page shows of the user, and where it leads. */
interface ActionResult {
  rows: [string, string][];
  links: PageLink[];
}

/**
 * An action on one user posted from a screen of that user (delete, unlock, reissue, the
 * second factor's reset: SPEC §4.6, §4.8, §4.9, D-22) with _csrf, token and confirmed: '1'
 * after the browser's dialog, otherwise a confirmation page asks first (D-15); then 実行 and
 * its completion page. `U` is the target as the action reads it (with its second factor).
 */
export interface OneUserAction<U extends User = User> {
  path: 'delete' | 'unlock' | 'reissue' | 'second-factor-reset';
  /** The action its completion page's receipt names (the path, for the first three). */
  receipt: string;
  audit: AuditAction;
  purpose: (userId: string) => string;
  /** The target of the URL, within the admin's operator (SPEC §2); undefined for a 404. */
  load: (db: Db, operatorCode: string, userId: string) => Promise<U | undefined>;
  /** The rows a refusal and the confirmation page show of the target. */
  rows: (user: U, operatorName: string) => [string, string][];
  /** The rule, told before the confirmation; 実行 checks it again in its transaction. */
  check: (user: U) => void;
  execute: (app: FastifyInstance, ctx: ActionContext & { userId: string }) => Promise<User>;
  /** OK destroys something (the second factor): a red button. */
  danger?: boolean;
  /** The screens after the detail screen that lead to the action (the delete screen). */
  via: string[];
  confirmTitle: string;
  completeTitle: string;
  confirm: MessageId;
  complete: MessageId;
  /** What the completion page shows of the user as stored now (it may read more: never write, D-18). */
  result: (after: User, operatorName: string, db: Db) => ActionResult | Promise<ActionResult>;
}

/** The target of most actions: the user alone, shown with their detail rows. */
export const PLAIN_TARGET = {
  load: findOperatorUser,
  rows: resultRows,
} satisfies Pick<OneUserAction, 'load' | 'rows'>;

/**
 * Registers `POST /users/:id/<path>` for the action, its confirmation page without
 * JavaScript `GET /users/:id/<path>/confirm?token=…` and its completion page
 * `GET /users/:id/<path>/done?receipt=…` (Post/Redirect/Get: the user as stored now).
 */
export function oneUserActionRoute<U extends User>(app: FastifyInstance, action: OneUserAction<U>): void {
  app.post<{ Params: { id: string } }>(`/users/:id/${action.path}`, onTarget(app, action, handle));
  app.get<{ Params: { id: string } }>(
    `/users/:id/${action.path}/confirm`,
    onTarget(app, action, showConfirmation),
  );
  completionRoute(app, {
    path: `/users/:id/${action.path}/done`,
    action: action.receipt,
    page: async ({ user, operatorName }) => ({
      title: action.completeTitle,
      breadcrumbs: crumbs.detail(user.userId, ...action.via, action.completeTitle),
      info: { id: action.complete },
      ...(await action.result(user, operatorName, app.store.db)),
    }),
  });
}

/** One request of the action on its target user, who is of the admin's operator. */
interface OnTarget<U extends User> {
  app: FastifyInstance;
  action: OneUserAction<U>;
  request: IdRequest;
  reply: FastifyReply;
  user: U;
  operatorName: string;
}

function refusalScreen<U extends User>(
  { action, user, operatorName }: OnTarget<U>,
  breadcrumbs: RefusalScreen['breadcrumbs'],
): RefusalScreen {
  return {
    title: action.via.at(-1) ?? 'ユーザ情報詳細画面',
    breadcrumbs,
    rows: action.rows(user, operatorName),
    links: [detailLink(user.userId), LIST_LINK],
    action: action.audit,
    targetUserId: user.userId,
  };
}

/** A route's handler: the target of the URL loaded first (a 404 otherwise, and nothing runs). */
function onTarget<U extends User>(
  app: FastifyInstance,
  action: OneUserAction<U>,
  step: (on: OnTarget<U>) => Promise<FastifyReply>,
): (request: IdRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    const { user: actor, operatorName } = requireAuth(request);
    const user = await action.load(app.store.db, actor.operatorCode, request.params.id);
    if (!user) return sendUserNotFound(request, reply);
    return step({ app, action, request, reply, user, operatorName });
  };
}

/** The confirmation page without JavaScript (D-15), a GET of the token (PRG): writes nothing (D-18). */
async function showConfirmation<U extends User>(on: OnTarget<U>): Promise<FastifyReply> {
  const { app, action, request, reply, user, operatorName } = on;
  const trail = (...rest: string[]) => crumbs.detail(user.userId, ...action.via, ...rest);
  return refusedOn(app, request, reply, refusalScreen(on, trail()), async () => {
    const confirmation = await readConfirmation(app, request, action.purpose(user.userId));
    if (!confirmation.used) action.check(user);
    return sendPage(
      reply,
      <ActionConfirmPage
        page={pageContext(request)}
        title={action.confirmTitle}
        breadcrumbs={trail(action.confirmTitle)}
        info={action.confirm}
        userId={user.userId}
        rows={action.rows(user, operatorName)}
        operatorName={operatorName}
        action={`/users/${user.userId}/${action.path}`}
        danger={action.danger}
        token={confirmation.token}
        executed={confirmation.used}
      />,
    );
  });
}

/** The action's post: to its confirmation page without the browser's dialog (D-15), else 実行. */
async function handle<U extends User>(on: OnTarget<U>): Promise<FastifyReply> {
  const { app, action, request, reply, user } = on;
  const form = parseActionForm(request.body);
  return refusedOn(
    app,
    request,
    reply,
    refusalScreen(on, crumbs.detail(user.userId, ...action.via)),
    async () => {
      if (form.confirmed !== '1') {
        await peekToken(app, request, form.token, action.purpose(user.userId));
        action.check(user);
        const path = `/users/${encodeURIComponent(user.userId)}/${action.path}/confirm`;
        return redirectToConfirmation(reply, path, form.token);
      }
      return executeToCompletion(app, request, reply, {
        token: form.token,
        run: async (ctx) => {
          await action.execute(app, { ...ctx, userId: user.userId });
          return [user.userId];
        },
        path: `/users/${encodeURIComponent(user.userId)}/${action.path}/done`,
        action: action.receipt,
      });
    },
  );
}
