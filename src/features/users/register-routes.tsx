import type { FastifyInstance } from 'fastify';
import { fieldErrors } from '../../lib/fields.js';
import { sendPage } from '../../web/render.js';
import { formIdOf, issueActionToken, newFormId } from './action-tokens.js';
import { UserLimitReached } from './errors.js';
import {
  actionContext,
  actorOf,
  detailLink,
  LIST_LINK,
  pageBase,
  parseActionForm,
  peekToken,
  sendRefusal,
} from './manage-shared.js';
import { CompletionPage, crumbs, RegisterConfirmPage, RegisterFormPage, resultRows } from './manage-views.js';
import { MAX_GENERAL_USERS } from './model.js';
import {
  formValuesOf,
  rawFormValues,
  readUserForm,
  type UserFormValues,
  ZRegisterUserForm,
} from './schemas.js';
import { countGeneralUsers, type RegisterPayload, registerUser, tokenPurpose } from './service.js';

const EMPTY_FORM: UserFormValues = {
  department: '',
  userName: '',
  phone1: '',
  phone2: '',
  phone3: '',
  email: '',
};

/** SPEC §4.4 register (manual ch. 4): form → 確認 → confirmation → 実行 → completion. */
export async function userRegisterRoutes(app: FastifyInstance): Promise<void> {
  const refusalScreen = {
    title: 'ユーザ情報登録画面',
    breadcrumbs: crumbs.list('ユーザ情報登録画面'),
    links: [LIST_LINK],
    action: 'register' as const,
  };

  app.get('/users/new', async (request, reply) => {
    return sendPage(
      reply,
      <RegisterFormPage
        page={pageBase(request)}
        formId={newFormId()}
        operatorCode={actorOf(request).user.operatorCode}
        values={EMPTY_FORM}
      />,
    );
  });

  app.post('/users/new/confirm', async (request, reply) => {
    const auth = actorOf(request);
    const body = readUserForm(request.body);
    const parsed = ZRegisterUserForm.safeParse(body);
    const formId = formIdOf(body);
    const formPage = (status: number, extra: Parameters<typeof RegisterFormPage>[0]['errors'] = {}) =>
      sendPage(
        reply,
        <RegisterFormPage
          page={pageBase(request)}
          formId={formId}
          operatorCode={auth.user.operatorCode}
          values={rawFormValues(body)}
          errors={extra}
          topMessages={status === 409 ? [{ id: 'error.user.limitReached' }] : []}
        />,
        status,
      );
    if (!parsed.success) return formPage(400, fieldErrors(parsed.error));
    // Told early, before the confirmation; 実行 checks again in its transaction.
    if ((await countGeneralUsers(app.store.db, auth.user.operatorCode)) >= MAX_GENERAL_USERS) {
      return formPage(409);
    }
    const { role: _role, ...payload } = parsed.data;
    const token = issueActionToken(app.keys.actionToken, {
      sessionId: auth.session.id,
      purpose: tokenPurpose.register(),
      payload: { ...payload, formId } satisfies RegisterPayload,
      now: app.clock.now(),
      formId,
    });
    return sendPage(
      reply,
      <RegisterConfirmPage
        page={pageBase(request)}
        operatorCode={auth.user.operatorCode}
        operatorName={auth.operatorName}
        values={formValuesOf(payload)}
        token={token}
      />,
    );
  });

  // 戻る on the confirmation: the form again, with the confirmed values kept (SPEC §4.4).
  app.post('/users/new/back', async (request, reply) => {
    const form = parseActionForm(request.body);
    try {
      const payload = await peekToken<RegisterPayload>(app, request, form.token, tokenPurpose.register());
      return sendPage(
        reply,
        <RegisterFormPage
          page={pageBase(request)}
          formId={payload.formId}
          operatorCode={actorOf(request).user.operatorCode}
          values={formValuesOf(payload)}
        />,
      );
    } catch (error) {
      return sendRefusal(app, request, reply, error, refusalScreen);
    }
  });

  app.post('/users/new', async (request, reply) => {
    const form = parseActionForm(request.body);
    try {
      const user = await registerUser(app.store.db, {
        ...actionContext(app, request, form.token),
        dialect: app.store.dialect,
      });
      return sendPage(
        reply,
        <CompletionPage
          page={pageBase(request)}
          title="ユーザ情報登録完了画面"
          breadcrumbs={crumbs.list('ユーザ情報登録画面', 'ユーザ情報登録完了画面')}
          infos={[{ id: 'info.regist.complete' }, { id: 'info.mail.notice' }]}
          rows={resultRows(user, actorOf(request).operatorName)}
          links={[LIST_LINK, detailLink(user.userId)]}
        />,
      );
    } catch (error) {
      return sendRefusal(app, request, reply, error, {
        ...refusalScreen,
        title: error instanceof UserLimitReached ? 'ユーザ情報登録確認画面' : refusalScreen.title,
      });
    }
  });
}
