import type { FastifyInstance } from 'fastify';
import { FIELD_LABELS } from '../../lib/field-labels.js';
import { type InputSpec, inputMessage, one, readInput } from '../../web/input.js';
import type { ShownMessage } from '../../web/layout.js';
import { sendPage } from '../../web/render.js';
import { LOGIN_CHALLENGE_MS, login } from './login.js';
import { afterLogin, loginPostConfig, requestContext, safeNext } from './login-pages.js';
import { clearSessionCookie, setChallengeCookie, setSessionCookie } from './plugin.js';
import { deleteSession } from './sessions.js';
import { LoginPage } from './views.js';

/** SPEC D-19: the login form's fields, bounded (a password is at most 128 characters). */
const LOGIN_FORM = {
  userId: one(FIELD_LABELS.userId, 100),
  password: one('パスワード', 1024),
  next: one('遷移先', 2048),
} satisfies InputSpec;

const LOGIN_QUERY = {
  next: one('遷移先', 2048),
  expired: one('expired', 1),
  loggedOut: one('loggedOut', 1),
  kept: one('kept', 1),
} satisfies InputSpec;

/** The login screen (SPEC §4.11): the form, and its post (the password step). */
export async function loginRoutes(app: FastifyInstance): Promise<void> {
  app.get('/login', { config: { public: true } }, async (request, reply) => {
    if (request.auth) return reply.redirect('/', 303);
    const q = readInput(request.query, LOGIN_QUERY);
    const errors = q.ok ? [] : q.issues.map(inputMessage);
    if (q.values.expired) errors.push({ id: 'error.session.expired' });
    return sendPage(
      reply,
      <LoginPage
        csrfToken={request.csrfToken}
        next={safeNext(q.values.next) === '/' ? undefined : q.values.next}
        errors={errors}
        infos={[
          ...(q.values.loggedOut ? [{ id: 'info.logout' as const }] : []),
          ...(q.values.expired && q.values.kept ? [{ id: 'info.session.formKept' as const }] : []),
        ]}
      />,
      q.ok ? 200 : 400,
    );
  });

  app.post('/login', { config: loginPostConfig(app) }, async (request, reply) => {
    const input = readInput(request.body, LOGIN_FORM);
    const form = input.values;
    const again = (errors: ShownMessage[], status: number) =>
      sendPage(
        reply,
        <LoginPage csrfToken={request.csrfToken} userId={form.userId} next={form.next} errors={errors} />,
        status,
      );
    if (!input.ok) return again(input.issues.map(inputMessage), 400);
    if (!form.userId.trim() || !form.password) return again([{ id: 'error.login.required' }], 400);
    const result = await login(app.store.db, {
      ...form,
      next: safeNext(form.next),
      preSessionId: request.preSessionId,
      ...requestContext(app, request),
    });
    if (!result.ok) return again([{ id: result.reason }], 401);
    // A login from a browser that still had a session replaces it (no orphaned session).
    if (request.auth) {
      await deleteSession(app.store.db, request.auth.session.id);
      if (result.ok === 'secondFactor') clearSessionCookie(app, reply);
    }
    if (result.ok === 'secondFactor') {
      // SPEC D-22: the code screen; no session until the code is right.
      setChallengeCookie(app, reply, result.challengeToken, Math.floor(LOGIN_CHALLENGE_MS / 1000));
      return reply.redirect('/login/code', 303);
    }
    setSessionCookie(app, reply, result.token);
    return reply.redirect(afterLogin(form.next, result.user.passwordIsTemporary), 303);
  });
}
