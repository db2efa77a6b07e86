import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type InputSpec, inputMessage, one, readInput, requireInput } from '../../web/input.js';
import { queueNotice } from '../mail/notices.js';
import {
  answerSecondStep,
  backToLogin,
  codePage,
  loginPostConfig,
  requestContext,
  waitingLogin,
} from './login-pages.js';
import { passkeyLoginOptions, usePasskeyAssertion } from './passkeys/assertion.js';
import { type RelyingParty, relyingParty } from './passkeys/webauthn.js';
import { challengeCookie } from './plugin.js';
import { completeLoginWithCode, completeSecondFactorLogin, type SecondFactorAttempt } from './second-step.js';

/**
 * SPEC D-22: the code screen of a login that waits for its second factor (decision 008),
 * and its two ways through: the authenticator app's code (or a recovery code), and a
 * passkey (decision 009).
 */

const CODE_FORM = {
  code: one('確認コード', 100),
} satisfies InputSpec;

/** SPEC D-22: the code screen of a login that waits for its second factor, and its post. */
export async function codeStepRoutes(app: FastifyInstance): Promise<void> {
  app.get('/login/code', { config: { public: true } }, async (request, reply) => {
    if (request.auth) return reply.redirect('/', 303);
    const live = await waitingLogin(app, request);
    if (!live) return backToLogin(app, request, reply, { id: 'error.login.challengeExpired' }, 401);
    return codePage(app, request, reply, [], 200);
  });

  app.post('/login/code', { config: loginPostConfig(app) }, async (request, reply) => {
    const input = readInput(request.body, CODE_FORM);
    const token = challengeCookie(app, request);
    if (!token) return backToLogin(app, request, reply, { id: 'error.login.challengeExpired' }, 401);
    if (!input.ok) return codePage(app, request, reply, input.issues.map(inputMessage), 400);
    const code = input.values.code.trim();
    if (!code) {
      const error = { id: 'error.login.codeRequired', field: { id: 'code', label: '確認コード' } } as const;
      return codePage(app, request, reply, [error], 400);
    }
    const result = await completeLoginWithCode(app.store.db, {
      challengeToken: token,
      preSessionId: request.preSessionId,
      code,
      keys: { current: app.appConfig.secretsKey, previous: app.appConfig.secretsKeyPrevious },
      ...requestContext(app, request),
    });
    return answerSecondStep(app, request, reply, result);
  });
}

/** SPEC D-19: a WebAuthn assertion is a few kilobytes of JSON. */
const PASSKEY_FORM = { response: one('パスキー', 32_768) } satisfies InputSpec;
const OPTIONS_FORM = {} satisfies InputSpec;

/**
 * SPEC D-22: a passkey as the second step of a login, on the code screen (JavaScript).
 * The page's script asks for a challenge (a POST with the CSRF token, D-18: bound to this
 * waiting login, used once), lets the browser ask the authenticator (user verification
 * required), and posts the answer as a form, like the code.
 */
export async function passkeyLoginRoutes(app: FastifyInstance): Promise<void> {
  const config = loginPostConfig(app);
  const rpOf = (request: FastifyRequest) =>
    relyingParty(app.appConfig.publicUrl, { protocol: request.protocol, host: request.host });

  app.post('/login/passkey/options', { config }, async (request, reply) => {
    requireInput(request.body, OPTIONS_FORM);
    const challenge = await waitingLogin(app, request);
    if (!challenge) return reply.status(401).send({ error: 'error.login.challengeExpired' });
    const rp = rpOf(request);
    const options =
      rp &&
      (await passkeyLoginOptions(app.store.db, {
        userId: challenge.userId,
        loginChallengeId: challenge.id,
        rp,
        now: app.clock.now(),
      }));
    if (!options) return reply.status(404).send({ error: 'error.login.passkeyFailed' });
    return reply.send(options);
  });

  app.post('/login/passkey', { config }, async (request, reply) => {
    const form = requireInput(request.body, PASSKEY_FORM);
    const token = challengeCookie(app, request);
    if (!token) return backToLogin(app, request, reply, { id: 'error.login.challengeExpired' }, 401);
    const rp = rpOf(request);
    if (!rp || !form.response)
      return codePage(app, request, reply, [{ id: 'error.login.passkeyFailed' }], 400);
    const ctx = requestContext(app, request);
    const result = await completeSecondFactorLogin(
      app.store.db,
      { challengeToken: token, preSessionId: request.preSessionId, ...ctx },
      passkeyAttempt(form.response, rp, ctx),
    );
    return answerSecondStep(app, request, reply, result);
  });
}

/** A passkey's answer as a second step: used in the login's transaction, its owner mailed. */
function passkeyAttempt(
  response: string,
  rp: RelyingParty,
  ctx: { ip: string; now: Date },
): SecondFactorAttempt {
  return {
    failure: 'wrongPasskey',
    async use(tx, user, challenge) {
      const used = await usePasskeyAssertion(tx, {
        userId: user.userId,
        loginChallengeId: challenge.id,
        response,
        rp,
        now: ctx.now,
      });
      if (!used) return undefined;
      return {
        via: 'passkey',
        detail: { passkey: used.name },
        after: (t) =>
          queueNotice(t, { event: 'passkeyUsed', at: ctx.now, user, name: used.name, ip: ctx.ip }),
      };
    },
  };
}
