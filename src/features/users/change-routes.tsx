import type { FastifyInstance, FastifyRequest } from 'fastify';
import { fieldErrors } from '../../lib/fields.js';
import { sendPage } from '../../web/render.js';
import { issueActionToken } from './action-tokens.js';
import { AdminEmailOwnOnly, OwnEnabledChange } from './errors.js';
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
  ChangeConfirmPage,
  ChangeFormPage,
  CompletionPage,
  crumbs,
  type FieldErrorIds,
  resultRows,
} from './manage-views.js';
import type { User } from './model.js';
import {
  formValuesOf,
  rawFormValues,
  readUserForm,
  type UserFormValues,
  ZChangeUserForm,
} from './schemas.js';
import {
  assertChangeable,
  assertCurrentVersion,
  type ChangePayload,
  changeUser,
  tokenPurpose,
} from './service.js';

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

/** SPEC §4.5 change (manual ch. 5): form → 確認 → confirmation → 実行 → completion. */
export async function userChangeRoutes(app: FastifyInstance): Promise<void> {
  const refusal = (user: User, request: IdRequest) => ({
    title: 'ユーザ情報変更画面',
    breadcrumbs: crumbs.detail(user.userId, 'ユーザ情報変更画面'),
    rows: resultRows(user, actorOf(request).operatorName),
    links: [detailLink(user.userId), LIST_LINK],
    action: 'change' as const,
    targetUserId: user.userId,
  });

  const formPage = (request: IdRequest, user: User, values: UserFormValues, errors?: FieldErrorIds) => (
    <ChangeFormPage
      page={pageBase(request)}
      user={user}
      operatorName={actorOf(request).operatorName}
      values={values}
      ownUser={user.userId === actorOf(request).user.userId}
      errors={errors}
    />
  );

  app.get<{ Params: { id: string } }>('/users/:id/change', async (request, reply) => {
    const user = await loadTargetOr404(app, request, reply);
    if (!user) return reply;
    try {
      assertChangeable(user, actorOf(request).user);
    } catch (error) {
      return sendRefusal(app, request, reply, error, refusal(user, request));
    }
    return sendPage(reply, formPage(request, user, formValuesOf(user)));
  });

  app.post<{ Params: { id: string } }>('/users/:id/change/confirm', async (request, reply) => {
    const user = await loadTargetOr404(app, request, reply);
    if (!user) return reply;
    const auth = actorOf(request);
    const body = readUserForm(request.body);
    const parsed = ZChangeUserForm.safeParse(body);
    const raw = rawFormValues(body);
    if (!parsed.success) {
      return sendPage(reply, formPage(request, user, raw, fieldErrors(parsed.error)), 400);
    }
    try {
      assertChangeable(user, auth.user, parsed.data);
      // Told early; 実行 applies the change only to this version (optimistic locking).
      assertCurrentVersion(user, parsed.data.version);
    } catch (error) {
      if (error instanceof OwnEnabledChange) {
        return sendPage(reply, formPage(request, user, raw, { enabled: 'error.user.ownEnabled' }), 400);
      }
      if (error instanceof AdminEmailOwnOnly) {
        return sendPage(reply, formPage(request, user, raw, { email: 'error.user.adminEmailOwnOnly' }), 400);
      }
      return sendRefusal(app, request, reply, error, refusal(user, request));
    }
    const payload: ChangePayload = parsed.data;
    const token = issueActionToken(app.keys.actionToken, {
      sessionId: auth.session.id,
      purpose: tokenPurpose.change(user.userId),
      payload,
      now: app.clock.now(),
    });
    return sendPage(
      reply,
      <ChangeConfirmPage
        page={pageBase(request)}
        user={user}
        operatorName={auth.operatorName}
        values={formValuesOf(payload)}
        token={token}
      />,
    );
  });

  // 戻る on the confirmation: the form with the confirmed values (and their version).
  app.post<{ Params: { id: string } }>('/users/:id/change/back', async (request, reply) => {
    const user = await loadTargetOr404(app, request, reply);
    if (!user) return reply;
    const form = parseActionForm(request.body);
    try {
      const payload = await peekToken<ChangePayload>(
        app,
        request,
        form.token,
        tokenPurpose.change(user.userId),
      );
      return sendPage(reply, formPage(request, user, formValuesOf(payload)));
    } catch (error) {
      return sendRefusal(app, request, reply, error, refusal(user, request));
    }
  });

  app.post<{ Params: { id: string } }>('/users/:id/change', async (request, reply) => {
    const user = await loadTargetOr404(app, request, reply);
    if (!user) return reply;
    const form = parseActionForm(request.body);
    try {
      const after = await changeUser(app.store.db, {
        ...actionContext(app, request, form.token),
        userId: user.userId,
      });
      return sendPage(
        reply,
        <CompletionPage
          page={pageBase(request)}
          title="ユーザ情報変更完了画面"
          breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報変更画面', 'ユーザ情報変更完了画面')}
          infos={[{ id: 'info.update.complete' }, { id: 'info.mail.notice' }]}
          rows={resultRows(after, actorOf(request).operatorName)}
          links={[detailLink(user.userId), LIST_LINK]}
        />,
      );
    } catch (error) {
      return sendRefusal(app, request, reply, error, refusal(user, request));
    }
  });
}
