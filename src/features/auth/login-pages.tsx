import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { builtAssetUrl } from '../../web/assets.js';
import type { ShownMessage } from '../../web/layout.js';
import { sendPage } from '../../web/render.js';
import { loginFactorsOf } from './passkeys/assertion.js';
import { challengeCookie, clearChallengeCookie, setSessionCookie } from './plugin.js';
import type { RequestContext } from './request-context.js';
import { type CodeStepResult, findLoginChallenge, type LoginChallenge } from './second-step.js';
import { deleteSession } from './sessions.js';
import { LoginCodePage, LoginPage } from './views.js';

/**
 * What the login's screens share: where a login may go next, the rate limit of its posts,
 * the login page and the code screen shown again, and the end of a second step.
 */

/**
 * SPEC D-19: after login only a same-site path is followed: it starts with one `/`, and
 * holds only printable ASCII without spaces or backslashes (a tab, a line feed or a
 * U+3000 could make a browser read `/\t/evil.example` as `//evil.example`). Anything
 * else goes to TOP.
 */
export function safeNext(next: string | undefined): string {
  if (!next || !/^\/(?![/\\])[!-~]*$/.test(next) || next.includes('\\')) return '/';
  return next;
}

/** Where a login goes once it is complete: the forced password change first. */
export function afterLogin(next: string | null | undefined, passwordIsTemporary: boolean): string {
  return passwordIsTemporary ? '/password' : safeNext(next ?? undefined);
}

export function requestContext(app: FastifyInstance, request: FastifyRequest): RequestContext {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '', now: app.clock.now() };
}

/** The rate limit of a post that checks a secret: so many a minute per key. */
export function perMinuteLimit(app: FastifyInstance, keyGenerator: (request: FastifyRequest) => string) {
  return { max: app.appConfig.loginRateLimitPerMinute, timeWindow: 60_000, keyGenerator };
}

/** The login's posts (password, code, passkey): public, and one rate limit per address for all. */
export function loginPostConfig(app: FastifyInstance) {
  return { public: true, rateLimit: perMinuteLimit(app, (request) => `login:${request.ip}`) };
}

/** The login page again with one message, the challenge cookie gone. */
export function backToLogin(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  error: ShownMessage,
  status: number,
) {
  clearChallengeCookie(app, reply);
  return sendPage(reply, <LoginPage csrfToken={request.csrfToken} errors={[error]} />, status);
}

/** The waiting login of this browser (reads only), or undefined. */
export async function waitingLogin(
  app: FastifyInstance,
  request: FastifyRequest,
): Promise<LoginChallenge | undefined> {
  const token = challengeCookie(app, request);
  return token
    ? findLoginChallenge(app.store.db, {
        challengeToken: token,
        preSessionId: request.preSessionId,
        now: app.clock.now(),
      })
    : undefined;
}

/** The code screen, offering the factors the waiting login's user has (code, passkey). */
export async function codePage(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  errors: ShownMessage[],
  status: number,
) {
  const live = await waitingLogin(app, request);
  const factors = live ? await loginFactorsOf(app.store.db, live.userId) : undefined;
  return sendPage(
    reply,
    <LoginCodePage
      csrfToken={request.csrfToken}
      errors={errors}
      factors={factors}
      passkeyScript={builtAssetUrl('passkeys.js')}
    />,
    status,
  );
}

/**
 * The answer to a second step (a code, a passkey): the code screen again or the login page
 * after a failure; after a success the new session's cookie (replacing any session this
 * browser still had) and the way on.
 */
export async function answerSecondStep(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  result: CodeStepResult,
) {
  if (!result.ok) {
    if (result.retry) return codePage(app, request, reply, [{ id: result.reason }], 401);
    return backToLogin(app, request, reply, { id: result.reason }, 401);
  }
  if (request.auth) await deleteSession(app.store.db, request.auth.session.id);
  clearChallengeCookie(app, reply);
  setSessionCookie(app, reply, result.token);
  return reply.redirect(afterLogin(result.next, result.user.passwordIsTemporary), 303);
}
