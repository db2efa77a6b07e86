import type { FastifyInstance, FastifyReply } from 'fastify';
import type { MessageId } from '../../lib/messages.js';
import { requireAuth } from '../../web/guards.js';
import { pageContext, sendPage } from '../../web/render.js';
import type { AuditAction } from '../audit/service.js';
import type { ActionContext } from './action.js';
import type { User } from './model.js';
import { completionRoute, executeToCompletion, type RefusalScreen, refusedOn } from './outcome-routes.js';
import {
  type IdRequest,
  loadTargetOr404,
  parseActionForm,
  peekToken,
  readConfirmation,
  redirectToConfirmation,
} from './shared-routes.js';
import {
  ActionConfirmPage,
  crumbs,
  detailLink,
  LIST_LINK,
  type PageLink,
  resultRows,
} from './shared-views.js';

/**
 * An action on one user posted from a screen of that user (delete, unlock, reissue: SPEC
 * §4.6, §4.8, §4.9) with _csrf, token and confirmed: '1' after the browser's dialog,
 * otherwise a confirmation page asks first (D-15); then 実行 and its completion page.
 */
export interface OneUserAction {
  path: 'delete' | 'unlock' | 'reissue';
  audit: AuditAction;
  purpose: (userId: string) => string;
  /** The rule, told before the confirmation; 実行 checks it again in its transaction. */
  check: (user: User) => void;
  execute: (app: FastifyInstance, ctx: ActionContext & { userId: string }) => Promise<User>;
  /** The screens after the detail screen that lead to the action (the delete screen). */
  via: string[];
  confirmTitle: string;
  completeTitle: string;
  confirm: MessageId;
  complete: MessageId;
  /** What the completion page shows of the user, and where it leads. */
  result: (after: User, operatorName: string) => { rows: [string, string][]; links: PageLink[] };
}

/**
 * Registers `POST /users/:id/<path>` for the action, its confirmation page without
 * JavaScript `GET /users/:id/<path>/confirm?token=…` and its completion page
 * `GET /users/:id/<path>/done?receipt=…` (Post/Redirect/Get: the user as stored now).
 */
export function oneUserActionRoute(app: FastifyInstance, action: OneUserAction): void {
  app.post<{ Params: { id: string } }>(`/users/:id/${action.path}`, onTarget(app, action, handle));
  app.get<{ Params: { id: string } }>(
    `/users/:id/${action.path}/confirm`,
    onTarget(app, action, showConfirmation),
  );
  completionRoute(app, {
    path: `/users/:id/${action.path}/done`,
    action: action.path,
    page: ({ user, operatorName }) => ({
      title: action.completeTitle,
      breadcrumbs: crumbs.detail(user.userId, ...action.via, action.completeTitle),
      info: { id: action.complete },
      ...action.result(user, operatorName),
    }),
  });
}

function refusalScreen(
  action: OneUserAction,
  user: User,
  operatorName: string,
  breadcrumbs: RefusalScreen['breadcrumbs'],
): RefusalScreen {
  return {
    title: action.via.at(-1) ?? 'ユーザ情報詳細画面',
    breadcrumbs,
    rows: resultRows(user, operatorName),
    links: [detailLink(user.userId), LIST_LINK],
    action: action.audit,
    targetUserId: user.userId,
  };
}

/** One request of the action on its target user, who is of the admin's operator. */
interface OnTarget {
  app: FastifyInstance;
  action: OneUserAction;
  request: IdRequest;
  reply: FastifyReply;
  user: User;
  operatorName: string;
}

/** A route's handler: the target of the URL loaded first (a 404 otherwise, and nothing runs). */
function onTarget(
  app: FastifyInstance,
  action: OneUserAction,
  step: (on: OnTarget) => Promise<FastifyReply>,
): (request: IdRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    const user = await loadTargetOr404(app, request, reply);
    if (!user) return reply;
    return step({ app, action, request, reply, user, operatorName: requireAuth(request).operatorName });
  };
}

/** The confirmation page without JavaScript (D-15), a GET of the token (PRG): writes nothing (D-18). */
async function showConfirmation({
  app,
  action,
  request,
  reply,
  user,
  operatorName,
}: OnTarget): Promise<FastifyReply> {
  const trail = (...rest: string[]) => crumbs.detail(user.userId, ...action.via, ...rest);
  return refusedOn(app, request, reply, refusalScreen(action, user, operatorName, trail()), async () => {
    const confirmation = await readConfirmation(app, request, action.purpose(user.userId));
    if (!confirmation.used) action.check(user);
    return sendPage(
      reply,
      <ActionConfirmPage
        page={pageContext(request)}
        title={action.confirmTitle}
        breadcrumbs={trail(action.confirmTitle)}
        info={action.confirm}
        user={user}
        operatorName={operatorName}
        action={`/users/${user.userId}/${action.path}`}
        token={confirmation.token}
        executed={confirmation.used}
      />,
    );
  });
}

/** The action's post: to its confirmation page without the browser's dialog (D-15), else 実行. */
async function handle({ app, action, request, reply, user, operatorName }: OnTarget): Promise<FastifyReply> {
  const form = parseActionForm(request.body);
  const refusal = refusalScreen(action, user, operatorName, crumbs.detail(user.userId, ...action.via));
  return refusedOn(app, request, reply, refusal, async () => {
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
      action: action.path,
    });
  });
}
