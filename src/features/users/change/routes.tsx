import type { FastifyInstance, FastifyReply } from 'fastify';
import { fieldErrors } from '../../../lib/fields.js';
import { requireAuth } from '../../../web/guards.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { tokenPurpose } from '../action.js';
import { AdminEmailOwnOnly, OwnEnabledChange } from '../errors.js';
import type { FieldErrorIds } from '../form-views.js';
import type { User } from '../model.js';
import {
  formValuesOf,
  rawFormValues,
  readUserForm,
  type UserFormValues,
  ZChangeUserForm,
} from '../schemas.js';
import {
  actionContext,
  confirmationToken,
  detailLink,
  type IdRequest,
  LIST_LINK,
  loadTargetOr404,
  parseActionForm,
  peekToken,
  type RefusalScreen,
  refusedOn,
  sendCompletion,
} from '../shared-routes.js';
import { crumbs, resultRows } from '../shared-views.js';
import { assertChangeable, assertCurrentVersion, type ChangePayload, changeUser } from './service.js';
import { ChangeConfirmPage, ChangeFormPage } from './views.js';

const FORM_TITLE = 'ユーザ情報変更画面';

/** A refusal shows on the change screen, with the user as it is. */
function refusal(request: IdRequest, user: User): RefusalScreen {
  return {
    title: FORM_TITLE,
    breadcrumbs: crumbs.detail(user.userId, FORM_TITLE),
    rows: resultRows(user, requireAuth(request).operatorName),
    links: [detailLink(user.userId), LIST_LINK],
    action: 'change',
    targetUserId: user.userId,
  };
}

function sendForm(
  request: IdRequest,
  reply: FastifyReply,
  user: User,
  values: UserFormValues,
  errors?: FieldErrorIds,
): FastifyReply {
  const auth = requireAuth(request);
  return sendPage(
    reply,
    <ChangeFormPage
      page={pageContext(request)}
      user={user}
      operatorName={auth.operatorName}
      values={values}
      ownUser={user.userId === auth.user.userId}
      errors={errors}
    />,
    errors ? 400 : 200,
  );
}

/** One route of the flow, for a user of the admin's operator (otherwise the 404 of SPEC §2). */
type Step = (
  app: FastifyInstance,
  request: IdRequest,
  reply: FastifyReply,
  user: User,
) => Promise<FastifyReply>;

/** SPEC §4.5 change (manual ch. 5): form → 確認 → confirmation → 実行 → completion. */
export async function userChangeRoutes(app: FastifyInstance): Promise<void> {
  const route = (method: 'get' | 'post', path: string, step: Step) =>
    app[method]<{ Params: { id: string } }>(`/users/:id/change${path}`, async (request, reply) => {
      const user = await loadTargetOr404(app, request, reply);
      return user ? step(app, request, reply, user) : reply;
    });
  route('get', '', showForm);
  route('post', '/confirm', confirm);
  route('post', '/back', back);
  route('post', '', execute);
}

const showForm: Step = async (app, request, reply, user) =>
  refusedOn(app, request, reply, refusal(request, user), async () => {
    assertChangeable(user, requireAuth(request).user);
    return sendForm(request, reply, user, formValuesOf(user));
  });

const confirm: Step = async (app, request, reply, user) =>
  refusedOn(app, request, reply, refusal(request, user), async () => {
    const auth = requireAuth(request);
    const body = readUserForm(request.body);
    const parsed = ZChangeUserForm.safeParse(body);
    const raw = rawFormValues(body);
    if (!parsed.success) return sendForm(request, reply, user, raw, fieldErrors(parsed.error));
    try {
      assertChangeable(user, auth.user, parsed.data);
      // Told early; 実行 applies the change only to this version (optimistic locking).
      assertCurrentVersion(user, parsed.data.version);
    } catch (error) {
      // These two are the form's own errors, next to their field.
      if (error instanceof OwnEnabledChange)
        return sendForm(request, reply, user, raw, { enabled: 'error.user.ownEnabled' });
      if (error instanceof AdminEmailOwnOnly) {
        return sendForm(request, reply, user, raw, { email: 'error.user.adminEmailOwnOnly' });
      }
      throw error;
    }
    const payload: ChangePayload = parsed.data;
    const token = confirmationToken(app, request, tokenPurpose.change(user.userId), { payload });
    return sendPage(
      reply,
      <ChangeConfirmPage
        page={pageContext(request)}
        user={user}
        operatorName={auth.operatorName}
        values={formValuesOf(payload)}
        token={token}
      />,
    );
  });

// 戻る on the confirmation: the form with the confirmed values (and their version).
const back: Step = async (app, request, reply, user) =>
  refusedOn(app, request, reply, refusal(request, user), async () => {
    const form = parseActionForm(request.body);
    const payload = await peekToken<ChangePayload>(
      app,
      request,
      form.token,
      tokenPurpose.change(user.userId),
    );
    return sendForm(request, reply, user, formValuesOf(payload));
  });

const execute: Step = async (app, request, reply, user) =>
  refusedOn(app, request, reply, refusal(request, user), async () => {
    const form = parseActionForm(request.body);
    const after = await changeUser(app.store.db, {
      ...actionContext(app, request, form.token),
      userId: user.userId,
    });
    return sendCompletion(request, reply, {
      title: 'ユーザ情報変更完了画面',
      breadcrumbs: crumbs.detail(user.userId, FORM_TITLE, 'ユーザ情報変更完了画面'),
      info: { id: 'info.update.complete' },
      rows: resultRows(after, requireAuth(request).operatorName),
      links: [detailLink(user.userId), LIST_LINK],
    });
  });
