import { expect, it } from 'vitest';
import { issueReceipt } from '../../src/features/users/action-tokens.js';
import type { User } from '../../src/features/users/model.js';
import {
  Agent,
  createOperatorWithAdmins,
  createOperatorWithUser,
  createUser,
  describeOnStores,
  issueToken,
  loginAs,
  messageIds,
  registerForm,
  sessionIdOf,
  type TestContext,
} from '../helpers/integration.js';
import { type Part, postMultipart, uploadParts } from '../helpers/multipart.js';

/**
 * SPEC §2 permission matrix: every route of register, change, delete, bulk delete, unlock
 * and reissue × {anonymous, general user, admin, admin of another operator}, plus the view
 * routes. A refused request must leave the database exactly as it was.
 */

interface World {
  admin: User;
  general: User;
  /** A locked general user of the same operator: the target of the :id routes. */
  target: User;
  foreignAdmin: User;
}

type Form = Record<string, string | string[]>;

interface RouteCase {
  method: 'GET' | 'POST';
  path: (w: World) => string;
  /** The request an admin of the operator makes successfully; tokens are for `agent`'s session. */
  form?: (ctx: TestContext, w: World, agent: Agent) => Promise<Form>;
  /** Names a user of the operator (in the URL or the form). */
  targeted: boolean;
  /** A multipart upload instead of a url-encoded form (bulk register, SPEC §4.12). */
  parts?: (agent: Agent) => Part[];
  /** A completion page: the receipt of `agent`'s session its URL carries (PRG after 実行). */
  receipt?: { action: string; userIds: (w: World) => string[] };
}

const changePayload = (w: World) => ({
  department: '変更部',
  userName: w.target.userName,
  phone: null,
  email: w.target.email,
  enabled: true,
  validFrom: w.target.validFrom,
  validTo: w.target.validTo,
  version: w.target.version,
});
const registerPayload = {
  department: '登録部',
  userName: '権限 試験',
  phone: null,
  email: 'perm@example.jp',
};

const bulkRegisterCsv =
  '所属部署,ユーザ名,電話番号,メールアドレス,適用開始日,適用終了日\r\n登録部,一括 試験,,bulk@example.jp,,\r\n';
const bulkRegisterPayload = {
  rows: [
    {
      line: 2,
      department: '登録部',
      userName: '一括 試験',
      phone: null,
      email: 'bulk@example.jp',
      validFrom: '2026-04-01',
      validTo: '9999-12-31',
    },
  ],
};

/** SPEC D-22: an enrolled authenticator app, for the admin's reset to remove. */
async function giveSecondFactor(ctx: TestContext, userId: string): Promise<void> {
  const at = ctx.clock.now().toISOString();
  await ctx.store.db
    .insertInto('totp_factors')
    .values({ user_id: userId, secret: 'v1.sealed', created_at: at, enabled_at: at, last_used_step: null })
    .onConflict((oc) => oc.column('user_id').doNothing())
    .execute();
}

const MANAGE_ROUTES: Record<string, RouteCase> = {
  'GET /users/new': { method: 'GET', path: () => '/users/new', targeted: false },
  'POST /users/new/confirm': {
    method: 'POST',
    path: () => '/users/new/confirm',
    form: async () => registerForm(),
    targeted: false,
  },
  'POST /users/new/back': {
    method: 'POST',
    path: () => '/users/new/back',
    form: async (ctx, _w, a) => ({ token: await issueToken(ctx, a, 'register', registerPayload) }),
    targeted: false,
  },
  'POST /users/new': {
    method: 'POST',
    path: () => '/users/new',
    form: async (ctx, _w, a) => ({ token: await issueToken(ctx, a, 'register', registerPayload) }),
    targeted: false,
  },
  'GET /users/:id/change': { method: 'GET', path: (w) => `/users/${w.target.userId}/change`, targeted: true },
  'POST /users/:id/change/confirm': {
    method: 'POST',
    path: (w) => `/users/${w.target.userId}/change/confirm`,
    form: async (_ctx, w) => ({
      department: '変更部',
      userName: w.target.userName,
      email: w.target.email,
      enabled: '1',
      validFrom: '2020/01/01',
      validTo: '9999/12/31',
      version: String(w.target.version),
    }),
    targeted: true,
  },
  'POST /users/:id/change/back': {
    method: 'POST',
    path: (w) => `/users/${w.target.userId}/change/back`,
    form: async (ctx, w, a) => ({
      token: await issueToken(ctx, a, `change:${w.target.userId}`, changePayload(w)),
    }),
    targeted: true,
  },
  'POST /users/:id/change': {
    method: 'POST',
    path: (w) => `/users/${w.target.userId}/change`,
    form: async (ctx, w, a) => ({
      token: await issueToken(ctx, a, `change:${w.target.userId}`, changePayload(w)),
    }),
    targeted: true,
  },
  'GET /users/:id/delete': { method: 'GET', path: (w) => `/users/${w.target.userId}/delete`, targeted: true },
  'POST /users/:id/delete': {
    method: 'POST',
    path: (w) => `/users/${w.target.userId}/delete`,
    form: async (ctx, w, a) => ({
      token: await issueToken(ctx, a, `delete:${w.target.userId}`),
      confirmed: '1',
    }),
    targeted: true,
  },
  'POST /users/bulk-delete': {
    method: 'POST',
    path: () => '/users/bulk-delete',
    form: async (ctx, w, a) => ({
      token: await issueToken(ctx, a, 'bulkDelete'),
      confirmed: '1',
      userIds: [w.target.userId],
    }),
    targeted: true,
  },
  'POST /users/:id/unlock': {
    method: 'POST',
    path: (w) => `/users/${w.target.userId}/unlock`,
    form: async (ctx, w, a) => ({
      token: await issueToken(ctx, a, `unlock:${w.target.userId}`),
      confirmed: '1',
    }),
    targeted: true,
  },
  'POST /users/:id/reissue': {
    method: 'POST',
    path: (w) => `/users/${w.target.userId}/reissue`,
    form: async (ctx, w, a) => ({
      token: await issueToken(ctx, a, `reissue:${w.target.userId}`),
      confirmed: '1',
    }),
    targeted: true,
  },
  'POST /users/:id/second-factor-reset': {
    method: 'POST',
    path: (w) => `/users/${w.target.userId}/second-factor-reset`,
    form: async (ctx, w, a) => {
      await giveSecondFactor(ctx, w.target.userId);
      return { token: await issueToken(ctx, a, `secondFactorReset:${w.target.userId}`), confirmed: '1' };
    },
    targeted: true,
  },
  'GET /users/:id/second-factor-reset/done': {
    method: 'GET',
    path: (w) => `/users/${w.target.userId}/second-factor-reset/done`,
    receipt: { action: 'secondFactorReset', userIds: (w) => [w.target.userId] },
    targeted: true,
  },
  'GET /users/:id/unlock/done': {
    method: 'GET',
    path: (w) => `/users/${w.target.userId}/unlock/done`,
    receipt: { action: 'unlock', userIds: (w) => [w.target.userId] },
    targeted: true,
  },
  'GET /users/bulk-delete/done': {
    method: 'GET',
    path: () => '/users/bulk-delete/done',
    receipt: { action: 'bulkDelete', userIds: (w) => [w.target.userId] },
    targeted: true,
  },
  'GET /users/bulk-register': { method: 'GET', path: () => '/users/bulk-register', targeted: false },
  'GET /users/bulk-register/template': {
    method: 'GET',
    path: () => '/users/bulk-register/template',
    targeted: false,
  },
  'POST /users/bulk-register/confirm': {
    method: 'POST',
    path: () => '/users/bulk-register/confirm',
    parts: (a) => uploadParts(a, bulkRegisterCsv),
    targeted: false,
  },
  'POST /users/bulk-register': {
    method: 'POST',
    path: () => '/users/bulk-register',
    form: async (ctx, _w, a) => ({ token: await issueToken(ctx, a, 'bulkRegister', bulkRegisterPayload) }),
    targeted: false,
  },
};

const VIEW_ROUTES: Record<string, { path: (w: World) => string; targeted: boolean }> = {
  'GET /users': { path: () => '/users', targeted: false },
  'GET /users/:id': { path: (w) => `/users/${w.target.userId}`, targeted: true },
  'GET /users/export': { path: () => '/users/export', targeted: false },
};

describeOnStores('permissions of user management (SPEC §2) on $kind', (ctx, { skip }) => {
  async function world(): Promise<World> {
    const { admin, operator, user: general } = await createOperatorWithUser(ctx);
    const target = await createUser(ctx, { operatorCode: operator.operatorCode, locked: true });
    const foreign = await createOperatorWithAdmins(ctx);
    return { admin, general, target, foreignAdmin: foreign.admin };
  }

  /** Everything an action could change: users, sessions, mail, history, used tokens, successes. */
  async function snapshot(): Promise<string> {
    const db = ctx.store.db;
    const users = await db.selectFrom('users').selectAll().orderBy('user_id').execute();
    const sessions = await db.selectFrom('sessions').select(['id', 'user_id']).orderBy('id').execute();
    const mails = await db.selectFrom('mail_outbox').select('id').execute();
    const history = await db.selectFrom('password_history').select('id').execute();
    const used = await db.selectFrom('used_action_tokens').select('token_id').execute();
    const factors = await db.selectFrom('totp_factors').select('user_id').orderBy('user_id').execute();
    const successes = await db
      .selectFrom('audit_records')
      .select('id')
      .where('outcome', '=', 'success')
      .execute();
    return JSON.stringify({
      users,
      sessions,
      mails: mails.length,
      history: history.length,
      used: used.length,
      factors,
      successes: successes.length,
    });
  }

  async function send(agent: Agent, route: RouteCase, w: World, form: Form | undefined) {
    if (route.parts) return postMultipart(agent, route.path(w), route.parts(agent));
    if (route.method === 'POST') return agent.post(route.path(w), form ?? {});
    if (!route.receipt) return agent.get(route.path(w));
    const receipt = agent.sessionToken
      ? issueReceipt(ctx.app.keys.actionToken, {
          sessionId: sessionIdOf(agent),
          action: route.receipt.action,
          userIds: route.receipt.userIds(w),
          executedAt: ctx.clock.now(),
        })
      : 'x.y';
    return agent.get(`${route.path(w)}?receipt=${receipt}`);
  }

  for (const [name, route] of Object.entries(MANAGE_ROUTES)) {
    it.skipIf(skip)(`${name}: anonymous → 303 to /login, nothing changes`, async () => {
      const w = await world();
      const anonymous = new Agent(ctx.app);
      await anonymous.get('/login');
      const before = await snapshot();
      const res = await send(anonymous, route, w, { token: 'x', confirmed: '1', userIds: [w.target.userId] });
      expect(res.statusCode).toBe(303);
      expect(res.location).toMatch(/^\/login/);
      expect(await snapshot()).toBe(before);
    });

    it.skipIf(skip)(`${name}: general user → 403, nothing changes`, async () => {
      const w = await world();
      const agent = await loginAs(ctx, w.general);
      const form = await route.form?.(ctx, w, agent);
      const before = await snapshot();
      const res = await send(agent, route, w, form);
      expect(res.statusCode).toBe(403);
      expect(messageIds(res.body)).toEqual(['error.forbidden']);
      expect(await snapshot()).toBe(before);
    });

    it.skipIf(skip)(`${name}: admin of the operator → 200`, async () => {
      const w = await world();
      const agent = await loginAs(ctx, w.admin);
      const form = await route.form?.(ctx, w, agent);
      // A 実行 answers 303 to its completion page (Post/Redirect/Get).
      const res = await agent.follow(await send(agent, route, w, form));
      expect(res.statusCode).toBe(200);
      expect(messageIds(res.body).filter((id) => id.startsWith('error.'))).toEqual([]);
    });

    if (route.targeted) {
      it.skipIf(skip)(`${name}: admin of another operator → not found, nothing changes`, async () => {
        const w = await world();
        const agent = await loginAs(ctx, w.foreignAdmin);
        const form = await route.form?.(ctx, w, agent);
        const before = await snapshot();
        const res = await send(agent, route, w, form);
        if (name === 'POST /users/bulk-delete') {
          // No ID in the URL: the foreign ID is one the operator does not have (D-11).
          expect(res.statusCode).toBe(409);
          expect(messageIds(res.body)).toEqual(['error.bulkDelete.blocked']);
        } else {
          expect(res.statusCode).toBe(404);
          expect(messageIds(res.body)).toEqual(['error.user.notFound']);
        }
        expect(res.body).not.toContain(w.target.userName);
        expect(await snapshot()).toBe(before);
      });
    }
  }

  it.skipIf(skip)('an unknown user ID reads exactly like another operator’s user', async () => {
    const w = await world();
    const agent = await loginAs(ctx, w.foreignAdmin);
    const foreign = await agent.get(`/users/${w.target.userId}/change`);
    const unknown = await agent.get('/users/U000000001/change');
    const errorBlock = (body: string) => /<main[^>]*>[\s\S]*<\/main>/.exec(body)![0];
    expect(foreign.statusCode).toBe(unknown.statusCode);
    expect(errorBlock(foreign.body)).toBe(errorBlock(unknown.body));
  });

  for (const [name, route] of Object.entries(VIEW_ROUTES)) {
    it.skipIf(skip)(`${name} (view): anonymous → 303, general and admin → 200`, async () => {
      const w = await world();
      const anonymous = new Agent(ctx.app);
      const res = await anonymous.get(route.path(w));
      expect(res.statusCode).toBe(303);
      expect(res.location).toMatch(/^\/login/);
      for (const user of [w.general, w.admin]) {
        const agent = await loginAs(ctx, user);
        expect((await agent.get(route.path(w))).statusCode).toBe(200);
      }
      if (route.targeted) {
        const foreign = await loginAs(ctx, w.foreignAdmin);
        const other = await foreign.get(route.path(w));
        expect(other.statusCode).toBe(404);
        expect(other.body).not.toContain(w.target.userName);
      }
    });
  }
});
