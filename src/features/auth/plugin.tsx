import crypto from 'node:crypto';
import type {} from '@fastify/cookie';
import type {} from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { japanDate } from '../../lib/japan-time.js';
import { secretsEqual } from '../../lib/secrets.js';
import { Layout } from '../../web/layout.js';
import { sendPage } from '../../web/render.js';
import { isWithinValidity } from '../users/model.js';
import { draftFields, FORM_DRAFT_MS, formDraftCookieName, sealFormDraft } from './form-drafts.js';
import { hashToken, loadSession, newToken, sessionOwner } from './sessions.js';

export const SESSION_COOKIE = 'cmus_session';
const PRE_SESSION_COOKIE = 'cmus_pre';
export const CHALLENGE_COOKIE = 'cmus_challenge';

/** Where a user enrols the second factor the operator requires (src/features/account/). */
export const SECOND_FACTOR_ENROLMENT_PATH = '/account/second-factor';

function cookieNames(secure: boolean) {
  // The __Host- prefix pins a cookie to this host and path / when served over TLS.
  return secure
    ? {
        session: `__Host-${SESSION_COOKIE}`,
        pre: `__Host-${PRE_SESSION_COOKIE}`,
        challenge: `__Host-${CHALLENGE_COOKIE}`,
      }
    : { session: SESSION_COOKIE, pre: PRE_SESSION_COOKIE, challenge: CHALLENGE_COOKIE };
}

/**
 * SPEC D-22: the token of a login waiting for its code (a right password, no session yet).
 * It lives as long as the challenge (LOGIN_CHALLENGE_MS) and only on this browser.
 */
export function setChallengeCookie(
  app: FastifyInstance,
  reply: FastifyReply,
  token: string,
  maxAgeSeconds: number,
): void {
  reply.setCookie(cookieNames(app.appConfig.secureCookies).challenge, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.appConfig.secureCookies,
    maxAge: maxAgeSeconds,
  });
}

export function challengeCookie(app: FastifyInstance, request: FastifyRequest): string | undefined {
  return request.cookies[cookieNames(app.appConfig.secureCookies).challenge] || undefined;
}

export function clearChallengeCookie(app: FastifyInstance, reply: FastifyReply): void {
  reply.clearCookie(cookieNames(app.appConfig.secureCookies).challenge, {
    path: '/',
    secure: app.appConfig.secureCookies,
    httpOnly: true,
    sameSite: 'lax',
  });
}

/**
 * The CSRF token is an HMAC keyed by the (HttpOnly) session token, or by a pre-session
 * cookie before login: a page can only post back a token derived from a cookie that a
 * cross-site attacker can neither read nor set.
 */
export function deriveCsrfToken(cookieToken: string): string {
  return crypto.createHmac('sha256', cookieToken).update('csrf').digest('base64url');
}

export function setSessionCookie(app: FastifyInstance, reply: FastifyReply, token: string): void {
  const names = cookieNames(app.appConfig.secureCookies);
  reply.setCookie(names.session, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.appConfig.secureCookies,
  });
}

export function clearSessionCookie(app: FastifyInstance, reply: FastifyReply): void {
  const names = cookieNames(app.appConfig.secureCookies);
  reply.clearCookie(names.session, {
    path: '/',
    secure: app.appConfig.secureCookies,
    httpOnly: true,
    sameSite: 'lax',
  });
}

/**
 * CSRF token of a form: the `_csrf` field of a url-encoded body only. A query parameter
 * would leak into logs and history, and no client of this system sends a header.
 */
function submittedCsrf(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | undefined;
  const fromBody = body && typeof body === 'object' ? body._csrf : undefined;
  return typeof fromBody === 'string' ? fromBody : undefined;
}

/**
 * The first line against cross-site posts, before the token: a browser says where a
 * request comes from (`Sec-Fetch-Site`, `Origin`), and anything but this site is refused.
 * Clients that send neither header (no browser) still need the token.
 */
export function fromThisSite(request: FastifyRequest, publicUrl: string | undefined): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  const own = [`${request.protocol}://${request.host}`];
  if (publicUrl) own.push(new URL(publicUrl).origin);
  return own.includes(origin);
}

/**
 * The pre-session cookie (the CSRF key before login) is issued signed: a value the
 * client made up, or planted by a sibling site where `__Host-` cookies are off, is not
 * accepted and is replaced by a new one.
 */
function signPreSession(key: Buffer, value: string): string {
  return `${value}.${crypto.createHmac('sha256', key).update(value).digest('base64url')}`;
}

function verifyPreSession(key: Buffer, cookie: string | undefined): boolean {
  if (!cookie) return false;
  const dot = cookie.lastIndexOf('.');
  if (dot < 40) return false;
  return secretsEqual(signPreSession(key, cookie.slice(0, dot)), cookie);
}

/**
 * Sessions, CSRF and access on every route: a route is private unless its config says
 * `public: true`; a user with a temporary password reaches only the password change.
 */
export const securityPlugin = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('auth', null);
    app.decorateRequest('csrfToken', '');
    app.decorateRequest('sessionExpired', false);
    app.decorateRequest('preSessionId', '');

    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.asset) return;
      const names = cookieNames(app.appConfig.secureCookies);
      const token = request.cookies[names.session];
      if (token) {
        const now = app.clock.now();
        const found = await loadSession(app.store.db, token, now, {
          idleMs: app.appConfig.sessionIdleMs,
          absoluteMs: app.appConfig.sessionAbsoluteMs,
        });
        const user = found?.user;
        // Defence in depth: disabling or deleting a user also deletes their sessions.
        const usable = user && !user.deleted && user.enabled && isWithinValidity(user, japanDate(now));
        if (found && user && usable) {
          request.auth = {
            user,
            session: found.session,
            operatorName: found.operatorName,
            secondFactor: found.secondFactor,
          };
          request.csrfToken = deriveCsrfToken(token);
        } else {
          request.sessionExpired = true;
          clearSessionCookie(app, reply);
        }
      }
      const presented = request.cookies[names.pre] ?? '';
      if (verifyPreSession(app.keys.preSession, presented)) request.preSessionId = hashToken(presented);
      if (!request.auth) {
        let pre = presented;
        if (!request.preSessionId) {
          pre = signPreSession(app.keys.preSession, newToken());
          reply.setCookie(names.pre, pre, {
            path: '/',
            httpOnly: true,
            sameSite: 'lax',
            secure: app.appConfig.secureCookies,
          });
          request.preSessionId = hashToken(pre);
        }
        request.csrfToken = deriveCsrfToken(pre);
      }
    });

    app.addHook('preHandler', async (request, reply) => {
      const config = request.routeOptions.config;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        if (!fromThisSite(request, app.appConfig.publicUrl)) {
          request.log.warn({ route: request.routeOptions.url }, 'cross-site request refused');
          return sendCsrfRefusal(request, reply);
        }
        if (request.isMultipart()) {
          // Only routes that take uploads read multipart bodies, and they check the token.
          if (!config.multipart) return reply.status(415).send();
        } else {
          const sent = submittedCsrf(request);
          if (sent && request.sessionExpired && sentByEndedSession(app, request, sent)) {
            return keepEndedSessionForm(app, request, reply);
          }
          if (!sent || !secretsEqual(sent, request.csrfToken)) {
            request.log.warn({ route: request.routeOptions.url }, 'CSRF token refused');
            return sendCsrfRefusal(request, reply);
          }
        }
      }
      if (config.public) return;
      if (!request.auth) {
        const target = request.method === 'GET' ? `?next=${encodeURIComponent(request.url)}` : '';
        const expired = request.sessionExpired ? `${target ? '&' : '?'}expired=1` : '';
        return reply.redirect(`/login${target}${expired}`, 303);
      }
      if (request.auth.user.passwordIsTemporary && !config.allowTemporaryPassword) {
        return reply.redirect('/password', 303);
      }
      // SPEC D-22: where the operator requires a second factor, a user without one enrols
      // before any other page, once the forced password change (above) is done.
      const factor = request.auth.secondFactor;
      const mustEnrol = factor.required && !factor.enabled && !request.auth.user.passwordIsTemporary;
      if (mustEnrol && !config.allowSecondFactorEnrolment) {
        return reply.redirect(SECOND_FACTOR_ENROLMENT_PATH, 303);
      }
    });
  },
  { name: 'security', dependencies: ['@fastify/cookie'] },
);

/** A form of this site whose session ended while it was filled in (its token is that session's). */
function sentByEndedSession(app: FastifyInstance, request: FastifyRequest, sent: string): boolean {
  const token = request.cookies[cookieNames(app.appConfig.secureCookies).session];
  return token !== undefined && secretsEqual(sent, deriveCsrfToken(token));
}

/**
 * The session ended while a form was being filled in: instead of refusing the post,
 * what was typed is kept for its user (never a password, form-drafts.ts) and the login
 * page says why; after logging in, /resume offers to send it on.
 */
async function keepEndedSessionForm(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const token = request.cookies[cookieNames(app.appConfig.secureCookies).session]!;
  const fields = request.routeOptions.config.public ? undefined : draftFields(request.body);
  const userId = fields ? await sessionOwner(app.store.db, token) : undefined;
  const now = app.clock.now();
  const sealed =
    fields && userId
      ? sealFormDraft(app.keys.formDraft, userId, {
          path: request.url,
          fields,
          expiresAt: new Date(now.getTime() + FORM_DRAFT_MS),
        })
      : undefined;
  if (!sealed) return reply.redirect('/login?expired=1', 303);
  reply.setCookie(formDraftCookieName(app.appConfig.secureCookies), sealed, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.appConfig.secureCookies,
    maxAge: FORM_DRAFT_MS / 1000,
  });
  return reply.redirect(`/login?expired=1&kept=1&next=${encodeURIComponent(RESUME_PATH)}`, 303);
}

/** Where a kept form is offered back after the login. */
export const RESUME_PATH = '/resume';

function sendCsrfRefusal(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendPage(
    reply,
    <Layout title="エラー" auth={null} csrfToken={request.csrfToken} errors={[{ id: 'error.csrf' }]}>
      <p>
        <a href="/">TOPへ戻る</a>
      </p>
    </Layout>,
    403,
  );
}
