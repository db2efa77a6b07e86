import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { requireAuth } from '../../../web/guards.js';
import type { ShownMessage } from '../../../web/layout.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { tokenPurpose } from '../action.js';
import { describeUserActionError, InvalidActionToken, NoneSelected, UserActionError } from '../errors.js';
import type { User } from '../model.js';
import { type OneUserAction, oneUserActionRoute, PLAIN_TARGET } from '../one-user-action.js';
import {
  type Completed,
  type CompletionScreen,
  completionRoute,
  executeToCompletion,
  refusedOn,
} from '../outcome-routes.js';
import { findOperatorUser } from '../repository.js';
import {
  confirmationToken,
  type IdRequest,
  type ListWithMessage,
  loadTargetOr404,
  parseActionForm,
  peekToken,
  readConfirmation,
  redirectToConfirmation,
  tokenWithPayload,
} from '../shared-routes.js';
import { crumbs, LIST_LINK } from '../shared-views.js';
import {
  assertDeletable,
  bulkDeleteUsers,
  deleteUser,
  findBulkDeletable,
  selectedUserIds,
} from './service.js';
import { BulkDeleteConfirmPage, DeletePage } from './views.js';

const DELETE_SCREEN = 'ユーザ情報削除画面';

/** 実行 on ユーザ情報削除画面 (SPEC §4.6). */
const DELETE: OneUserAction = {
  path: 'delete',
  receipt: 'delete',
  audit: 'delete',
  ...PLAIN_TARGET,
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
  const bulk =
    (step: (on: BulkDeleteRequest) => Promise<FastifyReply>) =>
    (request: FastifyRequest, reply: FastifyReply) =>
      step({ app, request, reply, listWithMessage: options.listWithMessage });
  app.post('/users/bulk-delete', bulk(bulkDelete));
  app.get('/users/bulk-delete/confirm', bulk(showBulkConfirmation));
  completionRoute(app, { path: '/users/bulk-delete/done', action: 'bulkDelete', page: bulkDeleteCompletion });
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

/** What bulk delete's confirmation page shows: the ticked users and the list to return to. */
interface BulkDeleteSelection {
  userIds: string[];
  listQuery: string;
}

/** One request of bulk delete, started from the list, where its refusals show (manual ch. 7 ⑤). */
interface BulkDeleteRequest {
  app: FastifyInstance;
  request: FastifyRequest;
  reply: FastifyReply;
  listWithMessage: ListWithMessage;
}

function bulkRefusal(on: BulkDeleteRequest, listQuery: string, userIds: readonly string[]) {
  return {
    title: 'ユーザ情報一括削除画面',
    breadcrumbs: crumbs.list('ユーザ情報一括削除画面'),
    links: [LIST_LINK],
    action: 'bulkDelete' as const,
    // Manual ch. 7 ⑤: the refusal appears at the top of ユーザ情報一覧画面, the boxes
    // that were ticked still ticked, so the user can untick the blocking ones and retry.
    render: (message: ShownMessage, status: number) =>
      on.listWithMessage(on.app, on.request, on.reply, listQuery, message, status, {
        selectedUserIds: userIds,
      }),
  };
}

/**
 * The confirmation page without JavaScript (D-15), a GET of the token (PRG); it writes
 * nothing (D-18). A user that became undeletable meanwhile is refused on the list.
 */
async function showBulkConfirmation(on: BulkDeleteRequest): Promise<FastifyReply> {
  const { app, request, reply } = on;
  const auth = requireAuth(request);
  let selection: BulkDeleteSelection = { userIds: [], listQuery: '' };
  const screen = () => bulkRefusal(on, selection.listQuery, selection.userIds);
  return refusedOn(app, request, reply, screen, async () => {
    const confirmation = await readConfirmation<BulkDeleteSelection>(app, request, tokenPurpose.bulkDelete());
    if (!isSelection(confirmation.payload)) throw new InvalidActionToken();
    selection = confirmation.payload;
    let users: User[];
    if (confirmation.used) {
      users = [];
      for (const userId of selection.userIds) {
        const user = await findOperatorUser(app.store.db, auth.user.operatorCode, userId);
        if (user) users.push(user);
      }
    } else {
      users = await findBulkDeletable(app.store.db, auth.user.operatorCode, selection.userIds);
    }
    return sendPage(
      reply,
      <BulkDeleteConfirmPage
        listQuery={selection.listQuery}
        page={pageContext(request)}
        users={users}
        operatorName={auth.operatorName}
        token={confirmation.token}
        executed={confirmation.used}
      />,
    );
  });
}

/** A list page's button token carries no selection: only the confirmation's does. */
function isSelection(value: unknown): value is BulkDeleteSelection {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.listQuery === 'string' &&
    Array.isArray(v.userIds) &&
    v.userIds.length > 0 &&
    v.userIds.every((id) => typeof id === 'string')
  );
}

/**
 * Bulk delete, posted by the list page: _csrf, token (purpose 'bulkDelete'), confirmed,
 * userIds. D-11: all or nothing; an ID of another operator reads as unknown (SPEC §2).
 */
async function bulkDelete(on: BulkDeleteRequest): Promise<FastifyReply> {
  const { app, request, reply } = on;
  const form = parseActionForm(request.body);
  const userIds = selectedUserIds(form.userIds);
  return refusedOn(app, request, reply, bulkRefusal(on, form.listQuery, userIds), async () => {
    if (userIds.length === 0) throw new NoneSelected();
    if (form.confirmed !== '1') {
      await peekToken(app, request, form.token, tokenPurpose.bulkDelete());
      const operatorCode = requireAuth(request).user.operatorCode;
      const deletable = await findBulkDeletable(app.store.db, operatorCode, userIds);
      // The same token, now carrying the ticked users and the list's query for the GET (PRG).
      const payload: BulkDeleteSelection = {
        userIds: deletable.map((u) => u.userId),
        listQuery: form.listQuery,
      };
      const token = tokenWithPayload(app, request, form.token, tokenPurpose.bulkDelete(), payload);
      return redirectToConfirmation(reply, '/users/bulk-delete/confirm', token);
    }
    return executeToCompletion(app, request, reply, {
      token: form.token,
      run: async (ctx) => (await bulkDeleteUsers(app.store.db, { ...ctx, userIds })).map((u) => u.userId),
      path: '/users/bulk-delete/done',
      action: 'bulkDelete',
    });
  });
}

/** ユーザ情報一括削除完了画面 (PRG): the deleted users; reloading it deletes nothing. */
function bulkDeleteCompletion({ receipt, users }: Completed): CompletionScreen {
  return {
    title: 'ユーザ情報一括削除完了画面',
    breadcrumbs: crumbs.list('ユーザ情報一括削除完了画面'),
    info: { id: 'info.bulkDelete.complete', params: { count: receipt.userIds.length } },
    rows: users.map((u): [string, string] => [u.userId, u.userName]),
    links: [LIST_LINK],
  };
}
