import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireAuth, sendUserNotFound } from '../../../web/guards.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { tokenPurpose } from '../action.js';
import { completionRoute, executeToCompletion, type RefusalScreen, refusedOn } from '../outcome-routes.js';
import { findOperatorUserWithFactor, hasEnabledSecondFactor } from '../repository.js';
import {
  type IdRequest,
  parseActionForm,
  peekToken,
  readConfirmation,
  redirectToConfirmation,
} from '../shared-routes.js';
import { crumbs, detailLink, LIST_LINK } from '../shared-views.js';
import { assertSecondFactorResettable, resetSecondFactor } from './service.js';
import { RESET_COMPLETE_TITLE, resetRows, SecondFactorResetConfirmPage } from './views.js';

const PATH = 'second-factor-reset';

/**
 * SPEC D-22 (issue 10 item 4): 二要素認証リセット, posted by the detail page with the
 * token of `secondFactorReset:<id>` and confirmed=1 after the browser's dialog, otherwise
 * a confirmation page asks first (D-15); 実行 answers 303 to its completion page
 * (Post/Redirect/Get, shared-routes.tsx). Admin-only (manage-routes.tsx); the target is of
 * the admin's own operator or a 404 (SPEC §2).
 */
export async function userSecondFactorRoutes(app: FastifyInstance): Promise<void> {
  app.post<{ Params: { id: string } }>(`/users/:id/${PATH}`, async (request, reply) =>
    handle(app, request, reply),
  );
  // The confirmation page without JavaScript (PRG): a GET of the token; it writes nothing (D-18).
  app.get<{ Params: { id: string } }>(`/users/:id/${PATH}/confirm`, async (request, reply) =>
    showConfirmation(app, request, reply),
  );
  // The completion page shows the user as stored now, their second factor too (reads only).
  completionRoute(app, {
    path: `/users/:id/${PATH}/done`,
    action: 'secondFactorReset',
    page: async ({ user, operatorName }) => ({
      title: RESET_COMPLETE_TITLE,
      breadcrumbs: crumbs.detail(user.userId, RESET_COMPLETE_TITLE),
      info: { id: 'info.secondFactorReset.complete' },
      rows: resetRows(user, operatorName, await hasEnabledSecondFactor(app.store.db, user.userId)),
      links: [detailLink(user.userId), LIST_LINK],
    }),
  });
}

type UserWithFactor = NonNullable<Awaited<ReturnType<typeof findOperatorUserWithFactor>>>;

function refusalScreen(user: UserWithFactor, operatorName: string): RefusalScreen {
  return {
    title: 'ユーザ情報詳細画面',
    breadcrumbs: crumbs.detail(user.userId),
    rows: resetRows(user, operatorName, user.secondFactor),
    links: [detailLink(user.userId), LIST_LINK],
    action: 'secondFactorReset',
    targetUserId: user.userId,
  };
}

async function showConfirmation(
  app: FastifyInstance,
  request: IdRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const { user: actor, operatorName } = requireAuth(request);
  const user = await findOperatorUserWithFactor(app.store.db, actor.operatorCode, request.params.id);
  if (!user) return sendUserNotFound(request, reply);
  return refusedOn(app, request, reply, refusalScreen(user, operatorName), async () => {
    const confirmation = await readConfirmation(app, request, tokenPurpose.secondFactorReset(user.userId));
    if (!confirmation.used) assertSecondFactorResettable(user, user.secondFactor);
    return sendPage(
      reply,
      <SecondFactorResetConfirmPage
        page={pageContext(request)}
        user={user}
        operatorName={operatorName}
        token={confirmation.token}
        executed={confirmation.used ? { secondFactor: user.secondFactor } : undefined}
      />,
    );
  });
}

async function handle(app: FastifyInstance, request: IdRequest, reply: FastifyReply): Promise<FastifyReply> {
  const { user: actor, operatorName } = requireAuth(request);
  // The user and whether they have a factor, in one query, within the admin's operator.
  const user = await findOperatorUserWithFactor(app.store.db, actor.operatorCode, request.params.id);
  if (!user) return sendUserNotFound(request, reply);
  const form = parseActionForm(request.body);
  return refusedOn(app, request, reply, refusalScreen(user, operatorName), async () => {
    if (form.confirmed !== '1') {
      await peekToken(app, request, form.token, tokenPurpose.secondFactorReset(user.userId));
      assertSecondFactorResettable(user, user.secondFactor);
      const path = `/users/${encodeURIComponent(user.userId)}/${PATH}/confirm`;
      return redirectToConfirmation(reply, path, form.token);
    }
    return executeToCompletion(app, request, reply, {
      token: form.token,
      run: async (ctx) => {
        await resetSecondFactor(app.store.db, { ...ctx, userId: user.userId });
        return [user.userId];
      },
      path: `/users/${encodeURIComponent(user.userId)}/${PATH}/done`,
      action: 'secondFactorReset',
    });
  });
}
