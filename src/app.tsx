import crypto from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';
import { pingStore, type Store } from './db/connect.js';
import { deriveKey, loadServerKey } from './db/server-keys.js';
import { accountRoutes } from './features/account/routes.js';
import { auditRoutes } from './features/audit/routes.js';
import { authRoutes } from './features/auth/routes.js';
import { sessionRoutes } from './features/auth/session-routes.js';
import { topRoutes } from './features/auth/top-routes.js';
import { configureNotices } from './features/mail/notices.js';
import { userManageRoutes } from './features/users/manage-routes.js';
import { userListRoutes } from './features/users/search/routes.js';
import { type Clock, systemClock } from './lib/clock.js';
import './features/auth/request-context.js';
import { securityPlugin } from './features/auth/plugin.js';
import { ASSETS_DIR } from './web/assets.js';
import { sendErrorPage } from './web/error-page.js';
import { BadInput, inputMessage } from './web/input.js';
import { databaseRateLimitStore } from './web/rate-limit-store.js';
import { useSecurityHeaders } from './web/security-headers.js';

export interface AppOptions {
  config: Config;
  store: Store;
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
}

const TOP = { href: '/', label: 'TOPへ戻る' };
const LOGIN = { href: '/login', label: 'ログイン画面へ戻る' };

function trustHops(hops: number) {
  return (_address: string, hop: number) => hop < hops;
}

/** Builds the whole web application; tests build it too and talk to it with `inject`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = createServer(options);
  configureNotices({ loginUrl: options.config.loginUrl });
  await decorateKeys(app);
  await registerPlugins(app);
  // Handlers first: Fastify binds the error handler to the routes registered after it.
  setErrorHandlers(app);
  await registerRoutes(app);
  return app;
}

/** The Fastify instance and what every part of the app reads from it. */
function createServer(options: AppOptions): FastifyInstance {
  const { config } = options;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // SPEC D-21: a hop count trusts that many proxies in front, counted from this server
    // (proxy-addr's `(address, hop) => hop < n`); addresses trust those peers only.
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    genReqId: () => crypto.randomUUID(),
    // No implicit HEAD routes: a HEAD on an export must not run the export and audit it.
    exposeHeadRoutes: false,
  });
  app.decorate('store', options.store);
  app.decorate('clock', options.clock ?? systemClock);
  app.decorate('appConfig', config);
  return app;
}

/** The keys derived from the server key (APP_SECRET, or one kept in the database). */
async function decorateKeys(app: FastifyInstance): Promise<void> {
  const serverKey = app.appConfig.appSecret
    ? Buffer.from(app.appConfig.appSecret, 'utf8')
    : await loadServerKey(app.store.db, 'app', app.clock.now());
  app.decorate('keys', {
    preSession: deriveKey(serverKey, 'pre-session cookie'),
    actionToken: deriveKey(serverKey, 'confirmation token'),
    formDraft: deriveKey(serverKey, 'form draft'),
  });
}

/** Security headers, body parsers, the rate limit's store, the assets and the session plugin. */
async function registerPlugins(app: FastifyInstance): Promise<void> {
  useSecurityHeaders(app, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        objectSrc: ["'none'"],
      },
    },
    strictTransportSecurity: app.appConfig.secureCookies,
    referrerPolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
  });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 256 * 1024 });
  await app.register(multipart, { limits: { fileSize: 1024 * 1024, files: 1, fields: 10 } });
  await app.register(rateLimit, {
    global: false,
    store: databaseRateLimitStore(app.store, app.clock),
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error('rate limited'), { statusCode: context.statusCode, rateLimited: true }),
  });
  await registerAssets(app);
  await app.register(securityPlugin);

  // Pages show personal data: never let a shared cache or the back-forward cache keep them.
  // Set when the request arrives (no route sets its own), in a hook without a promise.
  app.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith('/assets/')) reply.header('Cache-Control', 'no-store');
    done();
  });
}

/**
 * Styles and scripts are for everyone: the login and first password screens need them
 * too. They carry no session work at all (no cookie, no query), and their URLs carry a
 * fingerprint of the content (src/web/assets.ts), so browsers keep them for a year.
 */
async function registerAssets(app: FastifyInstance): Promise<void> {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/assets/')) route.config = { ...route.config, public: true, asset: true };
  });
  await app.register(fastifyStatic, {
    root: ASSETS_DIR,
    prefix: '/assets/',
    maxAge: '365d',
    immutable: true,
  });
}

/** 404, and every error as the one error page: a 5xx shows only the request ID. */
function setErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler(async (request, reply) => {
    return sendErrorPage(request, reply, 404, [{ id: 'error.notFound' }], TOP);
  });

  app.setErrorHandler(
    async (error: Error & { statusCode?: number; rateLimited?: boolean }, request, reply) => {
      const status = error.statusCode ?? 500;
      // A visitor without a session goes back to the login page, which they can open.
      const back = request.auth ? TOP : LOGIN;
      if (error.rateLimited || status === 429) {
        return sendErrorPage(request, reply, 429, [{ id: 'error.login.rateLimited' }], back);
      }
      if (status >= 500) {
        // The page shows only the request ID; the detail goes to the log under the same ID.
        request.log.error({ err: error, requestId: request.id }, 'request failed');
        const internal = { id: 'error.internal', params: { requestId: request.id } } as const;
        return sendErrorPage(request, reply, 500, [internal], TOP);
      }
      if (error instanceof BadInput) {
        // SPEC D-19: a wrongly shaped field is a 400 page naming it, never a 500.
        request.log.info({ statusCode: 400, fields: error.issues.map((i) => i.field) }, 'input refused');
        return sendErrorPage(request, reply, 400, error.issues.map(inputMessage), back);
      }
      request.log.info({ statusCode: status, code: (error as { code?: string }).code }, 'request refused');
      return sendErrorPage(request, reply, status, [{ id: 'error.form.invalid' }], TOP);
    },
  );
}

/** The health check and every feature's routes. */
async function registerRoutes(app: FastifyInstance): Promise<void> {
  app.get('/healthz', { config: { public: true } }, async (_request, reply) => {
    const ok = await pingStore(app.store);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable' });
  });

  await app.register(authRoutes);
  await app.register(sessionRoutes);
  await app.register(topRoutes);
  await app.register(userListRoutes);
  await app.register(userManageRoutes);
  await app.register(auditRoutes);
  await app.register(accountRoutes);
}
