import type { FastifyInstance, InjectOptions } from 'fastify';
import type { KyselyPlugin } from 'kysely';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Store } from '../../src/db/connect.js';
import { deriveCsrfToken, SESSION_COOKIE } from '../../src/features/auth/plugin.js';
import type { User } from '../../src/features/users/model.js';
import { FakeClock } from '../../src/lib/clock.js';
import { japanDate } from '../../src/lib/japan-time.js';
import {
  createOperatorWithAdmins,
  createOperatorWithUser,
  DEFAULT_PASSWORD,
  type UserValues,
} from './factories.js';
import { openTestStore, type StoreKind, storeKinds } from './stores.js';

export * from './factories.js';

/** 2026-04-01 10:00 in Japan. */
export const TEST_START = '2026-04-01T01:00:00.000Z';

export interface TestContext {
  kind: StoreKind;
  app: FastifyInstance;
  store: Store;
  clock: FakeClock;
  config: Config;
  close(): Promise<void>;
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  // Tests share 127.0.0.1: the login rate limit has its own test with a low limit.
  return {
    ...loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    loginRateLimitPerMinute: 100_000,
    ...overrides,
  };
}

/**
 * A fresh database and app for one test file. With `plugin`, the app's queries pass through
 * it (to record or count them); `store` stays the plain one, for the test's own set-up.
 */
export async function createTestContext(
  kind: StoreKind,
  overrides: Partial<Config> = {},
  options: { plugin?: KyselyPlugin } = {},
): Promise<TestContext> {
  const store = await openTestStore(kind);
  const clock = new FakeClock(TEST_START);
  const config = testConfig(overrides);
  const appStore = options.plugin ? { ...store, db: store.db.withPlugin(options.plugin) } : store;
  const app = await buildApp({ config, store: appStore, clock, logger: false });
  await app.ready();
  return {
    kind,
    app,
    store,
    clock,
    config,
    async close() {
      await app.close();
      await store.drop();
    },
  };
}

/**
 * A fresh database and app for the tests of one `describe` block on one store kind: the
 * returned object is filled before the first test and closed after the last.
 */
export function useTestContext(
  kind: StoreKind,
  skip: boolean,
  overrides: Partial<Config> = {},
  options: { plugin?: KyselyPlugin } = {},
): TestContext {
  const ctx = {} as TestContext;
  beforeAll(async () => {
    if (skip) return;
    Object.assign(ctx, await createTestContext(kind, overrides, options));
  });
  afterAll(async () => {
    await ctx.close?.();
  });
  return ctx;
}

/** What a test context is built with beyond the store: configuration and a query plugin. */
export interface TestContextSetup {
  config?: Partial<Config>;
  plugin?: KyselyPlugin;
}

/** The store a `describeOnStores` block runs on, and whether its tests are skipped there. */
export interface StoreRun {
  kind: StoreKind;
  skip: boolean;
}

/**
 * The tests of `body` once on each store kind (`describe.each(storeKinds)`), each run with
 * a test context of its own (`useTestContext`). `title` names the run with `$kind`.
 */
export function describeOnStores(title: string, body: (ctx: TestContext, run: StoreRun) => void): void;
export function describeOnStores(
  title: string,
  setup: TestContextSetup,
  body: (ctx: TestContext, run: StoreRun) => void,
): void;
export function describeOnStores(
  title: string,
  setupOrBody: TestContextSetup | ((ctx: TestContext, run: StoreRun) => void),
  maybeBody?: (ctx: TestContext, run: StoreRun) => void,
): void {
  const setup = typeof setupOrBody === 'function' ? {} : setupOrBody;
  const body = typeof setupOrBody === 'function' ? setupOrBody : maybeBody!;
  describe.each(storeKinds)(title, ({ kind, skip }) => {
    const ctx = useTestContext(kind, skip, setup.config, setup.plugin ? { plugin: setup.plugin } : {});
    body(ctx, { kind, skip });
  });
}

/** Puts the test clock back to `TEST_START` after each test (for tests that move it). */
export function resetClockAfterEach(ctx: Pick<TestContext, 'clock'>): void {
  afterEach(() => {
    ctx.clock?.set(TEST_START);
  });
}

export function todayInJapan(ctx: Pick<TestContext, 'clock'>): string {
  return japanDate(ctx.clock.now());
}

export interface Response {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
  location: string | undefined;
}

/**
 * A browser stand-in over `app.inject`: keeps cookies, and sends the CSRF token that
 * the pages of its session carry (unless a test says otherwise).
 */
export class Agent {
  readonly cookies = new Map<string, string>();
  constructor(readonly app: FastifyInstance) {}

  get csrfToken(): string {
    const key = this.cookies.get(SESSION_COOKIE) ?? this.cookies.get('cmus_pre');
    return key ? deriveCsrfToken(key) : '';
  }

  get sessionToken(): string | undefined {
    return this.cookies.get(SESSION_COOKIE);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(setCookie: string | string[] | number | undefined): void {
    if (setCookie === undefined || typeof setCookie === 'number') return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=thu, 01 jan 1970/i.test(a) || /^\s*max-age=0/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send({ method: 'GET', url, headers: { cookie: this.cookieHeader(), ...headers } });
  }

  /** Posts a url-encoded form; arrays become repeated fields; `_csrf` is added unless given. */
  async post(url: string, form: Record<string, string | string[] | undefined> = {}): Promise<Response> {
    if (!this.cookies.has(SESSION_COOKIE) && !this.cookies.has('cmus_pre')) await this.get('/login');
    const params = new URLSearchParams();
    const withToken = '_csrf' in form ? form : { ...form, _csrf: this.csrfToken };
    for (const [k, v] of Object.entries(withToken)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
    }
    return this.send({
      method: 'POST',
      url,
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: params.toString(),
    });
  }

  /** Follows a 303 as a browser does after a post (Post/Redirect/Get): a GET of its Location. */
  async follow(res: Response): Promise<Response> {
    if (res.statusCode !== 303 || !res.location) return res;
    return this.get(res.location);
  }

  /** One request through `inject`, keeping the cookies it sets. */
  private async send(options: InjectOptions): Promise<Response> {
    const res = await this.app.inject(options);
    this.remember(res.headers['set-cookie']);
    return {
      statusCode: res.statusCode,
      headers: res.headers,
      body: res.body,
      location: res.headers.location as string | undefined,
    };
  }
}

/** Logs a user in through the login form and returns its agent. */
export async function loginAs(
  ctx: Pick<TestContext, 'app'>,
  user: Pick<User, 'userId'>,
  password = DEFAULT_PASSWORD,
): Promise<Agent> {
  const agent = new Agent(ctx.app);
  await agent.get('/login');
  const res = await agent.post('/login', { userId: user.userId, password });
  if (res.statusCode !== 303) throw new Error(`login of ${user.userId} failed with ${res.statusCode}`);
  return agent;
}

/** An operator with its two admins, the admin logged in. */
export async function setupOperator(
  ctx: TestContext,
): Promise<Awaited<ReturnType<typeof createOperatorWithAdmins>> & { agent: Agent }> {
  const world = await createOperatorWithAdmins(ctx);
  return { ...world, agent: await loginAs(ctx, world.admin) };
}

/**
 * An operator with its two admins and a general user (`values` for the user), the admin
 * logged in: the start of most user-management tests.
 */
export async function setupOperatorWithUser(
  ctx: TestContext,
  values: Omit<UserValues, 'operatorCode'> = {},
): Promise<Awaited<ReturnType<typeof createOperatorWithUser>> & { agent: Agent }> {
  const world = await createOperatorWithUser(ctx, values);
  return { ...world, agent: await loginAs(ctx, world.admin) };
}
