import type { FastifyInstance } from 'fastify';
import { FIELD_LABELS } from '../../lib/field-labels.js';
import type { ShownMessage } from '../../web/layout.js';
import { sendPage } from '../../web/render.js';
import { issueActionToken } from './action-tokens.js';
import { BulkDeleteBlocked, describeUserActionError, NoneSelected, UserActionError } from './errors.js';
import { sendUserListWithMessage } from './list-routes.js';
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
import {
  ActionConfirmPage,
  BulkDeleteConfirmPage,
  CompletionPage,
  crumbs,
  DeletePage,
  resultRows,
} from './manage-views.js';
import {
  assertDeletable,
  bulkDeleteUsers,
  deleteUser,
  findBulkDeleteBlockers,
  selectedUserIds,
  tokenPurpose,
} from './service.js';

/** SPEC §4.6 delete and §4.7 bulk delete (manual ch. 6, 7). */
export async function userDeleteRoutes(app: FastifyInstance): Promise<void> {
  // ユーザ情報削除画面: read-only; errors (admin, already deleted) at the top and no 実行.
  app.get<{ Params: { id: string } }>('/users/:id/delete', async (request, reply) => {
    const user = await loadTargetOr404(app, request, reply);
    if (!user) return reply;
    const auth = actorOf(request);
    try {
      assertDeletable(user);
    } catch (error) {
      if (!(error instanceof UserActionError)) throw error;
      const described = describeUserActionError(error);
      return sendPage(
        reply,
        <DeletePage
          page={pageBase(request)}
          user={user}
          operatorName={auth.operatorName}
          token={null}
          errors={[{ id: described.id, params: described.params }]}
        />,
        described.status,
      );
    }
    const token = issueActionToken(app.keys.actionToken, {
      sessionId: auth.session.id,
      purpose: tokenPurpose.delete(user.userId),
      now: app.clock.now(),
    });
    return sendPage(
      reply,
      <DeletePage page={pageBase(request)} user={user} operatorName={auth.operatorName} token={token} />,
    );
  });

  // 実行: with JavaScript the browser's dialog already asked (confirmed=1); without, a page asks (D-15).
  app.post<{ Params: { id: string } }>('/users/:id/delete', async (request, reply) => {
    const user = await loadTargetOr404(app, request, reply);
    if (!user) return reply;
    const auth = actorOf(request);
    const form = parseActionForm(request.body);
    const screen = {
      title: 'ユーザ情報削除画面',
      breadcrumbs: crumbs.detail(user.userId, 'ユーザ情報削除画面'),
      rows: resultRows(user, auth.operatorName),
      links: [detailLink(user.userId), LIST_LINK],
      action: 'delete' as const,
      targetUserId: user.userId,
    };
    try {
      if (form.confirmed !== '1') {
        await peekToken(app, request, form.token, tokenPurpose.delete(user.userId));
        assertDeletable(user);
        return sendPage(
          reply,
          <ActionConfirmPage
            page={pageBase(request)}
            title="ユーザ情報削除確認画面"
            breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報削除画面', 'ユーザ情報削除確認画面')}
            info="info.delete.confirm"
            user={user}
            operatorName={auth.operatorName}
            action={`/users/${user.userId}/delete`}
            token={form.token}
          />,
        );
      }
      const deleted = await deleteUser(app.store.db, {
        ...actionContext(app, request, form.token),
        userId: user.userId,
      });
      return sendPage(
        reply,
        <CompletionPage
          page={pageBase(request)}
          title="ユーザ情報削除完了画面"
          breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報削除画面', 'ユーザ情報削除完了画面')}
          infos={[{ id: 'info.delete.complete' }, { id: 'info.mail.notice' }]}
          rows={[
            [FIELD_LABELS.userId, deleted.userId],
            [FIELD_LABELS.userName, deleted.userName],
          ]}
          links={[LIST_LINK]}
        />,
      );
    } catch (error) {
      return sendRefusal(app, request, reply, error, screen);
    }
  });

  /**
   * Bulk delete, posted by the list page: _csrf, token (purpose 'bulkDelete'), confirmed,
   * userIds. D-11: all or nothing; an ID of another operator reads as unknown (SPEC §2).
   */
  app.post('/users/bulk-delete', async (request, reply) => {
    const auth = actorOf(request);
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
        sendUserListWithMessage(app, request, reply, form.listQuery, message, status, {
          selectedUserIds: userIds,
        }),
    };
    try {
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
            page={pageBase(request)}
            users={deletable}
            operatorName={auth.operatorName}
            token={form.token}
          />,
        );
      }
      const deleted = await bulkDeleteUsers(app.store.db, {
        ...actionContext(app, request, form.token),
        userIds,
      });
      return sendPage(
        reply,
        <CompletionPage
          page={pageBase(request)}
          title="ユーザ情報一括削除完了画面"
          breadcrumbs={crumbs.list('ユーザ情報一括削除完了画面')}
          infos={[
            { id: 'info.bulkDelete.complete', params: { count: deleted.length } },
            { id: 'info.mail.notice' },
          ]}
          rows={deleted.map((u): [string, string] => [u.userId, u.userName])}
          links={[LIST_LINK]}
        />,
      );
    } catch (error) {
      return sendRefusal(app, request, reply, error, screen);
    }
  });
}
