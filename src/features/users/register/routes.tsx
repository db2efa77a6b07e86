import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { fieldErrors } from '../../../lib/fields.js';
import { requireAuth } from '../../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../../web/input.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { tokenPurpose } from '../action.js';
import { formIdOf, newFormId } from '../action-tokens.js';
import type { FieldErrorIds } from '../form-views.js';
import { type RefusalScreen, refusedOn } from '../outcome-routes.js';
import {
  formValuesOf,
  rawFormValues,
  readUserForm,
  type UserFormValues,
  ZRegisterUserForm,
} from '../schemas.js';
import { confirmationToken, parseActionForm, peekToken, redirectToConfirmation } from '../shared-routes.js';
import { crumbs, detailLink, LIST_LINK, resultRows } from '../shared-views.js';
import { confirmedRegistrationRoutes } from './confirmed-routes.js';
import { type RegisterPayload, registerUser, roomRefusal } from './service.js';
import { RegisterConfirmPage, RegisterFormPage } from './views.js';

const FORM_TITLE = 'ユーザ情報登録画面';

/** SPEC D-19: the form's query, a confirmation's sealed token after 戻る. */
const BACK_QUERY = { token: one('トークン', 16_000) } satisfies InputSpec;

const EMPTY_FORM: UserFormValues = {
  department: '',
  userName: '',
  phone1: '',
  phone2: '',
  phone3: '',
  email: '',
};

const REFUSAL: RefusalScreen = {
  title: FORM_TITLE,
  breadcrumbs: crumbs.list(FORM_TITLE),
  links: [LIST_LINK],
  action: 'register',
};

function sendForm(
  request: FastifyRequest,
  reply: FastifyReply,
  form: { formId: string; values: UserFormValues; errors?: FieldErrorIds; limitReached?: boolean },
  status = 200,
): FastifyReply {
  return sendPage(
    reply,
    <RegisterFormPage
      page={pageContext(request)}
      formId={form.formId}
      operatorCode={requireAuth(request).user.operatorCode}
      values={form.values}
      errors={form.errors}
      topMessages={form.limitReached ? [{ id: 'error.user.limitReached' }] : undefined}
    />,
    status,
  );
}

/** SPEC §4.4 register (manual ch. 4): form → 確認 → confirmation → 実行 → completion. */
export async function userRegisterRoutes(app: FastifyInstance): Promise<void> {
  formRoute(app);
  app.post('/users/new/confirm', async (request, reply) => confirm(app, request, reply));
  backRoute(app);
  confirmedRegistrationRoutes<RegisterPayload>(app, {
    path: '/users/new',
    action: 'register',
    purpose: tokenPurpose.register(),
    screen: REFUSAL,
    confirmationScreen: { ...REFUSAL, title: 'ユーザ情報登録確認画面' },
    confirmationPage: (props, { formId: _formId, ...values }) => (
      <RegisterConfirmPage {...props} values={formValuesOf(values)} />
    ),
    register: async (db, ctx) => [await registerUser(db, ctx)],
    completionPage: ({ user, operatorName }) => ({
      title: 'ユーザ情報登録完了画面',
      breadcrumbs: crumbs.list(FORM_TITLE, 'ユーザ情報登録完了画面'),
      info: { id: 'info.regist.complete' },
      rows: resultRows(user, operatorName),
      links: [LIST_LINK, detailLink(user.userId)],
    }),
  });
}

/** The form; `?token=…` after 戻る on the confirmation: the confirmed values kept (SPEC §4.4). */
function formRoute(app: FastifyInstance): void {
  app.get('/users/new', async (request, reply) => {
    const { token } = requireInput(request.query, BACK_QUERY);
    if (token === '') return sendForm(request, reply, { formId: newFormId(), values: EMPTY_FORM });
    return refusedOn(app, request, reply, REFUSAL, async () => {
      const payload = await peekToken<RegisterPayload>(app, request, token, tokenPurpose.register());
      return sendForm(request, reply, { formId: payload.formId, values: formValuesOf(payload) });
    });
  });
}

/** 戻る on the confirmation: to the form with the confirmed values (a GET again, PRG). */
function backRoute(app: FastifyInstance): void {
  app.post('/users/new/back', async (request, reply) => {
    const form = parseActionForm(request.body);
    return refusedOn(app, request, reply, REFUSAL, async () => {
      await peekToken<RegisterPayload>(app, request, form.token, tokenPurpose.register());
      return reply.redirect(`/users/new?token=${form.token}`, 303);
    });
  });
}

/** 確認: the form's rules, then the limit told early; 実行 checks it again in its transaction. */
async function confirm(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const body = readUserForm(request.body);
  const parsed = ZRegisterUserForm.safeParse(body);
  const formId = formIdOf(body);
  const values = rawFormValues(body);
  if (!parsed.success)
    return sendForm(request, reply, { formId, values, errors: fieldErrors(parsed.error) }, 400);
  if (await roomRefusal(app.store.db, requireAuth(request).user.operatorCode, 1)) {
    return sendForm(request, reply, { formId, values, errors: {}, limitReached: true }, 409);
  }
  const { role: _role, ...payload } = parsed.data;
  const token = confirmationToken(app, request, tokenPurpose.register(), {
    payload: { ...payload, formId } satisfies RegisterPayload,
    formId,
  });
  return redirectToConfirmation(reply, '/users/new/confirm', token);
}
