import type { FastifyInstance, FastifyReply } from 'fastify';
import { fieldErrors } from '../../../lib/fields.js';
import { requireAuth } from '../../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../../web/input.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { recordActionAudit, tokenPurpose } from '../action.js';
import { AdminEmailOwnOnly, OwnEnabledChange, StaleUpdate } from '../errors.js';
import type { FieldErrorIds } from '../form-views.js';
import type { User } from '../model.js';
import {
  type Completed,
  type CompletionScreen,
  completionRoute,
  executeToCompletion,
  type RefusalScreen,
  refusedOn,
} from '../outcome-routes.js';
import {
  formValuesOf,
  rawFormValues,
  readUserForm,
  type UserFormValues,
  ZChangeUserForm,
} from '../schemas.js';
import {
  confirmationToken,
  type IdRequest,
  loadTargetOr404,
  parseActionForm,
  peekToken,
  readConfirmation,
  redirectToConfirmation,
} from '../shared-routes.js';
import { crumbs, detailLink, LIST_LINK, resultRows } from '../shared-views.js';
import { assertChangeable, assertCurrentVersion, type ChangePayload, changeUser } from './service.js';
import { ChangeConfirmPage, type ChangeConflict, ChangeFormPage, differingValues } from './views.js';

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
  conflict?: ChangeConflict,
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
      conflict={conflict}
    />,
    conflict ? 409 : errors ? 400 : 200,
  );
}

/**
 * SPEC §4.5, no lost update: someone else changed the user after the form was shown (at
 * 確認 or at 実行). The form again, with what was typed kept, the value now stored beside
 * each field where it differs, and the current version, so that 確認 → 実行 can go through
 * again deliberately. The refusal is audited like any other (SPEC §6).
 */
async function sendConflict(
  app: FastifyInstance,
  request: IdRequest,
  reply: FastifyReply,
  typed: UserFormValues,
): Promise<FastifyReply> {
  const current = await loadTargetOr404(app, request, reply);
  if (!current) return reply;
  const auth = requireAuth(request);
  // A user deleted meanwhile cannot be changed at all: that refusal instead.
  assertChangeable(current, auth.user);
  await recordActionAudit(
    app.store.db,
    { actor: auth.user, ip: request.ip, now: app.clock.now() },
    { action: 'change', outcome: 'failure', targetUserId: current.userId, detail: { reason: 'staleUpdate' } },
  );
  const stored = formValuesOf(current);
  return sendForm(request, reply, current, { ...typed, version: stored.version }, undefined, {
    current: differingValues(typed, stored),
  });
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
  route('get', '/confirm', showConfirmation);
  route('post', '/back', back);
  route('post', '', execute);
  completionRoute(app, { path: '/users/:id/change/done', action: 'change', page: changeCompletion });
}

/** SPEC D-19: the form's query, a confirmation's sealed token after 戻る. */
const BACK_QUERY = { token: one('トークン', 16_000) } satisfies InputSpec;

// The form; `?token=…` after 戻る on the confirmation: the confirmed values (and their version).
const showForm: Step = async (app, request, reply, user) =>
  refusedOn(app, request, reply, refusal(request, user), async () => {
    const { token } = requireInput(request.query, BACK_QUERY);
    assertChangeable(user, requireAuth(request).user);
    if (token === '') return sendForm(request, reply, user, formValuesOf(user));
    const payload = await peekToken<ChangePayload>(app, request, token, tokenPurpose.change(user.userId));
    return sendForm(request, reply, user, formValuesOf(payload));
  });

// The confirmation page (PRG): a GET of the sealed token; it writes nothing (D-18).
const showConfirmation: Step = async (app, request, reply, user) =>
  refusedOn(app, request, reply, refusal(request, user), async () => {
    const confirmation = await readConfirmation<ChangePayload>(
      app,
      request,
      tokenPurpose.change(user.userId),
    );
    return sendPage(
      reply,
      <ChangeConfirmPage
        page={pageContext(request)}
        user={user}
        operatorName={requireAuth(request).operatorName}
        values={formValuesOf(confirmation.payload)}
        token={confirmation.token}
        executed={confirmation.used}
      />,
    );
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
      if (error instanceof StaleUpdate) return sendConflict(app, request, reply, raw);
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
    return redirectToConfirmation(reply, `/users/${encodeURIComponent(user.userId)}/change/confirm`, token);
  });

// 戻る on the confirmation: to the form with the confirmed values (a GET again, PRG).
const back: Step = async (app, request, reply, user) =>
  refusedOn(app, request, reply, refusal(request, user), async () => {
    const form = parseActionForm(request.body);
    await peekToken<ChangePayload>(app, request, form.token, tokenPurpose.change(user.userId));
    return reply.redirect(`/users/${encodeURIComponent(user.userId)}/change?token=${form.token}`, 303);
  });

const execute: Step = async (app, request, reply, user) =>
  refusedOn(app, request, reply, refusal(request, user), async () => {
    const form = parseActionForm(request.body);
    try {
      return await executeToCompletion(app, request, reply, {
        token: form.token,
        run: async (ctx) => {
          await changeUser(app.store.db, { ...ctx, userId: user.userId });
          return [user.userId];
        },
        path: `/users/${encodeURIComponent(user.userId)}/change/done`,
        action: 'change',
      });
    } catch (error) {
      if (!(error instanceof StaleUpdate)) throw error;
      // The transaction rolled back, the token's use with it: what it confirmed is still readable.
      const typed = await peekToken<ChangePayload>(
        app,
        request,
        form.token,
        tokenPurpose.change(user.userId),
      );
      return sendConflict(app, request, reply, formValuesOf(typed));
    }
  });

/** ユーザ情報変更完了画面 (PRG): the user as stored now; reloading it changes nothing. */
function changeCompletion({ user, operatorName }: Completed): CompletionScreen {
  return {
    title: 'ユーザ情報変更完了画面',
    breadcrumbs: crumbs.detail(user.userId, FORM_TITLE, 'ユーザ情報変更完了画面'),
    info: { id: 'info.update.complete' },
    rows: resultRows(user, operatorName),
    links: [detailLink(user.userId), LIST_LINK],
  };
}
