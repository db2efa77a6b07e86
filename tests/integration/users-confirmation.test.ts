import { expect, it } from 'vitest';
import { TOKEN_LIFETIME_MS } from '../../src/features/users/action-tokens.js';
import {
  type Agent,
  createOperatorWithAdmins,
  createOperatorWithUser,
  createUser,
  describeOnStores,
  execute,
  formToken,
  issueToken,
  loginAs,
  messageIds,
  registerForm,
  setupOperator,
  submit,
  userRow,
  writtenRows,
} from '../helpers/integration.js';

/**
 * Post/Redirect/Get for every confirmation (SPEC §4, D-15, D-18): the post of 確認 (or of a
 * button without the browser's dialog) answers 303 See Other to a GET confirmation page
 * whose URL carries the sealed confirmation token. The page can be reloaded and reached
 * with the back button; it writes nothing; no typed value can be read from its URL; a
 * forged, altered, expired or another session's token is a 400 page; another operator's
 * user shows nothing.
 */

/** What the URL must never show of a registration (names, mail, phone; plain or encoded). */
function readable(url: string, values: string[]): string[] {
  const decoded = (() => {
    try {
      return decodeURIComponent(url);
    } catch {
      return url;
    }
  })();
  const token = new URL(url, 'http://x').searchParams.get('token') ?? '';
  const parts = token.split('.').map((p) => Buffer.from(p, 'base64url').toString('utf8'));
  return values.filter((v) => decoded.includes(v) || parts.some((p) => p.includes(v)));
}

function changeForm(overrides: Record<string, string> = {}) {
  return {
    department: '変更後の部署',
    userName: '変更 三郎',
    phone1: '06',
    phone2: '1111',
    phone3: '2222',
    email: 'saburo@example.jp',
    enabled: '1',
    validFrom: '2026/04/01',
    validTo: '9999/12/31',
    version: '1',
    ...overrides,
  };
}

describeOnStores('confirmation pages are GETs (PRG) on $kind', (ctx, { skip }) => {
  it.skipIf(skip)(
    'register: 確認 redirects to a sealed GET that reloads, writes nothing, and goes back with the values',
    async () => {
      const { agent } = await setupOperator(ctx);
      const values = { userName: '秘密 花子', email: 'hanako.secret@example.jp', department: '機密部' };
      const posted = await agent.post('/users/new/confirm', registerForm(values));
      expect(posted.statusCode).toBe(303);
      const url = posted.location!;
      expect(url).toMatch(/^\/users\/new\/confirm\?token=[A-Za-z0-9._-]+$/);
      expect(readable(url, [...Object.values(values), '1234', '5678'])).toEqual([]);

      const before = await writtenRows(ctx);
      const page = await agent.get(url);
      const again = await agent.get(url);
      expect(await writtenRows(ctx)).toEqual(before);
      for (const res of [page, again]) {
        expect(res.statusCode).toBe(200);
        expect(res.body).toContain('<h1>ユーザ情報登録確認画面</h1>');
        expect(messageIds(res.body)).toEqual(['info.regist.confirm']);
        expect(res.body).toContain('秘密 花子');
      }

      // 戻る: 303 to the form (a GET), the confirmed values kept.
      const back = await submit(agent, '/users/new/back', { token: formToken(page.body, '/users/new/back') });
      expect(back.posted.statusCode).toBe(303);
      expect(back.posted.location).toMatch(/^\/users\/new\?token=/);
      expect(readable(back.posted.location!, Object.values(values))).toEqual([]);
      expect(back.statusCode).toBe(200);
      expect(back.body).toContain('<h1>ユーザ情報登録画面</h1>');
      expect(back.body).toContain('value="秘密 花子"');

      // 実行 once; back to the confirmation: shown again, marked executed, no 実行.
      const done = await execute(agent, '/users/new', { token: formToken(page.body, '/users/new') });
      expect(done.statusCode).toBe(200);
      const after = await agent.get(url);
      expect(after.statusCode).toBe(200);
      expect(after.body).toContain('<h1>ユーザ情報登録確認画面</h1>');
      expect(messageIds(after.body)).toEqual(['error.alreadyExecuted']);
      expect(after.body).not.toContain('action="/users/new"');
      // The form after 戻る of an executed confirmation is refused, as 戻る is.
      expect((await agent.get(back.posted.location!)).statusCode).toBe(409);
    },
  );

  it.skipIf(skip)('a forged, altered, expired or foreign token is a 400 page, never a 500', async () => {
    const { admin, user: other } = await createOperatorWithUser(ctx, { role: 'admin' });
    const foreign = await createOperatorWithAdmins(ctx);
    const agent = await loginAs(ctx, admin);
    const url = (await agent.post('/users/new/confirm', registerForm())).location!;
    const token = url.split('token=')[1]!;
    const altered = `${token.slice(0, 40)}${token[40] === 'A' ? 'B' : 'A'}${token.slice(41)}`;
    const refused = async (a: Agent, u: string) => {
      const res = await a.get(u);
      expect(res.statusCode, u).toBe(400);
      expect(messageIds(res.body)).toEqual(['error.action.invalid']);
    };
    for (const u of [
      '/users/new/confirm',
      '/users/new/confirm?token=',
      '/users/new/confirm?token=e30.forged',
      '/users/new/confirm?token=v1.a.b.c.d.e',
      `/users/new/confirm?token=${altered}`,
      // Another purpose: a register token on the change page of a user.
      `/users/${other.userId}/change/confirm?token=${token}`,
    ])
      await refused(agent, u);
    // Another session of the same admin, the other admin, another operator's admin.
    await refused(await loginAs(ctx, admin), url);
    await refused(await loginAs(ctx, other), url);
    await refused(await loginAs(ctx, foreign.admin), url);
    // A repeated token field is refused by the input parser (D-19).
    expect((await agent.get(`${url}&token=x`)).statusCode).toBe(400);
    // Past its hour, the session kept alive meanwhile.
    for (let step = 0; step < 4; step++) {
      ctx.clock.advance(TOKEN_LIFETIME_MS / 4);
      expect((await agent.get('/users')).statusCode).toBe(200);
    }
    ctx.clock.advance(1_000);
    await refused(agent, url);
  });

  it.skipIf(skip)('change: 確認 redirects to a sealed GET; another operator’s admin gets a 404', async () => {
    const { admin, user } = await createOperatorWithUser(ctx);
    const foreign = await createOperatorWithAdmins(ctx);
    const agent = await loginAs(ctx, admin);
    const posted = await agent.post(`/users/${user.userId}/change/confirm`, changeForm());
    expect(posted.statusCode).toBe(303);
    const url = posted.location!;
    expect(url.startsWith(`/users/${user.userId}/change/confirm?token=`)).toBe(true);
    expect(readable(url, ['変更 三郎', 'saburo@example.jp', '変更後の部署', '1111'])).toEqual([]);
    const page = await agent.get(url);
    expect(page.statusCode).toBe(200);
    expect(messageIds(page.body)).toEqual(['info.update.confirm']);
    expect(page.body).toContain('変更 三郎');

    const foreignAgent = await loginAs(ctx, foreign.admin);
    const stolen = await foreignAgent.get(url);
    expect(stolen.statusCode).toBe(404);
    expect(stolen.body).not.toContain('変更 三郎');

    // Invalid input keeps its answer: the form again with errors, no redirect.
    const invalid = await agent.post(`/users/${user.userId}/change/confirm`, changeForm({ email: 'x' }));
    expect(invalid.statusCode).toBe(400);

    const back = await submit(agent, `/users/${user.userId}/change/back`, {
      token: formToken(page.body, `/users/${user.userId}/change/back`),
    });
    expect(back.posted.statusCode).toBe(303);
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('<h1>ユーザ情報変更画面</h1>');
    expect(back.body).toContain('value="変更 三郎"');

    const done = await execute(agent, `/users/${user.userId}/change`, {
      token: formToken(page.body, `/users/${user.userId}/change`),
    });
    expect(done.statusCode).toBe(200);
    expect((await userRow(ctx, user.userId)).user_name).toBe('変更 三郎');
    const after = await agent.get(url);
    expect(after.statusCode).toBe(200);
    expect(messageIds(after.body)).toEqual(['error.alreadyExecuted']);
    expect(after.body).not.toContain(`action="/users/${user.userId}/change"`);
  });

  it.skipIf(skip)(
    'the no-JavaScript confirmations of delete, unlock, reissue and bulk delete are GETs',
    async () => {
      const { admin, operator, user } = await createOperatorWithUser(ctx, { locked: true });
      const foreign = await createOperatorWithAdmins(ctx);
      const agent = await loginAs(ctx, admin);
      const foreignAgent = await loginAs(ctx, foreign.admin);
      for (const [path, purpose, info] of [
        ['unlock', 'unlock', 'info.unlock.confirm'],
        ['reissue', 'reissue', 'info.reissue.confirm'],
        ['delete', 'delete', 'info.delete.confirm'],
      ] as const) {
        const token = issueToken(ctx, agent, `${purpose}:${user.userId}`);
        const posted = await agent.post(`/users/${user.userId}/${path}`, { token, confirmed: '0' });
        expect(posted.statusCode, path).toBe(303);
        const url = posted.location!;
        expect(url).toBe(`/users/${user.userId}/${path}/confirm?token=${token}`);
        const before = await writtenRows(ctx);
        const page = await agent.get(url);
        expect(await writtenRows(ctx)).toEqual(before);
        expect(page.statusCode, path).toBe(200);
        expect(messageIds(page.body)).toEqual([info]);
        expect((await foreignAgent.get(url)).statusCode).toBe(404);
        const done = await execute(agent, `/users/${user.userId}/${path}`, {
          token: formToken(page.body, `/users/${user.userId}/${path}`),
          confirmed: '1',
        });
        expect(done.statusCode, path).toBe(200);
        const after = await agent.get(url);
        expect(after.statusCode, path).toBe(200);
        expect(messageIds(after.body)).toEqual(['error.alreadyExecuted']);
      }

      const a = await createUser(ctx, { operatorCode: operator.operatorCode });
      const b = await createUser(ctx, { operatorCode: operator.operatorCode });
      const token = issueToken(ctx, agent, 'bulkDelete');
      const posted = await agent.post('/users/bulk-delete', {
        token,
        confirmed: '0',
        userIds: [a.userId, b.userId],
        listQuery: 'userName=%E7%A7%98%E5%AF%86',
      });
      expect(posted.statusCode).toBe(303);
      const url = posted.location!;
      expect(url).toMatch(/^\/users\/bulk-delete\/confirm\?token=/);
      expect(url).not.toContain(a.userId);
      expect(readable(url, ['userName', '秘密'])).toEqual([]);
      const page = await agent.get(url);
      expect(page.statusCode).toBe(200);
      expect(messageIds(page.body)).toEqual(['info.bulkDelete.confirm']);
      expect(page.body).toContain(a.userId);
      expect(page.body).toContain('href="/users?userName=%E7%A7%98%E5%AF%86"');
      expect((await foreignAgent.get(url)).statusCode).toBe(400);
      // Executed with the confirmation's token, the list's token is used with it: never twice.
      const done = await execute(agent, '/users/bulk-delete', {
        token: formToken(page.body, '/users/bulk-delete'),
        confirmed: '1',
        userIds: [a.userId, b.userId],
      });
      expect(done.statusCode).toBe(200);
      const replay = await agent.post('/users/bulk-delete', { token, confirmed: '1', userIds: [a.userId] });
      expect(replay.statusCode).toBe(409);
      expect(messageIds((await agent.get(url)).body)).toEqual(['error.alreadyExecuted']);
    },
  );

  it.skipIf(skip)('bulk register: eight rows of the longest values still make a URL under 8 KB', async () => {
    const { agent } = await setupOperator(ctx);
    // 50 characters outside the BMP (4 bytes each) in both names, a 254-character address.
    const wide = '𠮷'.repeat(50);
    const rows = Array.from({ length: 8 }, (_, i) => ({
      department: wide,
      userName: wide,
      phone: '03-12345-678901'.slice(0, 13),
      email: `${'a'.repeat(240)}${String(i).padStart(2, '0')}@example.jp`,
      validFrom: '2026-04-01',
      validTo: '9999-12-31',
      line: i + 2,
    }));
    const token = issueToken(ctx, agent, 'bulkRegister', { rows });
    const url = `/users/bulk-register/confirm?token=${token}`;
    expect(url.length).toBeLessThan(8 * 1024);
    const page = await agent.get(url);
    expect(page.statusCode).toBe(200);
    expect(messageIds(page.body)).toEqual(['info.bulkRegist.confirm']);
    expect(readable(url, ['@example.jp', 'aaaa'])).toEqual([]);
  });
});
