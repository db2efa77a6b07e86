import { monitorEventLoopDelay } from 'node:perf_hooks';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { Store } from '../../src/db/connect.js';
import type { User } from '../../src/features/users/model.js';
import { FakeClock } from '../../src/lib/clock.js';
import {
  Agent,
  createOperatorWithAdmins,
  createUser,
  DEFAULT_PASSWORD,
  loginAs,
  TEST_START,
  type TestContext,
  testConfig,
} from '../helpers/context.js';
import { openTestStore, type StoreKind, storeKinds } from '../helpers/stores.js';
import { issueToken, sessionIdOf } from '../helpers/users-manage.js';
import { type FuzzRequest, type Role, requestArb } from './arbitraries.js';
import { type Binding, describeRequest, type Materialized, materialize } from './requests.js';
import { discoverRoutes, type FuzzRoute } from './routes.js';

/**
 * The route fuzz (hardening issue, SPEC D-18, D-19): generated requests against every route
 * the app registers, as an anonymous visitor, a general user and an admin, on SQLite and
 * PostgreSQL. After every request:
 *   - no 5xx, no error in the app's log, an answer within REQUEST_TIMEOUT_MS (D-19: input
 *     is parsed totally);
 *   - a GET writes nothing (D-18; the CSV export, which is audited, is a POST);
 *   - a refused request (4xx) changes no user and no table's row count (rate limits
 *     aside), and records at most two audit records, failures only (§6 records refused
 *     actions' outcome); a failed login may count, lock, record the lock and queue its
 *     notice (§4.11, D-17);
 *   - nobody changes users outside their reach (§2): another operator's users never, a
 *     general user only themself; only an admin's actions queue mail.
 * GET /healthz must answer 200 after the run.
 *
 * FUZZ_RUNS (default 2000) requests per store; FUZZ_SEED (and FUZZ_PATH) replay a run;
 * FUZZ_KEEP_GOING=1 keeps going past failures and lists every distinct one at the end (no
 * shrinking); FUZZ_VERBOSE=1 prints the statuses per method and route.
 */

const TOTAL_RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const LONG_MODE = TOTAL_RUNS > 2000;
const KEEP_GOING = process.env.FUZZ_KEEP_GOING === '1';
/**
 * `npm test` (no FUZZ_RUNS) replays one fixed seed, so that a run of the suite is
 * repeatable; `npm run fuzz` draws a new seed each time to look further.
 */
const SEED =
  process.env.FUZZ_SEED !== undefined
    ? Number(process.env.FUZZ_SEED)
    : process.env.FUZZ_RUNS === undefined
      ? 20_261_129
      : undefined;
const PATH = process.env.FUZZ_PATH;

const ROLE_SHARE: Record<Role, number> = { anonymous: 0.25, general: 0.3, admin: 0.45 };
const ROLES: Role[] = ['anonymous', 'general', 'admin'];

/** Generation stops after this (the runs done count; shrinking has its own budget). */
function timeBudgetMs(runs: number): number {
  if (process.env.FUZZ_TIME_BUDGET_MS) return Number(process.env.FUZZ_TIME_BUDGET_MS);
  return LONG_MODE ? Math.max(120_000, runs * 60) : 40_000;
}
const SHRINK_BUDGET_MS = LONG_MODE ? 60_000 : 12_000;
/** A request (with the checks around it) that takes longer has hung the app: a failure, and the end of the run. */
const REQUEST_TIMEOUT_MS = Number(process.env.FUZZ_REQUEST_TIMEOUT_MS ?? 30_000);

const TIMED_OUT = Symbol('timed out');

function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

interface LogEntry {
  level: number;
  reqId?: string;
  msg?: string;
  err?: { type?: string; message?: string; stack?: string };
}

interface FuzzWorld {
  kind: StoreKind;
  /** The same app and store as a TestContext, for the shared helpers. */
  ctx: TestContext;
  /** Every table but the rate limiter's, whose counters any request may move (D-18). */
  tables: string[];
  app: FastifyInstance;
  store: Store & { drop(): Promise<void> };
  clock: FakeClock;
  logs: LogEntry[];
  /** Set when a request hung the app: later runs would only wait on it too. */
  hung?: string;
  routes: FuzzRoute[];
  operators: { admin: string; general: string; other: string };
  users: { admin: User[]; general: User[]; other: User[] };
  actors: { admin: Agent; general: Agent; anonymous: Agent };
  actorUsers: { admin: User; general: User };
  /** The session cookie's name, as the app set it at login. */
  sessionCookie: string;
  /** A CSRF token that is valid for another browser (refused for the fuzz's own). */
  otherCsrf: string;
}

/** A fresh database and app whose logger keeps the errors it logs, for one store kind. */
function useFuzzWorld(kind: StoreKind, skip: boolean): FuzzWorld {
  const world = {} as FuzzWorld;
  beforeAll(async () => {
    if (skip) return;
    const store = await openTestStore(kind);
    const clock = new FakeClock(TEST_START);
    const logs: LogEntry[] = [];
    const config = testConfig();
    const app = await buildApp({
      config,
      store,
      clock,
      logger: {
        level: 'error',
        stream: {
          write(line: string) {
            try {
              logs.push(JSON.parse(line) as LogEntry);
            } catch {
              logs.push({ level: 60, msg: line });
            }
          },
        },
      },
    });
    await app.ready();
    const ctx = { store, clock, app };

    // The admin's operator: every state a target can be in (SPEC §3).
    const a = await createOperatorWithAdmins(ctx);
    const aCode = a.operator.operatorCode;
    const adminUsers = [
      a.admin,
      a.otherAdmin,
      await createUser(ctx, { operatorCode: aCode, phone: '03-1234-5678' }),
      await createUser(ctx, { operatorCode: aCode, userName: 'ｶﾞｲﾄﾞ 三郎' }),
      // Data the CSV export must neutralise (D-10) or cannot write in CP932.
      await createUser(ctx, { operatorCode: aCode, userName: '𠮷野 太郎', department: '=SUM(A1)' }),
      await createUser(ctx, { operatorCode: aCode, locked: true }),
      await createUser(ctx, { operatorCode: aCode, deleted: true }),
      await createUser(ctx, { operatorCode: aCode, enabled: false }),
      await createUser(ctx, {
        operatorCode: aCode,
        temporary: true,
        temporaryPasswordExpiresAt: '2026-04-03T14:59:59.000Z',
      }),
    ];
    // The general user's operator.
    const g = await createOperatorWithAdmins(ctx);
    const gCode = g.operator.operatorCode;
    const general = await createUser(ctx, { operatorCode: gCode });
    const generalUsers = [
      general,
      g.admin,
      g.otherAdmin,
      await createUser(ctx, { operatorCode: gCode, locked: true }),
      await createUser(ctx, { operatorCode: gCode, deleted: true }),
    ];
    // Another operator, whose users nobody here may touch.
    const o = await createOperatorWithAdmins(ctx);
    const otherUsers = [
      o.admin,
      o.otherAdmin,
      await createUser(ctx, { operatorCode: o.operator.operatorCode }),
    ];

    // Log in before any fuzzing: an anonymous run may lock these users later.
    const adminAgent = await loginAs(ctx, a.admin);
    const generalAgent = await loginAs(ctx, general);
    const anonymous = new Agent(app);
    await anonymous.get('/login');
    const stranger = new Agent(app);
    await stranger.get('/login');
    const sessionCookie = [...adminAgent.cookies].find(([, v]) => v === adminAgent.sessionToken)?.[0];
    if (!sessionCookie) throw new Error('no session cookie after login');

    const tables = (await store.db.introspection.getTables())
      .map((t) => t.name)
      .filter((name) => name !== 'rate_limits' && !name.startsWith('kysely_'));
    Object.assign(world, {
      kind,
      ctx: { kind, app, store, clock, config, close: async () => {} },
      tables,
      app,
      store,
      clock,
      logs,
      routes: discoverRoutes(app),
      operators: { admin: aCode, general: gCode, other: o.operator.operatorCode },
      users: { admin: adminUsers, general: generalUsers, other: otherUsers },
      actors: { admin: adminAgent, general: generalAgent, anonymous },
      actorUsers: { admin: a.admin, general },
      sessionCookie,
      otherCsrf: stranger.csrfToken,
    } satisfies FuzzWorld);
  });
  afterAll(async () => {
    await world.app?.close();
    await world.store?.drop();
  });
  return world;
}

/** What a request may not change, read cheaply (a few dozen users, one count per table). */
interface Fingerprint {
  users: Map<string, { row: string; withoutLoginCounters: string; operator: string }>;
  audit: Map<string, number>;
  /** Rows per table. */
  counts: Map<string, number>;
}

async function fingerprint(world: FuzzWorld): Promise<Fingerprint> {
  const db = world.store.db;
  const rows = await db.selectFrom('users').selectAll().orderBy('user_id').execute();
  const users = new Map<string, { row: string; withoutLoginCounters: string; operator: string }>();
  for (const r of rows) {
    const { failed_login_count: _count, locked: _locked, ...rest } = r;
    users.set(r.user_id, {
      row: JSON.stringify(r),
      withoutLoginCounters: JSON.stringify(rest),
      operator: r.operator_code,
    });
  }
  const auditRows = await db
    .selectFrom('audit_records')
    .select(['action', 'outcome', (eb) => eb.fn.countAll<string | number>().as('n')])
    .groupBy(['action', 'outcome'])
    .execute();
  const audit = new Map(auditRows.map((r) => [`${r.action}/${r.outcome}`, Number(r.n)]));
  const { rows: counted } = await sql<Record<string, string | number>>`select ${sql.join(
    world.tables.map((t) => sql`(select count(*) from ${sql.table(t)}) as ${sql.ref(t)}`),
  )}`.execute(db);
  const counts = new Map(world.tables.map((t) => [t, Number(counted[0]![t])]));
  return { users, audit, counts };
}

/** Audit actions only an admin can cause (SPEC §2 rows 1, 2, 4). */
const ADMIN_ACTIONS = new Set([
  'register',
  'change',
  'delete',
  'bulkDelete',
  'unlock',
  'reissuePassword',
  'bulkRegister',
  'operatorAdd',
]);

interface Outcome {
  status: number;
  errors: LogEntry[];
}

/** The rules every response must keep; returns what it broke. */
function violations(
  world: FuzzWorld,
  role: Role,
  m: Materialized,
  outcome: Outcome,
  before: Fingerprint,
  after: Fingerprint,
): string[] {
  const found: string[] = [];
  const { status } = outcome;
  if (status >= 500) found.push(`answered ${status}`);
  for (const e of outcome.errors) found.push(`logged an error: ${logText(e)}`);

  const read = m.method === 'GET' || m.method === 'HEAD' || m.method === 'OPTIONS';
  const refused = status >= 400;
  const mayWrite = !read && !refused;
  const selfId = role === 'general' ? world.actorUsers.general.userId : undefined;
  const mayChange = (operator: string, id: string) =>
    mayWrite && ((role === 'admin' && operator === world.operators.admin) || id === selfId);

  // Audit (SPEC §6): append only; a refusal may record its failure, a GET nothing.
  const added: [string, number][] = [];
  for (const key of new Set([...before.audit.keys(), ...after.audit.keys()])) {
    const d = (after.audit.get(key) ?? 0) - (before.audit.get(key) ?? 0);
    if (d < 0) found.push(`audit records ${key} removed`);
    if (d > 0) added.push([key, d]);
  }
  // A login attempt (whatever its path looked like: /./login reaches the same route) is
  // recognised by its audit record.
  const loginAttempt = m.method === 'POST' && added.some(([key]) => key.startsWith('login/'));
  // Users (SPEC §2, D-18): a failed login may count and lock, nothing else changes them.
  for (const id of new Set([...before.users.keys(), ...after.users.keys()])) {
    const b = before.users.get(id);
    const a = after.users.get(id);
    const same = loginAttempt ? b?.withoutLoginCounters === a?.withoutLoginCounters : b?.row === a?.row;
    if (!same && !mayChange((a ?? b)!.operator, id)) {
      found.push(`user ${id} changed: ${changedColumns(b?.row, a?.row)}`);
    }
  }
  // Other tables (D-18): a GET and a refusal write nothing; a failed login that locks
  // queues the lock notice (D-17); otherwise only an admin's actions mail.
  const locked = loginAttempt && added.some(([key]) => key === 'lock/success');
  for (const table of world.tables) {
    if (table === 'users' || table === 'audit_records') continue;
    const b = before.counts.get(table) ?? 0;
    const a = after.counts.get(table) ?? 0;
    if (a === b) continue;
    const allowed =
      table === 'mail_outbox'
        ? a > b && (locked || (mayWrite && role === 'admin'))
        : table !== 'operators' && mayWrite;
    if (!allowed) found.push(`${table} rows ${b} → ${a}`);
  }

  for (const [key, n] of added) {
    const [action, result] = key.split('/') as [string, string];
    if (read) {
      found.push(`a ${m.method} recorded audit ${key} ×${n}`);
    } else if (refused && result !== 'failure' && !(loginAttempt && action === 'lock')) {
      found.push(`a refused request recorded audit ${key} ×${n}`);
    } else if (role !== 'admin' && ADMIN_ACTIONS.has(action) && result === 'success') {
      found.push(`a ${role} request recorded audit ${key}`);
    }
  }
  if (refused && added.reduce((s, [, n]) => s + n, 0) > 2) {
    found.push(`a refused request recorded ${added.map(([k, n]) => `${k}×${n}`).join(', ')}`);
  }
  return found;
}

function changedColumns(before: string | undefined, after: string | undefined): string {
  if (!before || !after) return before ? 'removed' : 'added';
  const b = JSON.parse(before) as Record<string, unknown>;
  const a = JSON.parse(after) as Record<string, unknown>;
  return Object.keys(a)
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k} ${JSON.stringify(b[k])} → ${JSON.stringify(a[k])}`)
    .join(', ');
}

function logText(e: LogEntry): string {
  const text = e.err ? `${e.err.type ?? 'Error'}: ${e.err.message ?? ''}` : (e.msg ?? '');
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** One distinct problem: the signature groups repeats of the same bug. */
interface Problem {
  signature: string;
  count: number;
  example: string;
  size: number;
}

function signatureOf(m: Materialized, status: number, found: string[], errors: LogEntry[]): string {
  const what = status >= 500 ? `${status}` : found[0]!.replace(/U[0-9]{9}/g, 'U…').replace(/[0-9]+/g, 'N');
  const error = errors[0] ? errorKey(logText(errors[0])) : '';
  return `${m.method} ${m.routePattern} → ${what}${error ? ` | ${error}` : ''}`;
}

/** The gist of a logged error: a ZodError by its first issue, anything else without numbers. */
function errorKey(text: string): string {
  if (text.startsWith('ZodError')) {
    const code = /"code": "([a-z_]+)"/.exec(text)?.[1] ?? '?';
    const path = /"path": \[ ?([^\]]*?) ?\]/.exec(text)?.[1] ?? '';
    const received = /received ([a-z]+)/.exec(text)?.[1];
    return `ZodError ${code} at [${path}]${received ? ` (received ${received})` : ''}`;
  }
  return text.replace(/[0-9]+/g, 'N').slice(0, 160);
}

/** Runs the fuzz of one role and returns a summary line; throws with every problem found. */
async function fuzzRole(world: FuzzWorld, role: Role, runs: number): Promise<string> {
  if (world.hung)
    throw new Error(`not run: the app hung in an earlier test of this store on\n      ${world.hung}`);
  const { app, store, routes } = world;
  const agent = world.actors[role];
  const actor = role === 'anonymous' ? undefined : world.actorUsers[role];
  const own =
    role === 'admin' ? world.users.admin : role === 'general' ? world.users.general : world.users.admin;
  const other =
    role === 'admin'
      ? [...world.users.general, ...world.users.other]
      : role === 'general'
        ? [...world.users.admin, ...world.users.other]
        : world.users.other;
  const actorHash = actor
    ? (
        await store.db
          .selectFrom('users')
          .select('password_hash')
          .where('user_id', '=', actor.userId)
          .executeTakeFirstOrThrow()
      ).password_hash
    : undefined;
  const problems = new Map<string, Problem>();
  const statuses = new Map<number, number>();
  const hitRoutes = new Set<string>();
  /** `METHOD pattern` → status → count, printed with FUZZ_VERBOSE=1. */
  const perRoute = new Map<string, Map<number, number>>();
  let sent = 0;
  let posts = 0;
  let validCsrfPosts = 0;
  let slowest = { ms: 0, what: '' };
  let slowestStep = 0;
  let firstFailureAt: number | undefined;
  let resumedSessions = 0;
  /** Set when the harness itself wrote (a resumed session, a real action token) since `before`. */
  let stale = false;

  /** The role's session survives a logout, a password change or a login as someone else. */
  async function ensureSession(): Promise<void> {
    if (!actor) return;
    if (agent.sessionToken) {
      const row = await store.db
        .selectFrom('sessions')
        .select('id')
        .where('id', '=', sessionIdOf(agent))
        .executeTakeFirst();
      if (row) return;
    }
    // Lost: the actor is put back as seeded (the fuzz may have locked it or changed its
    // password) and logs in again, as a browser would.
    await store.db
      .updateTable('users')
      .set({
        password_hash: actorHash!,
        password_is_temporary: 0,
        temporary_password_expires_at: null,
        locked: 0,
        failed_login_count: 0,
      })
      .where('user_id', '=', actor.userId)
      .execute();
    const fresh = await loginAs(world.ctx, actor);
    agent.cookies.clear();
    for (const [k, v] of fresh.cookies) agent.cookies.set(k, v);
    resumedSessions += 1;
    stale = true;
  }

  const binding = (): Binding => ({
    role,
    cookies: agent.cookies,
    sessionCookie: world.sessionCookie,
    csrf: agent.csrfToken,
    otherCsrf: world.otherCsrf,
    selfId: actor?.userId ?? own[2]!.userId,
    ownIds: own.map((u) => u.userId),
    otherIds: other.map((u) => u.userId),
    ownOperator: role === 'general' ? world.operators.general : world.operators.admin,
    otherOperator: world.operators.other,
    password: DEFAULT_PASSWORD,
    async actionToken(purpose) {
      // Real one-time tokens let the admin's requests reach the actions themselves.
      if (role !== 'admin' || !purpose || !agent.sessionToken) return 'not-a-real-token-000000000000000';
      stale = true; // (tokens used to be rows; whatever issuing writes is not the request's doing)
      return await issueToken(world.ctx, agent, purpose);
    },
  });

  const budget = timeBudgetMs(runs);
  const deadline = Date.now() + budget;
  let before = await fingerprint(world);

  type Found = { signature: string; example: string; size: number };

  /** One request and the checks around it; returns what it broke, if anything. */
  async function step(req: FuzzRequest, current: { what: string }): Promise<Found | undefined> {
    await ensureSession();
    const route = routes[req.route]!;
    const m = await materialize(req, route, binding());
    current.what = describeRequest(m);
    if (m.method === 'POST') posts += 1;
    if (m.validCsrf && m.method === 'POST') validCsrfPosts += 1;
    if (stale) before = await fingerprint(world);
    stale = false;
    world.logs.length = 0;
    const started = performance.now();
    const res = await app.inject({
      method: m.method as 'GET',
      url: m.url,
      headers: m.headers,
      payload: m.payload,
    });
    const ms = performance.now() - started;
    sent += 1;
    hitRoutes.add(route.pattern);
    const routeKey = `${m.method} ${route.pattern}`;
    const byStatus = perRoute.get(routeKey) ?? new Map<number, number>();
    byStatus.set(res.statusCode, (byStatus.get(res.statusCode) ?? 0) + 1);
    perRoute.set(routeKey, byStatus);
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (ms > slowest.ms) slowest = { ms, what: `${m.method} ${m.routePattern} ${m.payload?.length ?? 0} B` };
    const errors = world.logs.filter((e) => e.level >= 50);
    const after = await fingerprint(world);
    const found = violations(world, role, m, { status: res.statusCode, errors }, before, after);
    before = after;
    if (found.length === 0) return undefined;
    return {
      signature: signatureOf(m, res.statusCode, found, errors),
      example: `${describeRequest(m)}\n      → ${res.statusCode}: ${found.join('; ')}`,
      size: m.url.length + (m.payload?.length ?? 0),
    };
  }

  const property = fc.asyncProperty(requestArb(routes, role), async (req: FuzzRequest) => {
    const now = Date.now();
    // Time bounds: stop generating after the budget, stop shrinking after its own.
    if (firstFailureAt === undefined ? now > deadline : now > firstFailureAt + SHRINK_BUDGET_MS) return;
    if (world.hung) return;
    const current = { what: '(before the request was built)' };
    const stepStarted = performance.now();
    const outcome = await within(step(req, current), REQUEST_TIMEOUT_MS);
    slowestStep = Math.max(slowestStep, performance.now() - stepStarted);
    let problem: Found | undefined;
    if (outcome === TIMED_OUT) {
      world.hung = `${current.what}\n      → no answer (request and checks) within ${REQUEST_TIMEOUT_MS} ms`;
      problem = { signature: `hang after ${REQUEST_TIMEOUT_MS} ms`, example: world.hung, size: 0 };
    } else {
      problem = outcome;
    }
    if (!problem) return;
    const known = problems.get(problem.signature);
    if (!known) problems.set(problem.signature, { ...problem, count: 1 });
    else {
      known.count += 1;
      if (problem.size < known.size) Object.assign(known, { example: problem.example, size: problem.size });
    }
    if (KEEP_GOING) return;
    firstFailureAt ??= Date.now();
    throw new Error(`[${world.kind}/${role}] ${problem.example}`);
  });

  const report = () =>
    [...problems.values()]
      .sort((x, y) => x.signature.localeCompare(y.signature))
      .map((p) => `  • ${p.signature} (×${p.count})\n      e.g. ${p.example}`)
      .join('\n');

  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  try {
    await fc.assert(property, { numRuns: runs, seed: SEED, path: PATH, endOnFailure: false });
  } catch (error) {
    const cause = error instanceof Error ? (error.cause ?? undefined) : undefined;
    // A broken rule is reported by its message; anything else (a bug of the harness) with its stack.
    const causeText =
      cause instanceof Error
        ? `\nGot: ${cause.message.startsWith(`[${world.kind}/`) ? cause.message : (cause.stack ?? cause.message)}`
        : '';
    const message = `${error instanceof Error ? error.message : String(error)}${causeText}`;
    const replay = /seed: (-?[0-9]+), path: "([0-9:]+)"/.exec(message);
    const hint = replay
      ? `\nReplay: FUZZ_SEED=${replay[1]} FUZZ_PATH=${replay[2]} FUZZ_RUNS=${TOTAL_RUNS} npx vitest run tests/fuzz/routes-${world.kind}.test.ts -t ${role}`
      : '';
    throw new Error(
      `${message}${hint}\n\nDistinct problems seen on ${world.kind} as ${role} (while searching and shrinking):\n${report()}`,
    );
  } finally {
    loop.disable();
  }
  if (problems.size > 0) {
    throw new Error(`Distinct problems on ${world.kind} as ${role} (FUZZ_KEEP_GOING):\n${report()}`);
  }
  const statusText = [...statuses]
    .sort(([x], [y]) => x - y)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  return (
    `[fuzz ${world.kind}/${role}] ${sent}/${runs} requests` +
    `${sent < runs ? ' (time budget reached)' : ''}; POSTs ${posts} (valid CSRF ${validCsrfPosts}); ` +
    `routes ${hitRoutes.size}/${routes.length}; statuses ${statusText}; sessions resumed ${resumedSessions}; ` +
    `slowest ${slowest.ms.toFixed(0)} ms (${slowest.what}); ` +
    `slowest step with checks ${slowestStep.toFixed(0)} ms; longest event-loop stall ${(loop.max / 1e6).toFixed(0)} ms (machine load included)` +
    (process.env.FUZZ_VERBOSE === '1'
      ? `\n${[...perRoute]
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([k, v]) => `    ${k}: ${[...v].map(([st, n]) => `${st}×${n}`).join(' ')}`)
          .join('\n')}`
      : '')
  );
}

/** The fuzz of one store kind: a describe block with a test per role (skipped without the store). */
export function describeRouteFuzz(kind: StoreKind): void {
  describe.each(storeKinds.filter((s) => s.kind === kind))(
    'route fuzz (SPEC D-18, D-19) on $kind',
    ({ skip }) => {
      const world = useFuzzWorld(kind, skip);

      it.skipIf(skip)('reads the route list from the app', () => {
        const listed = world.routes.map((r) => `${r.methods.join(',')} ${r.pattern}`);
        expect(listed).toEqual(
          expect.arrayContaining([
            'GET,POST /login',
            'POST /logout',
            'GET /users',
            'GET /users/:param',
            'POST,GET /users/:param/change/confirm',
            'POST,GET /users/bulk-register/confirm',
            'GET /audit/export',
          ]),
        );
      });

      for (const role of ROLES) {
        const runs = Math.max(1, Math.round(TOTAL_RUNS * ROLE_SHARE[role]));
        const timeout = timeBudgetMs(runs) + SHRINK_BUDGET_MS + 30_000;
        it.skipIf(skip)(
          `as ${role}: ${runs} generated requests, no 5xx, refusals change nothing`,
          async () => {
            const summary = await fuzzRole(world, role, runs);
            console.log(summary);
          },
          timeout,
        );
      }

      it.skipIf(skip)('still answers /healthz with 200, and no other operator’s user changed', async () => {
        const res = await within(world.app.inject({ method: 'GET', url: '/healthz' }), REQUEST_TIMEOUT_MS);
        expect(res === TIMED_OUT ? 'no answer' : res.statusCode).toBe(200);
        const now = await world.store.db
          .selectFrom('users')
          .select([
            'user_id',
            'department',
            'user_name',
            'email',
            'enabled',
            'deleted',
            'version',
            'password_hash',
          ])
          .where('operator_code', '=', world.operators.other)
          .orderBy('user_id')
          .execute();
        expect(now.map((u) => [u.user_id, u.user_name, Number(u.deleted), Number(u.version)])).toEqual(
          world.users.other
            .map((u) => [u.userId, u.userName, 0, 1])
            .sort(([x], [y]) => String(x).localeCompare(String(y))),
        );
      });
    },
  );
}
