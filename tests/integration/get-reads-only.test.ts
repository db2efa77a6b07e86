import type { KyselyPlugin, OperationNode, RootOperationNode } from 'kysely';
import { describe, expect, it } from 'vitest';
import { consumeActionToken, issueReceipt } from '../../src/features/users/action-tokens.js';
import {
  Agent,
  createOperatorWithUser,
  createUser,
  DEFAULT_PASSWORD,
  issueToken,
  loginAs,
  sessionIdOf,
  storeKinds,
  useTestContext,
} from '../helpers/integration.js';

/**
 * SPEC D-18: a GET never writes to the database, the rate limiter's counters and a
 * session's once-a-minute `last_seen_at` aside. The app runs on a database handle that
 * records every statement that would write; every GET route is visited by an admin, a
 * general user and an anonymous visitor, and only the allowed writes may appear.
 */

interface Write {
  kind: string;
  table: string;
  columns: string[];
}

function tableOf(node: OperationNode | undefined): string {
  const text = JSON.stringify(node ?? {});
  return /"kind":"IdentifierNode","name":"([^"]+)"/.exec(text)?.[1] ?? '?';
}

function describeWrite(node: RootOperationNode): Write | undefined {
  switch (node.kind) {
    case 'InsertQueryNode':
      return { kind: 'insert', table: tableOf(node.into), columns: [] };
    case 'UpdateQueryNode':
      return {
        kind: 'update',
        table: tableOf(node.table),
        columns: (node.updates ?? []).map((u) => tableOf(u.column)),
      };
    case 'DeleteQueryNode':
      return { kind: 'delete', table: tableOf(node.from), columns: [] };
    case 'MergeQueryNode':
      return { kind: 'merge', table: tableOf(node.into), columns: [] };
    case 'RawNode': {
      const text = node.sqlFragments.join('?');
      return /^\s*(insert|update|delete|create|drop|alter|replace)\b/i.test(text)
        ? { kind: 'raw', table: text.slice(0, 60), columns: [] }
        : undefined;
    }
    default:
      return undefined;
  }
}

/** The writes D-18 allows on a GET. */
function allowed(w: Write): boolean {
  if (w.kind === 'update' && w.table === 'sessions') return w.columns.every((c) => c === 'last_seen_at');
  return w.table === 'rate_limits';
}

/** A completion page's receipt for the admin's session (PRG after 実行). */
type ReceiptFor = (action: string, userIds: string[]) => string;

/** A confirmation page's sealed token for the admin's session (PRG after 確認), and one already used. */
type TokenFor = (purpose: string, payload?: unknown) => { fresh: string; used: string };

/** Every GET route pattern of the app, and a URL that reaches its handler. */
function urls(
  ids: {
    general: string;
    locked: string;
    deleted: string;
    admin: string;
  },
  receipt: ReceiptFor = () => '',
  token: TokenFor = () => ({ fresh: '', used: '' }),
): Record<string, string[]> {
  const done = (path: string, action: string, userIds: string[]) => [
    `${path}?receipt=${receipt(action, userIds)}`,
    // A forged receipt: the refusal page reads nothing more and writes nothing either.
    `${path}?receipt=e30.forged`,
  ];
  // A confirmation page: its token fresh, already executed (back from the completion page), forged.
  const confirm = (path: string, purpose: string, payload?: unknown) => {
    const { fresh, used } = token(purpose, payload);
    return [`${path}?token=${fresh}`, `${path}?token=${used}`, `${path}?token=e30.forged`];
  };
  const contact = {
    department: '営業部',
    userName: '確認 太郎',
    phone: '03-1234-5678',
    email: 't@example.jp',
  };
  return {
    '/': ['/'],
    '*': ['/assets/app.js', '/no-such-page'],
    '/audit': ['/audit', '/audit?from=2026/01/01&page=2'],
    '/audit/export': ['/audit/export'],
    '/healthz': ['/healthz'],
    '/login': ['/login', '/login?next=/users&expired=1'],
    // Without a waiting login it answers with the login page (SPEC D-22).
    '/login/code': ['/login/code'],
    '/account': ['/account', '/account?done=othersEnded&count=2', '/account?done=passkeyAdded'],
    '/account/second-factor': ['/account/second-factor'],
    '/account/policy': ['/account/policy', '/account/policy?done=changed'],
    '/password': ['/password'],
    // A kept form is read from its sealed cookie only.
    '/resume': ['/resume'],
    '/participation': ['/participation'],
    '/users': ['/users', '/users?userName=a&search=1&page=3', '/users?showDeleted=1&search=1'],
    '/users/export': ['/users/export', '/users/export?confirmed=1&encoding=cp932'],
    '/users/new': ['/users/new'],
    '/users/bulk-register': ['/users/bulk-register'],
    '/users/bulk-register/template': ['/users/bulk-register/template'],
    '/users/:userId': [`/users/${ids.general}`, `/users/${ids.locked}`, '/users/U999999999'],
    // Refusal pages too (a deleted user, an admin): they show why, and record nothing.
    '/users/:id/change': [`/users/${ids.general}/change`, `/users/${ids.deleted}/change`],
    '/users/:id/delete': [
      `/users/${ids.general}/delete`,
      `/users/${ids.deleted}/delete`,
      `/users/${ids.admin}/delete`,
    ],
    // The confirmation pages after 確認 (Post/Redirect/Get): they use no token.
    '/users/new/confirm': confirm('/users/new/confirm', 'register', { ...contact, formId: 'f'.repeat(22) }),
    '/users/bulk-register/confirm': confirm('/users/bulk-register/confirm', 'bulkRegister', {
      rows: [{ ...contact, validFrom: '2026-04-01', validTo: '9999-12-31', line: 2 }],
    }),
    '/users/:id/change/confirm': confirm(`/users/${ids.general}/change/confirm`, `change:${ids.general}`, {
      ...contact,
      enabled: true,
      validFrom: '2026-04-01',
      validTo: '9999-12-31',
      version: 1,
    }),
    '/users/:id/delete/confirm': confirm(`/users/${ids.general}/delete/confirm`, `delete:${ids.general}`),
    '/users/bulk-delete/confirm': confirm('/users/bulk-delete/confirm', 'bulkDelete', {
      userIds: [ids.general],
      listQuery: 'userName=a',
    }),
    '/users/:id/unlock/confirm': confirm(`/users/${ids.locked}/unlock/confirm`, `unlock:${ids.locked}`),
    '/users/:id/reissue/confirm': confirm(`/users/${ids.general}/reissue/confirm`, `reissue:${ids.general}`),
    '/users/:id/second-factor-reset/confirm': confirm(
      `/users/${ids.general}/second-factor-reset/confirm`,
      `secondFactorReset:${ids.general}`,
    ),
    // The completion pages after 実行 (Post/Redirect/Get): they execute nothing again.
    '/users/new/done': done('/users/new/done', 'register', [ids.general]),
    '/users/bulk-register/done': done('/users/bulk-register/done', 'bulkRegister', [ids.general, ids.locked]),
    '/users/:id/change/done': done(`/users/${ids.general}/change/done`, 'change', [ids.general]),
    '/users/:id/delete/done': done(`/users/${ids.deleted}/delete/done`, 'delete', [ids.deleted]),
    '/users/bulk-delete/done': done('/users/bulk-delete/done', 'bulkDelete', [ids.deleted]),
    '/users/:id/unlock/done': done(`/users/${ids.locked}/unlock/done`, 'unlock', [ids.locked]),
    '/users/:id/reissue/done': done(`/users/${ids.general}/reissue/done`, 'reissue', [ids.general]),
    '/users/:id/second-factor-reset/done': done(
      `/users/${ids.general}/second-factor-reset/done`,
      'secondFactorReset',
      [ids.general],
    ),
  };
}

describe.each(storeKinds)('a GET writes nothing (D-18) on $kind', ({ kind, skip }) => {
  const writes: Write[] = [];
  let recording = false;
  const recorder: KyselyPlugin = {
    transformQuery(args) {
      if (recording) {
        const w = describeWrite(args.node);
        if (w) writes.push(w);
      }
      return args.node;
    },
    async transformResult(args) {
      return args.result;
    },
  };
  const ctx = useTestContext(kind, skip, {}, { plugin: recorder });

  it.skipIf(skip)('covers every GET route of the app', async () => {
    const printed = ctx.app.printRoutes({ commonPrefix: false, method: 'GET' });
    const count = printed.match(/\(GET\)/g)?.length ?? 0;
    expect(count).toBe(Object.keys(urls({ general: '', locked: '', deleted: '', admin: '' })).length);
  });

  it.skipIf(skip)('only reads, for an admin, a general user and an anonymous visitor', async () => {
    const { admin, operator, user: general } = await createOperatorWithUser(ctx);
    const locked = await createUser(ctx, { operatorCode: operator.operatorCode, locked: true });
    const deleted = await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
    const adminAgent = await loginAs(ctx, admin);
    const generalAgent = await loginAs(ctx, general);
    // A second factor (SPEC D-22), after the login: the detail then offers its reset, a
    // token it only signs.
    const at = ctx.clock.now().toISOString();
    await ctx.store.db
      .insertInto('totp_factors')
      .values({
        user_id: general.userId,
        secret: 'v1.x',
        created_at: at,
        enabled_at: at,
        last_used_step: null,
      })
      .execute();
    // And a passkey: the account page lists it, the code step offers it (and reads only).
    await ctx.store.db
      .insertInto('passkeys')
      .values({
        user_id: general.userId,
        credential_id: 'cHJvYmU',
        public_key: 'cHJvYmU',
        counter: 0,
        transports: 'internal',
        backup_eligible: 0,
        backed_up: 0,
        aaguid: '00000000-0000-0000-0000-000000000000',
        user_handle: 'aGFuZGxl',
        name: '試験用の端末',
        created_at: at,
        last_used_at: null,
      })
      .execute();
    const anonymous = new Agent(ctx.app);
    await anonymous.get('/login');
    // A browser between the password and the second factor (SPEC D-22).
    const waiting = new Agent(ctx.app);
    await waiting.get('/login');
    expect(
      (await waiting.post('/login', { userId: general.userId, password: DEFAULT_PASSWORD })).location,
    ).toBe('/login/code');
    expect((await waiting.get('/login/code')).body).toContain('パスキーでログイン');
    // Two minutes on: each session's first request may touch last_seen_at, once.
    ctx.clock.advance(2 * 60_000);

    const receipt: ReceiptFor = (action, userIds) =>
      issueReceipt(ctx.app.keys.actionToken, {
        sessionId: sessionIdOf(adminAgent),
        action,
        userIds,
        executedAt: ctx.clock.now(),
      });
    // Tokens used before the recording starts: using one is the 実行's write, not the page's.
    const tokens: { purpose: string; token: string }[] = [];
    const token: TokenFor = (purpose, payload) => {
      const [fresh, used] = [0, 1].map(() => issueToken(ctx, adminAgent, purpose, payload));
      tokens.push({ purpose, token: used! });
      return { fresh: fresh!, used: used! };
    };
    const all = Object.values(
      urls(
        { general: general.userId, locked: locked.userId, deleted: deleted.userId, admin: admin.userId },
        receipt,
        token,
      ),
    ).flat();
    for (const { purpose, token: used } of tokens) {
      const check = await consumeActionToken(ctx.store.db, {
        key: ctx.app.keys.actionToken,
        token: used,
        sessionId: sessionIdOf(adminAgent),
        purpose,
        now: ctx.clock.now(),
      });
      expect(check.ok).toBe(true);
    }
    const seen: string[] = [];
    recording = true;
    try {
      for (const agent of [adminAgent, generalAgent, anonymous, waiting]) {
        for (const url of all) {
          const before = writes.length;
          const res = await agent.get(url);
          expect(res.statusCode, url).toBeLessThan(500);
          // The admin's own receipts show their completion pages.
          if (agent === adminAgent && url.includes('/done?') && !url.endsWith('forged'))
            expect(res.statusCode, url).toBe(200);
          // The admin's confirmation pages show, fresh or executed; a forged token is a 400 page.
          if (agent === adminAgent && url.includes('/confirm?'))
            expect(res.statusCode, url).toBe(url.endsWith('forged') ? 400 : 200);
          for (const w of writes.slice(before))
            seen.push(`${url}: ${w.kind} ${w.table} ${w.columns.join(',')}`);
        }
      }
    } finally {
      recording = false;
    }
    const forbidden = writes.filter((w) => !allowed(w));
    expect(forbidden, seen.join('\n')).toEqual([]);
    // The only writes: one last_seen_at per signed-in session.
    expect(writes.filter((w) => w.table === 'sessions')).toHaveLength(2);
  });
});
