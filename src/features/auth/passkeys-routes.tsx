import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import type { ShownMessage } from '../../web/layout.js';
import { queueNotice } from '../mail/notices.js';
import { passkeyLoginOptions, relyingParty, usePasskeyAssertion } from './passkeys.js';
import { challengeCookie, clearChallengeCookie, setSessionCookie } from './plugin.js';
import { completeSecondFactorLogin, findLoginChallenge } from './service.js';
import { deleteSession } from './sessions.js';

/** SPEC D-19: a WebAuthn assertion is a few kilobytes of JSON. */
const PASSKEY_FORM = { response: one('パスキー', 32_768) } satisfies InputSpec;
const OPTIONS_FORM = {} satisfies InputSpec;

export interface CodeStepPages {
  /** The code screen again with its errors (a failed passkey: try again). */
  codePage(
    request: FastifyRequest,
    reply: FastifyReply,
    errors: ShownMessage[],
    status: number,
  ): Promise<unknown>;
  /** The login page with one message, the challenge cookie gone. */
  backToLogin(request: FastifyRequest, reply: FastifyReply, error: ShownMessage, status: number): unknown;
  /** Where a login goes once it is complete. */
  afterLogin(next: string | null, passwordIsTemporary: boolean): string;
}

/**
 * SPEC D-22: a passkey as the second step of a login, on the code screen (JavaScript).
 * The page's script asks for a challenge (a POST with the CSRF token, D-18: bound to this
 * waiting login, used once), lets the browser ask the authenticator (user verification
 * required), and posts the answer as a form, like the code.
 */
export async function passkeyLoginRoutes(app: FastifyInstance, pages: CodeStepPages): Promise<void> {
  const rateLimit = {
    max: app.appConfig.loginRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) => `login:${request.ip}`,
  };
  const config = { public: true, rateLimit };
  const rpOf = (request: FastifyRequest) =>
    relyingParty(app.appConfig.publicUrl, { protocol: request.protocol, host: request.host });

  app.post('/login/passkey/options', { config }, async (request, reply) => {
    requireInput(request.body, OPTIONS_FORM);
    const token = challengeCookie(app, request);
    const now = app.clock.now();
    const challenge =
      token &&
      (await findLoginChallenge(app.store.db, {
        challengeToken: token,
        preSessionId: request.preSessionId,
        now,
      }));
    if (!challenge) return reply.status(401).send({ error: 'error.login.challengeExpired' });
    const rp = rpOf(request);
    const options =
      rp &&
      (await passkeyLoginOptions(app.store.db, {
        userId: challenge.userId,
        loginChallengeId: challenge.id,
        rp,
        now,
      }));
    if (!options) return reply.status(404).send({ error: 'error.login.passkeyFailed' });
    return reply.send(options);
  });

  app.post('/login/passkey', { config }, async (request, reply) => {
    const form = requireInput(request.body, PASSKEY_FORM);
    const token = challengeCookie(app, request);
    if (!token) return pages.backToLogin(request, reply, { id: 'error.login.challengeExpired' }, 401);
    const rp = rpOf(request);
    if (!rp || !form.response)
      return pages.codePage(request, reply, [{ id: 'error.login.passkeyFailed' }], 400);
    const now = app.clock.now();
    const result = await completeSecondFactorLogin(
      app.store.db,
      {
        challengeToken: token,
        preSessionId: request.preSessionId,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? '',
        now,
      },
      {
        failure: 'wrongPasskey',
        async use(tx, user, challenge) {
          const used = await usePasskeyAssertion(tx, {
            userId: user.userId,
            loginChallengeId: challenge.id,
            response: form.response,
            rp,
            now,
          });
          if (!used) return undefined;
          return {
            via: 'passkey',
            detail: { passkey: used.name },
            after: (t) =>
              queueNotice(t, { event: 'passkeyUsed', at: now, user, name: used.name, ip: request.ip }),
          };
        },
      },
    );
    if (!result.ok) {
      if (result.retry) return pages.codePage(request, reply, [{ id: result.reason }], 401);
      return pages.backToLogin(request, reply, { id: result.reason }, 401);
    }
    if (request.auth) await deleteSession(app.store.db, request.auth.session.id);
    clearChallengeCookie(app, reply);
    setSessionCookie(app, reply, result.token);
    return reply.redirect(pages.afterLogin(result.next, result.user.passwordIsTemporary), 303);
  });
}
