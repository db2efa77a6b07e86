import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAuth } from '../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import { pageContext, sendPage } from '../../web/render.js';
import { confirmEnrolment, secondFactorStatus, startEnrolment } from '../auth/second-factor.js';
import {
  actionContext,
  ENROLMENT_OPEN,
  ownActor,
  passwordRateLimit,
  renderAccountPage,
  renderEnrolmentPage,
  secretKeys,
} from './pages.js';
import { RecoveryCodesPage } from './second-factor-views.js';
import { removeOwnSecondFactor } from './service.js';

const CODE_FORM = { code: one('確認コード', 100) } satisfies InputSpec;
const REMOVE_FORM = { password: one('パスワード', 1024), code: one('確認コード', 100) } satisfies InputSpec;

/**
 * The authenticator app (SPEC D-22, ASVS V6.3.3): enrolment (start, the QR code, the
 * first code, the recovery codes) and its removal with the password and a code.
 */
export function secondFactorRoutes(app: FastifyInstance): void {
  const rateLimit = passwordRateLimit(app);

  app.get('/account/second-factor', ENROLMENT_OPEN, async (request, reply) => {
    const auth = requireAuth(request);
    const status = await secondFactorStatus(app.store.db, auth.user.userId);
    if (status.enabled) return reply.redirect('/account', 303);
    return sendPage(reply, await renderEnrolmentPage(app, request));
  });

  app.post('/account/second-factor/start', ENROLMENT_OPEN, async (request, reply) => {
    const auth = requireAuth(request);
    await startEnrolment(app.store.db, { user: auth.user, keys: secretKeys(app), now: app.clock.now() });
    return reply.redirect('/account/second-factor', 303);
  });

  app.post(
    '/account/second-factor/confirm',
    { config: { ...ENROLMENT_OPEN.config, rateLimit } },
    (request, reply) => confirmFirstCode(app, request, reply),
  );

  app.post('/account/second-factor/remove', { config: { rateLimit } }, async (request, reply) => {
    const form = requireInput(request.body, REMOVE_FORM);
    const result = await removeOwnSecondFactor(app.store.db, {
      ...ownActor(app, request),
      password: form.password,
      code: form.code,
      keys: secretKeys(app),
    });
    if (!result.ok) {
      return sendPage(reply, await renderAccountPage(app, request, { removeErrors: result.errors }), 400);
    }
    return reply.redirect('/account?done=removed', 303);
  });
}

/** The enrolment's first code: right, and the recovery codes are shown once. */
async function confirmFirstCode(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const auth = requireAuth(request);
  const form = requireInput(request.body, CODE_FORM);
  const now = app.clock.now();
  const result = await confirmEnrolment(app.store.db, {
    user: auth.user,
    code: form.code,
    keepSessionId: auth.session.id,
    keys: secretKeys(app),
    ...actionContext(app, request),
  });
  if (!result.ok) {
    if (result.reason === 'error.secondFactor.notPending')
      return reply.redirect('/account/second-factor', 303);
    const error = { id: result.reason, field: { id: 'code', label: '確認コード' } };
    return sendPage(reply, await renderEnrolmentPage(app, request, [error]), 400);
  }
  // Shown once, in this answer only (no-store): the server keeps nothing but hashes.
  return sendPage(
    reply,
    <RecoveryCodesPage
      page={pageContext(request)}
      userId={auth.user.userId}
      codes={result.recoveryCodes}
      at={now}
      next={auth.secondFactor.required ? '/' : '/account'}
    />,
  );
}
