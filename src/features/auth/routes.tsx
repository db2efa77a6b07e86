import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FIELD_LABELS } from '../../lib/field-labels.js';
import { formatJapanDateTime } from '../../lib/japan-time.js';
import { builtAssetUrl } from '../../web/assets.js';
import { type InputSpec, inputMessage, one, readInput, requireInput } from '../../web/input.js';
import { Layout, type ShownMessage } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import { recordAudit } from '../audit/service.js';
import { loginFactorsOf } from './passkeys.js';
import { passkeyLoginRoutes } from './passkeys-routes.js';
import {
  challengeCookie,
  clearChallengeCookie,
  clearSessionCookie,
  setChallengeCookie,
  setSessionCookie,
} from './plugin.js';
import {
  changeOwnPassword,
  completeLoginWithCode,
  findLoginChallenge,
  LOGIN_CHALLENGE_MS,
  login,
} from './service.js';
import { deleteSession } from './sessions.js';
import { LoginCodePage, LoginPage, PasswordChangePage } from './views.js';

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

const CODE_FORM = {
  code: one('確認コード', 100),
} satisfies InputSpec;

const PASSWORD_CHANGE_FORM = {
  currentPassword: one('現在のパスワード', 1024),
  newPassword: one('新しいパスワード', 1024),
  confirmPassword: one('新しいパスワード（確認）', 1024),
} satisfies InputSpec;

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

function requestContext(app: FastifyInstance, request: FastifyRequest) {
  return { ip: request.ip, userAgent: request.headers['user-agent'] ?? '', now: app.clock.now() };
}

export async function authRoutes(app: FastifyInstance): Promise<void> {
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

  app.post(
    '/login',
    {
      config: {
        public: true,
        rateLimit: {
          max: app.appConfig.loginRateLimitPerMinute,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) => `login:${request.ip}`,
        },
      },
    },
    async (request, reply) => {
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
      return reply.redirect(result.user.passwordIsTemporary ? '/password' : safeNext(form.next), 303);
    },
  );

  /** The login page again with one message, the challenge cookie gone. */
  const backToLogin = (request: FastifyRequest, reply: FastifyReply, error: ShownMessage, status: number) => {
    clearChallengeCookie(app, reply);
    return sendPage(reply, <LoginPage csrfToken={request.csrfToken} errors={[error]} />, status);
  };

  /** The waiting login of this browser (reads only), or undefined. */
  const waitingLogin = async (request: FastifyRequest) => {
    const token = challengeCookie(app, request);
    return token
      ? findLoginChallenge(app.store.db, {
          challengeToken: token,
          preSessionId: request.preSessionId,
          now: app.clock.now(),
        })
      : undefined;
  };

  /** The code screen, offering the factors the waiting login's user has (code, passkey). */
  const codePage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    errors: ShownMessage[],
    status: number,
  ) => {
    const live = await waitingLogin(request);
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
  };

  app.get('/login/code', { config: { public: true } }, async (request, reply) => {
    if (request.auth) return reply.redirect('/', 303);
    const live = await waitingLogin(request);
    if (!live) return backToLogin(request, reply, { id: 'error.login.challengeExpired' }, 401);
    return codePage(request, reply, [], 200);
  });

  const afterLogin = (next: string | null, passwordIsTemporary: boolean) =>
    passwordIsTemporary ? '/password' : safeNext(next ?? undefined);
  await passkeyLoginRoutes(app, { codePage, backToLogin, afterLogin });

  app.post(
    '/login/code',
    {
      config: {
        public: true,
        rateLimit: {
          max: app.appConfig.loginRateLimitPerMinute,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) => `login:${request.ip}`,
        },
      },
    },
    async (request, reply) => {
      const input = readInput(request.body, CODE_FORM);
      const token = challengeCookie(app, request);
      if (!token) return backToLogin(request, reply, { id: 'error.login.challengeExpired' }, 401);
      const again = (errors: ShownMessage[], status: number) => codePage(request, reply, errors, status);
      if (!input.ok) return again(input.issues.map(inputMessage), 400);
      const code = input.values.code.trim();
      if (!code)
        return again([{ id: 'error.login.codeRequired', field: { id: 'code', label: '確認コード' } }], 400);
      const result = await completeLoginWithCode(app.store.db, {
        challengeToken: token,
        preSessionId: request.preSessionId,
        code,
        keys: { current: app.appConfig.secretsKey, previous: app.appConfig.secretsKeyPrevious },
        ...requestContext(app, request),
      });
      if (!result.ok) {
        if (result.retry) return again([{ id: result.reason }], 401);
        return backToLogin(request, reply, { id: result.reason }, 401);
      }
      if (request.auth) await deleteSession(app.store.db, request.auth.session.id);
      clearChallengeCookie(app, reply);
      setSessionCookie(app, reply, result.token);
      return reply.redirect(afterLogin(result.next, result.user.passwordIsTemporary), 303);
    },
  );

  app.post('/logout', { config: { public: true, allowTemporaryPassword: true } }, async (request, reply) => {
    if (request.auth) {
      const { user, session } = request.auth;
      await app.store.db.transaction().execute(async (tx) => {
        await deleteSession(tx, session.id);
        await recordAudit(tx, {
          at: app.clock.now(),
          action: 'logout',
          outcome: 'success',
          actorUserId: user.userId,
          operatorCode: user.operatorCode,
          ip: request.ip,
          targetUserId: user.userId,
        });
      });
    }
    clearSessionCookie(app, reply);
    return reply.redirect('/login?loggedOut=1', 303);
  });

  app.get('/password', { config: { allowTemporaryPassword: true } }, async (request, reply) => {
    const auth = request.auth!;
    const ctx = pageContext(request);
    return sendPage(
      reply,
      <PasswordChangePage
        csrfToken={ctx.csrfToken}
        auth={ctx.auth!}
        forced={auth.user.passwordIsTemporary}
      />,
    );
  });

  app.post(
    '/password',
    {
      config: {
        allowTemporaryPassword: true,
        // The current password is checked here too: no guessing it at speed from a session.
        rateLimit: {
          max: app.appConfig.loginRateLimitPerMinute,
          timeWindow: 60_000,
          keyGenerator: (request: FastifyRequest) => `password:${request.auth?.user.userId ?? request.ip}`,
        },
      },
    },
    async (request, reply) => {
      const auth = request.auth!;
      const form = requireInput(request.body, PASSWORD_CHANGE_FORM);
      const result = await changeOwnPassword(app.store.db, {
        user: auth.user,
        sessionId: auth.session.id,
        previousLogin: auth.session.previousLogin ?? null,
        ...form,
        ...requestContext(app, request),
      });
      if (!result.ok) {
        const ctx = pageContext(request);
        return sendPage(
          reply,
          <PasswordChangePage
            csrfToken={ctx.csrfToken}
            auth={ctx.auth!}
            forced={auth.user.passwordIsTemporary}
            errors={result.errors}
          />,
          400,
        );
      }
      setSessionCookie(app, reply, result.token);
      return reply.redirect('/?passwordChanged=1', 303);
    },
  );
}

/** The TOP page and the 参加登録 link page (SPEC §4, manual ch. 3 ①). */
export async function topRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { passwordChanged?: string } }>('/', async (request, reply) => {
    const previous = request.auth?.session.previousLogin;
    return sendPage(
      reply,
      <Layout
        {...pageContext(request)}
        title="TOP"
        infos={request.query.passwordChanged ? [{ id: 'info.password.changed' }] : []}
      >
        {/* A user who did not log in at that time or from that address notices misuse. */}
        <p class="previous-login" data-previous-login>
          前回ログイン:{' '}
          {previous
            ? `${formatJapanDateTime(previous.at)}（接続元: ${previous.ip || '不明'}）`
            : 'なし（今回が初めてのログインです）'}
        </p>
        <section class="link-panel">
          <h2>参加登録</h2>
          <ul>
            <li>
              <a href="/users">ユーザ情報管理</a>
            </li>
            {request.auth?.user.role === 'admin' ? (
              <li>
                <a href="/audit">監査ログ</a>
              </li>
            ) : null}
          </ul>
        </section>
        <section class="link-panel">
          <h2>アカウント</h2>
          <ul>
            <li>
              <a href="/account">アカウント設定</a>
            </li>
          </ul>
        </section>
      </Layout>,
    );
  });

  app.get('/participation', async (request, reply) => {
    return sendPage(
      reply,
      <Layout {...pageContext(request)} title="参加登録" breadcrumbs={[{ label: '参加登録' }]}>
        <section class="link-panel">
          <ul>
            <li>
              <a href="/users">ユーザ情報管理</a>
            </li>
          </ul>
        </section>
      </Layout>,
    );
  });
}
