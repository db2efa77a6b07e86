import { expect, it } from 'vitest';
import { verifyPassword } from '../../src/lib/passwords.js';
import {
  Agent,
  auditFor,
  createUser,
  DEFAULT_PASSWORD,
  describeOnStores,
  execute,
  executeAtOnce,
  formToken,
  issueToken,
  loginAs,
  messageIds,
  outboxFor,
  rowsOfUser,
  sessionCount,
  setupOperatorWithUser,
  userRow,
  userRowCount,
} from '../helpers/integration.js';

describeOnStores('unlock and password reissue (SPEC §4.8, §4.9) on $kind', (ctx, { skip }) => {
  it.skipIf(skip)(
    'unlock: a confirmation page without JS, then unlocked once, count reset, notified',
    async () => {
      const { admin, otherAdmin, user, agent } = await setupOperatorWithUser(ctx, { locked: true });
      const token = await issueToken(ctx, agent, `unlock:${user.userId}`);
      const ask = await execute(agent, `/users/${user.userId}/unlock`, { token, confirmed: '0' });
      expect(ask.statusCode).toBe(200);
      expect(ask.body).toContain('<h1>ユーザロック解除確認画面</h1>');
      expect(messageIds(ask.body)).toEqual(['info.unlock.confirm']);
      expect(ask.body).toContain('<td>ロック中</td>');
      expect(ask.body).toContain(`href="/users/${user.userId}">キャンセル</a>`);
      // D-15: the page stands in for the browser's dialog, with its buttons.
      expect(ask.body).toMatch(/<button type="submit"[^>]*>OK<\/button>/);
      expect(formToken(ask.body, `/users/${user.userId}/unlock`)).toBe(token);
      expect(Number((await userRow(ctx, user.userId)).locked)).toBe(1);

      const done = await execute(agent, `/users/${user.userId}/unlock`, { token, confirmed: '1' });
      expect(done.statusCode).toBe(200);
      expect(messageIds(done.body)).toEqual(['info.unlock.complete', 'info.mail.notice']);
      const row = await userRow(ctx, user.userId);
      expect(Number(row.locked)).toBe(0);
      expect(Number(row.failed_login_count)).toBe(0);
      expect(await auditFor(ctx, 'unlock', user.userId)).toHaveLength(1);
      const mails = await outboxFor(ctx, 'unlocked', user.userId);
      expect(mails.map((m) => m.recipient).sort()).toEqual(
        [user.email, admin.email, otherAdmin.email].sort(),
      );
      const login = await new Agent(ctx.app).post('/login', {
        userId: user.userId,
        password: DEFAULT_PASSWORD,
      });
      expect(login.statusCode).toBe(303);

      const again = await execute(agent, `/users/${user.userId}/unlock`, { token, confirmed: '1' });
      expect(again.statusCode).toBe(409);
      expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
      expect(await outboxFor(ctx, 'unlocked', user.userId)).toHaveLength(3);
    },
  );

  it.skipIf(skip)('works from the buttons of the detail page (its tokens and confirmed flag)', async () => {
    const { user, agent } = await setupOperatorWithUser(ctx, { locked: true });
    const detail = await agent.get(`/users/${user.userId}`);
    const unlock = await execute(agent, `/users/${user.userId}/unlock`, {
      token: formToken(detail.body, `/users/${user.userId}/unlock`),
      confirmed: '1',
    });
    expect(messageIds(unlock.body)).toEqual(['info.unlock.complete', 'info.mail.notice']);
    const reissue = await execute(agent, `/users/${user.userId}/reissue`, {
      token: formToken(detail.body, `/users/${user.userId}/reissue`),
      confirmed: '1',
    });
    expect(messageIds(reissue.body)).toEqual(['info.reissue.complete', 'info.mail.notice']);
  });

  it.skipIf(skip)('unlock refuses a user that is not locked, and a deleted one', async () => {
    const { operator, user, agent } = await setupOperatorWithUser(ctx);
    for (const confirmed of ['0', '1']) {
      const token = await issueToken(ctx, agent, `unlock:${user.userId}`);
      const res = await execute(agent, `/users/${user.userId}/unlock`, { token, confirmed });
      expect(res.statusCode).toBe(409);
      expect(messageIds(res.body)).toEqual(['error.user.notLocked']);
    }
    const gone = await createUser(ctx, { operatorCode: operator.operatorCode, locked: true, deleted: true });
    const token = await issueToken(ctx, agent, `unlock:${gone.userId}`);
    const res = await execute(agent, `/users/${gone.userId}/unlock`, { token, confirmed: '1' });
    expect(messageIds(res.body)).toEqual(['error.user.deleted']);
    expect(Number((await userRow(ctx, gone.userId)).locked)).toBe(1);
    expect(await outboxFor(ctx, 'unlocked', gone.userId)).toHaveLength(0);
  });

  it.skipIf(skip)('a token of one user cannot unlock another', async () => {
    const { operator, user, agent } = await setupOperatorWithUser(ctx, { locked: true });
    const other = await createUser(ctx, { operatorCode: operator.operatorCode, locked: true });
    const token = await issueToken(ctx, agent, `unlock:${user.userId}`);
    const res = await execute(agent, `/users/${other.userId}/unlock`, { token, confirmed: '1' });
    expect(res.statusCode).toBe(400);
    expect(messageIds(res.body)).toEqual(['error.action.invalid']);
    expect(Number((await userRow(ctx, other.userId)).locked)).toBe(1);
  });

  it.skipIf(skip)(
    'reissue: new temporary password, old one dead, sessions ended, still locked (D-12), mailed (D-16)',
    async () => {
      const { admin, otherAdmin, user, agent } = await setupOperatorWithUser(ctx, { locked: true });
      const before = await userRow(ctx, user.userId);
      const other = await createUser(ctx, { operatorCode: user.operatorCode });
      const victim = await loginAs(ctx, other);
      const token = await issueToken(ctx, agent, `reissue:${other.userId}`);
      const ask = await execute(agent, `/users/${other.userId}/reissue`, { token, confirmed: '0' });
      expect(messageIds(ask.body)).toEqual(['info.reissue.confirm']);
      expect(ask.body).toContain('<h1>パスワード再発行確認画面</h1>');

      const done = await execute(agent, `/users/${other.userId}/reissue`, { token, confirmed: '1' });
      expect(done.statusCode).toBe(200);
      expect(messageIds(done.body)).toEqual(['info.reissue.complete', 'info.mail.notice']);
      const row = await userRow(ctx, other.userId);
      expect(Number(row.password_is_temporary)).toBe(1);
      expect(row.temporary_password_expires_at).toBe('2026-04-03T14:59:59.999Z');
      expect(await verifyPassword(row.password_hash, DEFAULT_PASSWORD)).toBe(false);
      expect(await sessionCount(ctx, other.userId)).toBe(0);
      expect((await victim.get('/')).statusCode).toBe(303);
      const history = await rowsOfUser(ctx, 'password_history', other.userId);
      expect(await verifyPassword(history[0]!.password_hash, DEFAULT_PASSWORD)).toBe(true);

      const mails = await outboxFor(ctx, 'passwordReissued', other.userId);
      expect(mails.map((m) => m.recipient).sort()).toEqual(
        [other.email, admin.email, otherAdmin.email].sort(),
      );
      const withPassword = mails.filter((m) => m.body.includes('仮パスワード: '));
      // D-16 (revised): the user concerned only, not the admin who reissued it.
      expect(withPassword.map((m) => m.recipient)).toEqual([other.email]);
      const password = /仮パスワード: (\S+)/.exec(withPassword[0]!.body)![1]!;
      expect(password.length).toBeGreaterThanOrEqual(16);
      expect(done.body).not.toContain(password);
      expect(mails.find((m) => m.recipient === otherAdmin.email)!.body).not.toContain(password);
      expect(mails.find((m) => m.recipient === admin.email)!.body).not.toContain(password);
      const audit = await auditFor(ctx, 'reissuePassword', other.userId);
      expect(audit).toHaveLength(1);
      expect(audit[0]!.detail).not.toContain(password);

      const oldLogin = await new Agent(ctx.app).post('/login', {
        userId: other.userId,
        password: DEFAULT_PASSWORD,
      });
      expect(oldLogin.statusCode).toBe(401);
      const newLogin = await new Agent(ctx.app).post('/login', { userId: other.userId, password });
      expect(newLogin.location).toBe('/password');

      // D-12: a locked user gets a new password but stays locked.
      const lockedToken = await issueToken(ctx, agent, `reissue:${user.userId}`);
      expect(
        (await execute(agent, `/users/${user.userId}/reissue`, { token: lockedToken, confirmed: '1' }))
          .statusCode,
      ).toBe(200);
      const lockedRow = await userRow(ctx, user.userId);
      expect(Number(lockedRow.locked)).toBe(1);
      expect(lockedRow.password_hash).not.toBe(before.password_hash);

      const again = await execute(agent, `/users/${other.userId}/reissue`, { token, confirmed: '1' });
      expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
      expect(await outboxFor(ctx, 'passwordReissued', other.userId)).toHaveLength(3);
    },
  );

  it.skipIf(skip)('reissue refuses a deleted user', async () => {
    const { user, agent } = await setupOperatorWithUser(ctx, { deleted: true });
    const before = await userRow(ctx, user.userId);
    const token = await issueToken(ctx, agent, `reissue:${user.userId}`);
    const res = await execute(agent, `/users/${user.userId}/reissue`, { token, confirmed: '1' });
    expect(res.statusCode).toBe(409);
    expect(messageIds(res.body)).toEqual(['error.user.deleted']);
    expect((await userRow(ctx, user.userId)).password_hash).toBe(before.password_hash);
    expect(await outboxFor(ctx, 'passwordReissued', user.userId)).toHaveLength(0);
  });

  it.skipIf(skip)('twenty parallel posts of the same reissue execute once', async () => {
    const { user, agent } = await setupOperatorWithUser(ctx);
    const token = await issueToken(ctx, agent, `reissue:${user.userId}`);
    const results = await executeAtOnce(
      agent,
      `/users/${user.userId}/reissue`,
      { token, confirmed: '1' },
      20,
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(await outboxFor(ctx, 'passwordReissued', user.userId)).toHaveLength(3);
    expect(await userRowCount(ctx, 'password_history', user.userId)).toBe(1);
  });
});
