import type { FastifyInstance, FastifyRequest } from 'fastify';
import { adminOnly, requireAuth } from '../../web/guards.js';
import { type InputSpec, one, readInput, requireInput } from '../../web/input.js';
import type { ShownMessage } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import { listPasskeys } from '../auth/passkeys/repository.js';
import {
  confirmEnrolment,
  pendingEnrolment,
  secondFactorRequired,
  secondFactorStatus,
  startEnrolment,
} from '../auth/second-factor.js';
import { listOwnSessions } from '../auth/sessions.js';
import { totpQrSvg } from '../auth/totp.js';
import { passkeyAccountRoutes } from './passkeys-routes.js';
import type { PasskeyFormErrors } from './passkeys-service.js';
import {
  endOtherSessionsOfOwn,
  endSessionOfOwn,
  type RemoveFactorErrors,
  removeOwnSecondFactor,
  setSecondFactorPolicy,
} from './service.js';
import {
  AccountPage,
  EnrolmentPage,
  POLICY_LABELS,
  PolicyConfirmPage,
  PolicyPage,
  RecoveryCodesPage,
} from './views.js';

/** What the account page says after an action (its query, read totally: D-19). */
const ACCOUNT_QUERY = {
  done: one('done', 20),
  count: one('count', 5),
} satisfies InputSpec;

const CODE_FORM = { code: one('確認コード', 100) } satisfies InputSpec;
const REMOVE_FORM = { password: one('パスワード', 1024), code: one('確認コード', 100) } satisfies InputSpec;
const END_SESSION_FORM = { session: one('セッション', 64) } satisfies InputSpec;
const END_OTHERS_FORM = { password: one('パスワード', 1024) } satisfies InputSpec;
const POLICY_FORM = { required: one('二要素認証の必須', 1), confirmed: one('確認', 1) } satisfies InputSpec;
const POLICY_QUERY = { done: one('done', 20) } satisfies InputSpec;

/**
 * アカウント設定 (SPEC D-22, ASVS V6.3.3 and V7.5.2): every signed-in user's own page with the
 * password change, the second factor (enrol, remove) and their sessions (each endable,
 * all others at once after the password); for admins, the operator's second-factor policy.
 */
export async function accountRoutes(app: FastifyInstance): Promise<void> {
  const keys = () => ({ current: app.appConfig.secretsKey, previous: app.appConfig.secretsKeyPrevious });
  const ctx = (request: FastifyRequest) => ({ ip: request.ip, now: app.clock.now() });
  const policy = { idleMs: app.appConfig.sessionIdleMs, absoluteMs: app.appConfig.sessionAbsoluteMs };
  // Each of these checks the password: no guessing it at speed from a session.
  const passwordRateLimit = {
    max: app.appConfig.loginRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) => `password:${request.auth?.user.userId ?? request.ip}`,
  };

  async function showAccount(
    request: FastifyRequest,
    extra: {
      infos?: ShownMessage[];
      errors?: ShownMessage[];
      removeErrors?: RemoveFactorErrors;
      endOthersError?: ShownMessage['id'];
      passkeyErrors?: PasskeyFormErrors;
    },
  ) {
    const auth = requireAuth(request);
    const now = app.clock.now();
    return (
      <AccountPage
        page={pageContext(request)}
        user={auth.user}
        operatorName={auth.operatorName}
        factor={await secondFactorStatus(app.store.db, auth.user.userId)}
        required={auth.secondFactor.required}
        sessions={await listOwnSessions(app.store.db, auth.user.userId, now, policy)}
        passkeys={await listPasskeys(app.store.db, auth.user.userId)}
        currentSessionId={auth.session.id}
        {...extra}
      />
    );
  }

  app.get('/account', async (request, reply) => {
    const q = readInput(request.query, ACCOUNT_QUERY).values;
    const infos: ShownMessage[] = [];
    if (q.done === 'removed') infos.push({ id: 'info.secondFactor.removed' });
    if (q.done === 'sessionEnded') infos.push({ id: 'info.sessions.ended' });
    if (q.done === 'passkeyAdded') infos.push({ id: 'info.passkey.added' });
    if (q.done === 'passkeyRemoved') infos.push({ id: 'info.passkey.removed' });
    if (q.done === 'othersEnded' && /^[0-9]{1,5}$/.test(q.count)) {
      infos.push({ id: 'info.sessions.othersEnded', params: { count: Number(q.count) } });
    }
    return sendPage(reply, await showAccount(request, { infos }));
  });

  // The enrolment pages stay open to a user whom the operator's policy sends here.
  const enrolment = { config: { allowSecondFactorEnrolment: true } };

  /** The enrolment page: its start, or the pending secret as a QR code and as text. */
  async function showEnrolment(
    request: FastifyRequest,
    errors?: ShownMessage[],
    passkeyErrors?: PasskeyFormErrors,
  ) {
    const auth = requireAuth(request);
    const pending = await pendingEnrolment(app.store.db, {
      userId: auth.user.userId,
      keys: keys(),
      now: app.clock.now(),
    });
    const qr = pending ? await totpQrSvg(pending.uri) : undefined;
    return (
      <EnrolmentPage
        page={pageContext(request)}
        forced={auth.secondFactor.required}
        pending={
          pending && qr
            ? {
                secret: pending.secret,
                userId: auth.user.userId,
                qrDataUri: `data:image/svg+xml;base64,${Buffer.from(qr).toString('base64')}`,
              }
            : undefined
        }
        errors={errors}
        passkeys={await listPasskeys(app.store.db, auth.user.userId)}
        passkeyErrors={passkeyErrors}
      />
    );
  }

  // A passkey form's errors: on the enrolment page for a user the policy sends there.
  await passkeyAccountRoutes(
    app,
    async (request, passkeyErrors) => {
      const { secondFactor } = requireAuth(request);
      return secondFactor.required && !secondFactor.enabled
        ? showEnrolment(request, undefined, passkeyErrors)
        : showAccount(request, { passkeyErrors });
    },
    passwordRateLimit,
  );

  app.get('/account/second-factor', enrolment, async (request, reply) => {
    const auth = requireAuth(request);
    const status = await secondFactorStatus(app.store.db, auth.user.userId);
    if (status.enabled) return reply.redirect('/account', 303);
    return sendPage(reply, await showEnrolment(request));
  });

  app.post('/account/second-factor/start', enrolment, async (request, reply) => {
    const auth = requireAuth(request);
    await startEnrolment(app.store.db, { user: auth.user, keys: keys(), now: app.clock.now() });
    return reply.redirect('/account/second-factor', 303);
  });

  app.post(
    '/account/second-factor/confirm',
    { config: { allowSecondFactorEnrolment: true, rateLimit: passwordRateLimit } },
    async (request, reply) => {
      const auth = requireAuth(request);
      const form = requireInput(request.body, CODE_FORM);
      const now = app.clock.now();
      const result = await confirmEnrolment(app.store.db, {
        user: auth.user,
        code: form.code,
        keepSessionId: auth.session.id,
        keys: keys(),
        ...ctx(request),
      });
      if (!result.ok) {
        if (result.reason === 'error.secondFactor.notPending')
          return reply.redirect('/account/second-factor', 303);
        const error = { id: result.reason, field: { id: 'code', label: '確認コード' } };
        return sendPage(reply, await showEnrolment(request, [error]), 400);
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
    },
  );

  app.post(
    '/account/second-factor/remove',
    { config: { rateLimit: passwordRateLimit } },
    async (request, reply) => {
      const auth = requireAuth(request);
      const form = requireInput(request.body, REMOVE_FORM);
      const result = await removeOwnSecondFactor(app.store.db, {
        user: auth.user,
        password: form.password,
        code: form.code,
        keys: keys(),
        currentSessionId: auth.session.id,
        ...ctx(request),
      });
      if (!result.ok)
        return sendPage(reply, await showAccount(request, { removeErrors: result.errors }), 400);
      return reply.redirect('/account?done=removed', 303);
    },
  );

  app.post('/account/sessions/end', async (request, reply) => {
    const auth = requireAuth(request);
    const form = requireInput(request.body, END_SESSION_FORM);
    const ended = await endSessionOfOwn(app.store.db, {
      user: auth.user,
      currentSessionId: auth.session.id,
      sessionId: form.session,
      ...ctx(request),
    });
    if (!ended)
      return sendPage(
        reply,
        await showAccount(request, { errors: [{ id: 'error.sessions.notFound' }] }),
        404,
      );
    return reply.redirect('/account?done=sessionEnded', 303);
  });

  app.post(
    '/account/sessions/end-others',
    { config: { rateLimit: passwordRateLimit } },
    async (request, reply) => {
      const auth = requireAuth(request);
      const form = requireInput(request.body, END_OTHERS_FORM);
      const result = await endOtherSessionsOfOwn(app.store.db, {
        user: auth.user,
        currentSessionId: auth.session.id,
        password: form.password,
        ...ctx(request),
      });
      if (!result.ok)
        return sendPage(reply, await showAccount(request, { endOthersError: result.error }), 400);
      return reply.redirect(`/account?done=othersEnded&count=${result.count}`, 303);
    },
  );

  await app.register(async (admin) => {
    admin.addHook('preHandler', adminOnly);

    // An admin who has just required a second factor still sees the outcome (and can undo it)
    // before enrolling.
    admin.get('/account/policy', enrolment, async (request, reply) => {
      const auth = requireAuth(request);
      const q = readInput(request.query, POLICY_QUERY).values;
      const required = await secondFactorRequired(app.store.db, auth.user.operatorCode);
      const value = required ? POLICY_LABELS.required : POLICY_LABELS.optional;
      const infos: ShownMessage[] =
        q.done === 'changed'
          ? [{ id: 'info.policy.changed', params: { value } }]
          : q.done === 'unchanged'
            ? [{ id: 'info.policy.unchanged', params: { value } }]
            : [];
      return sendPage(
        reply,
        <PolicyPage
          page={pageContext(request)}
          operatorCode={auth.user.operatorCode}
          required={required}
          infos={infos}
        />,
      );
    });

    admin.post('/account/policy', enrolment, async (request, reply) => {
      const auth = requireAuth(request);
      const form = requireInput(request.body, POLICY_FORM);
      if (form.required !== '0' && form.required !== '1') return reply.redirect('/account/policy', 303);
      const required = form.required === '1';
      // D-15: without JavaScript the confirmation is a page; with it, the browser's dialog.
      if (form.confirmed !== '1') {
        return sendPage(reply, <PolicyConfirmPage page={pageContext(request)} required={required} />);
      }
      const outcome = await setSecondFactorPolicy(app.store.db, {
        actor: auth.user,
        required,
        ...ctx(request),
      });
      return reply.redirect(`/account/policy?done=${outcome}`, 303);
    });
  });
}
