import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageId } from '../../lib/messages.js';
import type { Crumb } from '../../web/layout.js';
import { sendPage } from '../../web/render.js';
import type { AuditAction } from '../audit/service.js';
import {
  actionContext,
  actorOf,
  detailLink,
  LIST_LINK,
  loadTargetOr404,
  pageBase,
  parseActionForm,
  peekToken,
  sendRefusal,
} from './manage-shared.js';
import { ActionConfirmPage, CompletionPage, crumbs, resultRows } from './manage-views.js';
import type { User } from './model.js';
import {
  type ActionContext,
  assertReissuable,
  assertUnlockable,
  reissuePassword,
  tokenPurpose,
  unlockUser,
} from './service.js';

/** One of the two detail-page actions on a user's account (SPEC §4.8, §4.9). */
interface AccountAction {
  path: 'unlock' | 'reissue';
  audit: AuditAction;
  purpose: (userId: string) => string;
  check: (user: User) => void;
  execute: (app: FastifyInstance, ctx: ActionContext & { userId: string }) => Promise<User>;
  screen: string;
  confirmTitle: string;
  completeTitle: string;
  confirm: MessageId;
  complete: MessageId;
}

const ACTIONS: AccountAction[] = [
  {
    path: 'unlock',
    audit: 'unlock',
    purpose: tokenPurpose.unlock,
    check: assertUnlockable,
    execute: (app, ctx) => unlockUser(app.store.db, ctx),
    screen: 'ユーザ情報詳細画面',
    confirmTitle: 'ユーザロック解除確認画面',
    completeTitle: 'ユーザロック解除完了画面',
    confirm: 'info.unlock.confirm',
    complete: 'info.unlock.complete',
  },
  {
    path: 'reissue',
    audit: 'reissuePassword',
    purpose: tokenPurpose.reissue,
    check: assertReissuable,
    execute: async (app, ctx) => (await reissuePassword(app.store.db, ctx)).user,
    screen: 'ユーザ情報詳細画面',
    confirmTitle: 'パスワード再発行確認画面',
    completeTitle: 'パスワード再発行完了画面',
    confirm: 'info.reissue.confirm',
    complete: 'info.reissue.complete',
  },
];

/**
 * SPEC §4.8 unlock and §4.9 password reissue (manual ch. 8, 9), posted by the detail page
 * with _csrf, token (`unlock:<id>` / `reissue:<id>`) and confirmed: '1' after the
 * browser's dialog, otherwise a confirmation page asks first (D-15).
 */
export async function userAccountRoutes(app: FastifyInstance): Promise<void> {
  for (const action of ACTIONS) {
    app.post<{ Params: { id: string } }>(`/users/:id/${action.path}`, async (request, reply) =>
      handle(app, action, request, reply),
    );
  }
}

async function handle(
  app: FastifyInstance,
  action: AccountAction,
  request: FastifyRequest<{ Params: { id: string } }>,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const user = await loadTargetOr404(app, request, reply);
  if (!user) return reply;
  const auth = actorOf(request);
  const form = parseActionForm(request.body);
  const trail = (...rest: string[]): Crumb[] => crumbs.detail(user.userId, ...rest);
  try {
    if (form.confirmed !== '1') {
      await peekToken(app, request, form.token, action.purpose(user.userId));
      action.check(user);
      return sendPage(
        reply,
        <ActionConfirmPage
          page={pageBase(request)}
          title={action.confirmTitle}
          breadcrumbs={trail(action.confirmTitle)}
          info={action.confirm}
          user={user}
          operatorName={auth.operatorName}
          action={`/users/${user.userId}/${action.path}`}
          token={form.token}
        />,
      );
    }
    const after = await action.execute(app, {
      ...actionContext(app, request, form.token),
      userId: user.userId,
    });
    return sendPage(
      reply,
      <CompletionPage
        page={pageBase(request)}
        title={action.completeTitle}
        breadcrumbs={trail(action.completeTitle)}
        infos={[{ id: action.complete }, { id: 'info.mail.notice' }]}
        rows={resultRows(after, auth.operatorName)}
        links={[detailLink(user.userId), LIST_LINK]}
      />,
    );
  } catch (error) {
    return sendRefusal(app, request, reply, error, {
      title: action.screen,
      breadcrumbs: trail(),
      rows: resultRows(user, auth.operatorName),
      links: [detailLink(user.userId), LIST_LINK],
      action: action.audit,
      targetUserId: user.userId,
    });
  }
}
