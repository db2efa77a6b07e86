import { describe, expect, it } from 'vitest';
import { issueReceipt, RECEIPT_LIFETIME_MS } from '../../src/features/users/action-tokens.js';
import type { User } from '../../src/features/users/model.js';
import {
  type Agent,
  createOperatorWithAdmins,
  createOperatorWithUser,
  createUser,
  describeOnStores,
  execute,
  fieldErrorText,
  formToken,
  issueToken,
  loginAs,
  messageIds,
  sessionIdOf,
  setupOperatorWithUser,
  submit,
  type TestContext,
  userRow,
  writtenRows,
} from '../helpers/integration.js';

/**
 * Post/Redirect/Get after every 実行 (SPEC §4: at most once, whatever the browser does;
 * D-18): a 実行 that goes through answers 303 See Other to a GET completion page carrying a
 * signed receipt of the session. Reloading that page shows it again and changes nothing; a
 * receipt that is forged, altered, expired, of another session, another action, another user
 * or another operator shows nothing.
 */

interface Case {
  /** The completion page's path. */
  done: (target: User) => string;
  /** What a success shows at the top. */
  complete: string;
  /** The 実行: its URL and form, with a token of the agent's session. */
  post: (
    ctx: TestContext,
    agent: Agent,
    target: User,
  ) => { url: string; form: Record<string, string | string[]> };
  /** The target is locked (unlock). */
  locked?: boolean;
}

const changeValues = (u: User, department: string) => ({
  department,
  userName: u.userName,
  phone: null,
  email: u.email,
  enabled: true,
  validFrom: u.validFrom,
  validTo: u.validTo,
  version: u.version,
});

const CASES: Record<string, Case> = {
  register: {
    done: () => '/users/new/done',
    complete: 'info.regist.complete',
    post: (ctx, agent) => ({
      url: '/users/new',
      form: {
        token: issueToken(ctx, agent, 'register', {
          department: '登録部',
          userName: '完了 試験',
          phone: null,
          email: `done-${Math.random().toString(36).slice(2)}@example.jp`,
        }),
      },
    }),
  },
  'bulk register': {
    done: () => '/users/bulk-register/done',
    complete: 'info.bulkRegist.complete',
    post: (ctx, agent) => ({
      url: '/users/bulk-register',
      form: {
        token: issueToken(ctx, agent, 'bulkRegister', {
          rows: [1, 2].map((n) => ({
            line: n + 1,
            department: '一括部',
            userName: `一括 ${n}`,
            phone: null,
            email: `bulk-${n}-${Math.random().toString(36).slice(2)}@example.jp`,
            validFrom: '2026-04-01',
            validTo: '9999-12-31',
          })),
        }),
      },
    }),
  },
  change: {
    done: (t) => `/users/${t.userId}/change/done`,
    complete: 'info.update.complete',
    post: (ctx, agent, t) => ({
      url: `/users/${t.userId}/change`,
      form: { token: issueToken(ctx, agent, `change:${t.userId}`, changeValues(t, '変更後の部署')) },
    }),
  },
  delete: {
    done: (t) => `/users/${t.userId}/delete/done`,
    complete: 'info.delete.complete',
    post: (ctx, agent, t) => ({
      url: `/users/${t.userId}/delete`,
      form: { token: issueToken(ctx, agent, `delete:${t.userId}`), confirmed: '1' },
    }),
  },
  'bulk delete': {
    done: () => '/users/bulk-delete/done',
    complete: 'info.bulkDelete.complete',
    post: (ctx, agent, t) => ({
      url: '/users/bulk-delete',
      form: { token: issueToken(ctx, agent, 'bulkDelete'), confirmed: '1', userIds: [t.userId] },
    }),
  },
  unlock: {
    done: (t) => `/users/${t.userId}/unlock/done`,
    complete: 'info.unlock.complete',
    locked: true,
    post: (ctx, agent, t) => ({
      url: `/users/${t.userId}/unlock`,
      form: { token: issueToken(ctx, agent, `unlock:${t.userId}`), confirmed: '1' },
    }),
  },
  reissue: {
    done: (t) => `/users/${t.userId}/reissue/done`,
    complete: 'info.reissue.complete',
    post: (ctx, agent, t) => ({
      url: `/users/${t.userId}/reissue`,
      form: { token: issueToken(ctx, agent, `reissue:${t.userId}`), confirmed: '1' },
    }),
  },
};

describeOnStores('completion pages after 実行 (Post/Redirect/Get) on $kind', (ctx, { skip }) => {
  async function setup(values: { locked?: boolean } = {}) {
    const { user: target, ...world } = await setupOperatorWithUser(ctx, values);
    return { ...world, target };
  }

  /** Every user row of the operator, as stored: a reload must leave them as they are. */
  async function operatorRows(operatorCode: string) {
    return ctx.store.db
      .selectFrom('users')
      .selectAll()
      .where('operator_code', '=', operatorCode)
      .orderBy('user_id')
      .execute();
  }

  for (const [name, c] of Object.entries(CASES)) {
    it.skipIf(skip)(
      `${name}: 303 to a GET completion page that reloads without executing again`,
      async () => {
        const { operator, target, agent } = await setup({ locked: c.locked });
        const { url, form } = c.post(ctx, agent, target);
        const done = await execute(agent, url, form);
        expect(done.posted.statusCode).toBe(303);
        expect(done.posted.body).toBe('');
        const location = done.posted.location ?? '';
        expect(location.startsWith(`${c.done(target)}?receipt=`)).toBe(true);
        expect(done.statusCode).toBe(200);
        expect(messageIds(done.body)).toEqual([c.complete, 'info.mail.notice']);

        const counts = await writtenRows(ctx);
        const rows = await operatorRows(operator.operatorCode);
        const first = await agent.get(location);
        const second = await agent.get(location);
        expect(first.statusCode).toBe(200);
        expect(second.statusCode).toBe(200);
        expect(first.body).toBe(done.body);
        expect(second.body).toBe(done.body);
        expect(await writtenRows(ctx)).toEqual(counts);
        expect(await operatorRows(operator.operatorCode)).toEqual(rows);
      },
    );
  }

  it.skipIf(skip)(
    'shows what each completion page showed before: the users concerned, links on',
    async () => {
      const { target, agent } = await setup({ locked: true });
      const unlock = await execute(agent, `/users/${target.userId}/unlock`, {
        token: issueToken(ctx, agent, `unlock:${target.userId}`),
        confirmed: '1',
      });
      expect(unlock.body).toContain('<h1>ユーザロック解除完了画面</h1>');
      expect(unlock.body).toContain(`<td>${target.userId}</td>`);
      expect(unlock.body).toContain('<td>利用可能</td>');
      expect(unlock.body).toContain(`href="/users/${target.userId}">ユーザ情報詳細画面へ</a>`);

      const bulk = CASES['bulk register']!.post(ctx, agent, target);
      const registered = await execute(agent, bulk.url, bulk.form);
      expect(registered.body).toContain('<h1>ユーザ情報一括登録完了画面</h1>');
      expect(registered.body).toContain('ユーザ情報の一括登録が完了しました（2件）。');
      expect(registered.body).toContain('<td>一括 1</td>');
      expect(registered.body).toContain('<td>一括 2</td>');

      const deleted = await execute(agent, `/users/${target.userId}/delete`, {
        token: issueToken(ctx, agent, `delete:${target.userId}`),
        confirmed: '1',
      });
      expect(deleted.body).toContain('<h1>ユーザ情報削除完了画面</h1>');
      expect(deleted.body).toContain(`<td>${target.userName}</td>`);
    },
  );

  it.skipIf(skip)('a refused 実行 keeps its answer: no redirect', async () => {
    const { target, agent } = await setup();
    const token = issueToken(ctx, agent, `unlock:${target.userId}`);
    const refused = await agent.post(`/users/${target.userId}/unlock`, { token, confirmed: '1' });
    expect(refused.statusCode).toBe(409);
    expect(refused.location).toBeUndefined();
    expect(messageIds(refused.body)).toEqual(['error.user.notLocked']);

    const reissue = issueToken(ctx, agent, `reissue:${target.userId}`);
    expect(
      (await agent.post(`/users/${target.userId}/reissue`, { token: reissue, confirmed: '1' })).statusCode,
    ).toBe(303);
    const again = await agent.post(`/users/${target.userId}/reissue`, { token: reissue, confirmed: '1' });
    expect(again.statusCode).toBe(409);
    expect(again.location).toBeUndefined();
    expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
  });

  describe('a receipt that does not hold shows nothing', () => {
    async function unlocked() {
      const w = await setup({ locked: true });
      const done = await execute(w.agent, `/users/${w.target.userId}/unlock`, {
        token: issueToken(ctx, w.agent, `unlock:${w.target.userId}`),
        confirmed: '1',
      });
      const receipt = new URL(done.posted.location ?? '', 'http://x').searchParams.get('receipt') ?? '';
      return { ...w, receipt };
    }

    async function refused(agent: Agent, url: string, userName: string) {
      const res = await agent.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(messageIds(res.body), url).toEqual(['error.receipt.invalid']);
      expect(res.body).not.toContain(userName);
      return res;
    }

    it.skipIf(skip)('forged, altered, cut, missing, of another action or another user', async () => {
      const { operator, target, agent, receipt } = await unlocked();
      const page = `/users/${target.userId}/unlock/done`;
      const [body, mac] = receipt.split('.') as [string, string];
      // Altered: another user named, or the signature changed by one character.
      const other = await createUser(ctx, { operatorCode: operator.operatorCode, locked: true });
      const content = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      const altered = Buffer.from(JSON.stringify({ ...content, u: [other.userId] })).toString('base64url');
      await refused(agent, `/users/${other.userId}/unlock/done?receipt=${altered}.${mac}`, other.userName);
      const flipped = `${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`;
      await refused(agent, `${page}?receipt=${body}.${flipped}`, target.userName);
      await refused(agent, `${page}?receipt=${body}`, target.userName);
      await refused(agent, `${page}?receipt=`, target.userName);
      await refused(agent, page, target.userName);
      await refused(agent, `${page}?receipt=%E3%81%82.%E3%81%82`, target.userName);
      // The same receipt on another action's page, or another user's.
      await refused(agent, `/users/${target.userId}/reissue/done?receipt=${receipt}`, target.userName);
      await refused(agent, `/users/${other.userId}/unlock/done?receipt=${receipt}`, other.userName);
      await refused(agent, `/users/bulk-delete/done?receipt=${receipt}`, target.userName);
      // D-19: a misshapen query is a 400 page, never a 500.
      const long = await agent.get(`${page}?receipt=${'a'.repeat(5000)}`);
      expect(long.statusCode).toBe(400);
      const twice = await agent.get(`${page}?receipt=${receipt}&receipt=${receipt}`);
      expect(twice.statusCode).toBe(400);
      expect((await agent.get(`${page}?receipt=a.%00`)).statusCode).toBe(400);
      // The right one still works.
      expect((await agent.get(`${page}?receipt=${receipt}`)).statusCode).toBe(200);
    });

    it.skipIf(skip)('expired, or of another session (after logging in again)', async () => {
      const { admin, target, agent, receipt } = await unlocked();
      const page = `/users/${target.userId}/unlock/done`;
      const old = issueReceipt(ctx.app.keys.actionToken, {
        sessionId: sessionIdOf(agent),
        action: 'unlock',
        userIds: [target.userId],
        executedAt: new Date(ctx.clock.now().getTime() - RECEIPT_LIFETIME_MS),
      });
      await refused(agent, `${page}?receipt=${old}`, target.userName);
      const later = issueReceipt(ctx.app.keys.actionToken, {
        sessionId: sessionIdOf(agent),
        action: 'unlock',
        userIds: [target.userId],
        executedAt: new Date(ctx.clock.now().getTime() + 60 * 60_000),
      });
      await refused(agent, `${page}?receipt=${later}`, target.userName);
      const again = await loginAs(ctx, admin);
      await refused(again, `${page}?receipt=${receipt}`, target.userName);
      expect((await agent.get(`${page}?receipt=${receipt}`)).statusCode).toBe(200);
    });

    it.skipIf(skip)(
      "another operator's user, even in a receipt of the viewer's session: not found",
      async () => {
        const { target } = await unlocked();
        const foreign = await createOperatorWithAdmins(ctx);
        const agent = await loginAs(ctx, foreign.admin);
        const receipt = issueReceipt(ctx.app.keys.actionToken, {
          sessionId: sessionIdOf(agent),
          action: 'unlock',
          userIds: [target.userId],
          executedAt: ctx.clock.now(),
        });
        for (const url of [
          `/users/${target.userId}/unlock/done?receipt=${receipt}`,
          `/users/bulk-delete/done?receipt=${issueReceipt(ctx.app.keys.actionToken, {
            sessionId: sessionIdOf(agent),
            action: 'bulkDelete',
            userIds: [target.userId],
            executedAt: ctx.clock.now(),
          })}`,
        ]) {
          const res = await agent.get(url);
          expect(res.statusCode).toBe(404);
          expect(messageIds(res.body)).toEqual(['error.user.notFound']);
          expect(res.body).not.toContain(target.userName);
        }
      },
    );
  });
});

describeOnStores('a change conflict shows the newer values (SPEC §4.5) on $kind', (ctx, { skip }) => {
  const form = (u: User, overrides: Record<string, string> = {}) => ({
    department: '花子の部署',
    userName: u.userName,
    phone1: '03',
    phone2: '1234',
    phone3: '5678',
    email: u.email,
    enabled: '1',
    validFrom: '2026/04/01',
    validTo: '9999/12/31',
    version: String(u.version),
    ...overrides,
  });

  /** The value now stored, shown beside a field (its hint). */
  function currentValueOf(body: string, field: string): string | undefined {
    const hint = new RegExp(`id="${field}-hint"[^>]*>([\\s\\S]*?)</div>`).exec(body)?.[1] ?? '';
    return /<strong>現在の値<\/strong>: ([^<]*)/.exec(hint)?.[1];
  }

  it.skipIf(skip)(
    'at 実行: the form again, typed values kept, stored values beside them, then through deliberately',
    async () => {
      const { admin, otherAdmin, operator } = await createOperatorWithAdmins(ctx);
      const user = await createUser(ctx, {
        operatorCode: operator.operatorCode,
        phone: '03-1234-5678',
        validFrom: '2026-04-01',
      });
      const mine = await loginAs(ctx, admin);
      const theirs = await loginAs(ctx, otherAdmin);
      const confirm = await submit(mine, `/users/${user.userId}/change/confirm`, form(user));
      expect(confirm.statusCode).toBe(200);

      // Someone else changes the name and the phone first.
      const other = await submit(
        theirs,
        `/users/${user.userId}/change/confirm`,
        form(user, { department: user.department, userName: '事業者 次郎', phone1: '06' }),
      );
      const first = await execute(theirs, `/users/${user.userId}/change`, {
        token: formToken(other.body, `/users/${user.userId}/change`),
      });
      expect(first.posted.statusCode).toBe(303);

      const conflict = await mine.post(`/users/${user.userId}/change`, {
        token: formToken(confirm.body, `/users/${user.userId}/change`),
      });
      expect(conflict.statusCode).toBe(409);
      expect(conflict.location).toBeUndefined();
      expect(conflict.body).toContain('<h1>ユーザ情報変更画面</h1>');
      expect(messageIds(conflict.body)).toEqual(['error.user.staleUpdate']);
      // What was typed is kept…
      expect(conflict.body).toContain('value="花子の部署"');
      expect(conflict.body).toMatch(new RegExp(`name="userName"[^>]*value="${user.userName}"`));
      expect(conflict.body).toMatch(/name="phone1"[^>]*value="03"/);
      // …beside it what is stored now, where it differs; the form carries the new version.
      expect(currentValueOf(conflict.body, 'department')).toBe(user.department);
      expect(currentValueOf(conflict.body, 'userName')).toBe('事業者 次郎');
      expect(currentValueOf(conflict.body, 'phone1')).toBe('06-1234-5678');
      expect(currentValueOf(conflict.body, 'email')).toBeUndefined();
      expect(currentValueOf(conflict.body, 'validTo')).toBeUndefined();
      expect(fieldErrorText(conflict.body, 'department')).toBeUndefined();
      expect(conflict.body).toContain('name="version" value="2"');
      expect((await userRow(ctx, user.userId)).department).toBe(user.department);
      const failures = await ctx.store.db
        .selectFrom('audit_records')
        .select('detail')
        .where('action', '=', 'change')
        .where('outcome', '=', 'failure')
        .where('target_user_id', '=', user.userId)
        .execute();
      expect(failures.map((f) => JSON.parse(f.detail).reason)).toEqual(['staleUpdate']);

      // 確認 with the form as shown (version 2), then 実行: goes through.
      const again = await submit(
        mine,
        `/users/${user.userId}/change/confirm`,
        form(user, { userName: '事業者 次郎', phone1: '06', version: '2' }),
      );
      expect(again.statusCode).toBe(200);
      const done = await execute(mine, `/users/${user.userId}/change`, {
        token: formToken(again.body, `/users/${user.userId}/change`),
      });
      expect(done.posted.statusCode).toBe(303);
      expect(messageIds(done.body)).toEqual(['info.update.complete', 'info.mail.notice']);
      const row = await userRow(ctx, user.userId);
      expect(row).toMatchObject({
        department: '花子の部署',
        user_name: '事業者 次郎',
        phone: '06-1234-5678',
      });
      expect(Number(row.version)).toBe(3);
    },
  );

  it.skipIf(skip)('at 確認 with an outdated form: the same form, values kept, version updated', async () => {
    const { admin, user } = await createOperatorWithUser(ctx, { phone: '03-1234-5678' });
    const agent = await loginAs(ctx, admin);
    await ctx.store.db
      .updateTable('users')
      .set({ email: 'newer@example.jp', version: 2 })
      .where('user_id', '=', user.userId)
      .execute();
    const res = await submit(agent, `/users/${user.userId}/change/confirm`, form(user, { enabled: '0' }));
    expect(res.statusCode).toBe(409);
    expect(messageIds(res.body)).toEqual(['error.user.staleUpdate']);
    expect(res.body).toContain('value="花子の部署"');
    expect(res.body).toMatch(/name="enabled" value="0" checked/);
    expect(currentValueOf(res.body, 'email')).toBe('newer@example.jp');
    expect(currentValueOf(res.body, 'enabled')).toBe('有効');
    expect(res.body).toContain('name="version" value="2"');
  });
});
