import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import { pageContext, sendPage } from '../../web/render.js';
import { perMinuteLimit, requestContext } from './login-pages.js';
import { changeOwnPassword, type PasswordChangeErrors } from './password-change.js';
import { PasswordChangePage } from './password-views.js';
import { setSessionCookie } from './plugin.js';

const PASSWORD_CHANGE_FORM = {
  currentPassword: one('現在のパスワード', 1024),
  newPassword: one('新しいパスワード', 1024),
  confirmPassword: one('新しいパスワード（確認）', 1024),
} satisfies InputSpec;

/** The password change screen (SPEC §4.10), forced while the password is temporary. */
function passwordPage(request: FastifyRequest, errors?: PasswordChangeErrors) {
  const ctx = pageContext(request);
  return (
    <PasswordChangePage
      csrfToken={ctx.csrfToken}
      auth={ctx.auth!}
      forced={request.auth!.user.passwordIsTemporary}
      errors={errors}
    />
  );
}

/** パスワード変更 (SPEC §4.10): the form and its post. */
export async function passwordChangeRoutes(app: FastifyInstance): Promise<void> {
  app.get('/password', { config: { allowTemporaryPassword: true } }, async (request, reply) => {
    return sendPage(reply, passwordPage(request));
  });

  // The current password is checked here too: no guessing it at speed from a session.
  const rateLimit = perMinuteLimit(app, (request) => `password:${request.auth?.user.userId ?? request.ip}`);
  app.post('/password', { config: { allowTemporaryPassword: true, rateLimit } }, async (request, reply) => {
    const auth = request.auth!;
    const form = requireInput(request.body, PASSWORD_CHANGE_FORM);
    const result = await changeOwnPassword(app.store.db, {
      user: auth.user,
      sessionId: auth.session.id,
      previousLogin: auth.session.previousLogin ?? null,
      ...form,
      ...requestContext(app, request),
    });
    if (!result.ok) return sendPage(reply, passwordPage(request, result.errors), 400);
    setSessionCookie(app, reply, result.token);
    return reply.redirect('/?passwordChanged=1', 303);
  });
}
