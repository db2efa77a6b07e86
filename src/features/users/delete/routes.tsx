import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { requireAuth } from '../../../web/guards.js';
import type { ShownMessage } from '../../../web/layout.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { tokenPurpose } from '../action.js';
import { BulkDeleteBlocked, describeUserActionError, NoneSelected, UserActionError } from '../errors.js';
import { type OneUserAction, oneUserActionRoute } from '../one-user-action.js';
import {
  actionContext,
  type Completed,
  completionRoute,
  confirmationToken,
  type IdRequest,
  LIST_LINK,
  type ListWithMessage,
  loadTargetOr404,
  parseActionForm,
  peekToken,
  redirectToCompletion,
  refusedOn,
  sendCompletion,
} from '../shared-routes.js';
import { crumbs } from '../shared-views.js';
import {
  assertDeletable,
  bulkDeleteUsers,
  deleteUser,
  findBulkDeleteBlockers,
  selectedUserIds,
} from './service.js';
import { BulkDeleteConfirmPage, DeletePage } from './views.js';

const DELETE_SCREEN = 'ユーザ情報削除画面';

/** 実行 on ユーザ情報削除画面 (SPEC §4.6). */
const DELETE: OneUserAction = {
  path: 'delete',
  audit: 'delete',
  purpose: tokenPurpose.delete,
  check: assertDeletable,
  execute: (app, ctx) => deleteUser(app.store.db, ctx),
  via: [DELETE_SCREEN],
  confirmTitle: 'ユーザ情報削除確認画面',
  completeTitle: 'ユーザ情報削除完了画面',
  confirm: 'info.delete.confirm',
  complete: 'info.delete.complete',
  result: (deleted) => ({
    rows: [
      [FIELD_LABELS.userId, deleted.userId],
      [FIELD_LABELS.userName, deleted.userName],
    ],
    links: [LIST_LINK],
  }),
};

/** SPEC §4.6 delete and §4.7 bulk delete (manual ch. 6, 7); a bulk refusal shows on the list. */
export async function userDeleteRoutes(
  app: FastifyInstance,
  options: { listWithMessage: ListWithMessage },
): Promise<void> {
  app.get<{ Params: { id: string } }>('/users/:id/delete', async (request, reply) =>
    deletePage(app, request, reply),
  );
  // 実行: with JavaScript the browser's dialog already asked (confirmed=1); without, a page asks (D-15).
  oneUserActionRoute(app, DELETE);
  app.post('/users/bulk-delete', async (request, reply) =>
    bulkDelete(app, request, reply, options.listWithMessage),
  );
  completionRoute(app, {
    path: '/users/bulk-delete/done',
    action: 'bulkDelete',
    render: sendBulkDeleteCompletion,
  });
}

/** ユーザ情報削除画面: read-only; errors (admin, already deleted) at the top and no 実行. */
async function deletePage(
  app: FastifyInstance,
  request: IdRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const user = await loadTargetOr404(app, request, reply);
  if (!user) return reply;
  const auth = requireAuth(request);
  const page = (token: string | null, errors?: ShownMessage[]) => (
    <DeletePage
      page={pageContext(request)}
      user={user}
      operatorName={auth.operatorName}
      token={token}
      errors={errors}
    />
  );
  try {
    assertDeletable(user);
  } catch (error) {
    if (!(error instanceof UserActionError)) throw error;
    const described = describeUserActionError(error);
    return sendPage(reply, page(null, [{ id: described.id, params: described.params }]), described.status);
  }
  const token = confirmationToken(app, request, tokenPurpose.delete(user.userId));
  return sendPage(reply, page(token));
}

/**
 * Bulk delete, posted by the list page: _csrf, token (purpose 'bulkDelete'), confirmed,
 * userIds. D-11: all or nothing; an ID of another operator reads as unknown (SPEC §2).
 */
async function bulkDelete(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  listWithMessage: ListWithMessage,
): Promise<FastifyReply> {
  const auth = requireAuth(request);
  const form = parseActionForm(request.body);
  const userIds = selectedUserIds(form.userIds);
  const screen = {
    title: 'ユーザ情報一括削除画面',
    breadcrumbs: crumbs.list('ユーザ情報一括削除画面'),
    links: [LIST_LINK],
    action: 'bulkDelete' as const,
    // Manual ch. 7 ⑤: the refusal appears at the top of ユーザ情報一覧画面, the boxes
    // that were ticked still ticked, so the user can untick the blocking ones and retry.
    render: (message: ShownMessage, status: number) =>
      listWithMessage(app, request, reply, form.listQuery, message, status, { selectedUserIds: userIds }),
  };
  return refusedOn(app, request, reply, screen, async () => {
    if (userIds.length === 0) throw new NoneSelected();
    if (form.confirmed !== '1') {
      await peekToken(app, request, form.token, tokenPurpose.bulkDelete());
      const { deletable, blocked } = await findBulkDeleteBlockers(
        app.store.db,
        auth.user.operatorCode,
        userIds,
      );
      if (blocked.length > 0) throw new BulkDeleteBlocked(blocked);
      return sendPage(
        reply,
        <BulkDeleteConfirmPage
          listQuery={form.listQuery}
          page={pageContext(request)}
          users={deletable}
          operatorName={auth.operatorName}
          token={form.token}
        />,
      );
    }
    const ctx = { ...actionContext(app, request, form.token), userIds };
    const deleted = await bulkDeleteUsers(app.store.db, ctx);
    return redirectToCompletion(app, request, reply, {
      path: '/users/bulk-delete/done',
      action: 'bulkDelete',
      userIds: deleted.map((u) => u.userId),
      executedAt: ctx.now,
    });
  });
}

/** ユーザ情報一括削除完了画面 (PRG): the deleted users; reloading it deletes nothing. */
function sendBulkDeleteCompletion(
  request: FastifyRequest,
  reply: FastifyReply,
  { receipt, users }: Completed,
): FastifyReply {
  return sendCompletion(request, reply, {
    title: 'ユーザ情報一括削除完了画面',
    breadcrumbs: crumbs.list('ユーザ情報一括削除完了画面'),
    info: { id: 'info.bulkDelete.complete', params: { count: receipt.userIds.length } },
    rows: users.map((u): [string, string] => [u.userId, u.userName]),
    links: [LIST_LINK],
  });
}
