import { expect, it } from 'vitest';
import {
  Agent,
  auditFor,
  createOperatorWithAdmins,
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
  sessionCount,
  setupOperatorWithUser,
  userRow,
} from '../helpers/integration.js';

describeOnStores('delete and bulk delete (SPEC §4.6, §4.7) on $kind', (ctx, { skip }) => {
  const isDeleted = async (userId: string) => Number((await userRow(ctx, userId)).deleted) === 1;

  it.skipIf(skip)('shows the read-only delete screen with a 実行 that asks in the browser', async () => {
    const { user, agent } = await setupOperatorWithUser(ctx);
    const page = await agent.get(`/users/${user.userId}/delete`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>ユーザ情報削除画面</h1>');
    expect(page.body).toContain(`<td>${user.userName}</td>`);
    expect(page.body).toContain(`href="/users/${user.userId}">戻る</a>`);
    expect(page.body).toMatch(
      new RegExp(
        `action="/users/${user.userId}/delete" data-confirm="下記のユーザ情報を削除します。よろしいですか。"`,
      ),
    );
    expect(page.body).toContain('name="confirmed" value="0"');
    expect(page.body).not.toContain('<input type="text"');
  });

  it.skipIf(skip)(
    'without JavaScript asks on a page, then deletes once, ending sessions at once',
    async () => {
      const { admin, otherAdmin, user, agent } = await setupOperatorWithUser(ctx);
      const victim = await loginAs(ctx, user);
      const page = await agent.get(`/users/${user.userId}/delete`);
      const token = formToken(page.body, `/users/${user.userId}/delete`);
      const ask = await execute(agent, `/users/${user.userId}/delete`, { token, confirmed: '0' });
      expect(ask.statusCode).toBe(200);
      expect(messageIds(ask.body)).toEqual(['info.delete.confirm']);
      expect(ask.body).toContain('name="confirmed" value="1"');
      expect(formToken(ask.body, `/users/${user.userId}/delete`)).toBe(token);
      expect(await isDeleted(user.userId)).toBe(false);

      const done = await execute(agent, `/users/${user.userId}/delete`, { token, confirmed: '1' });
      expect(done.statusCode).toBe(200);
      expect(messageIds(done.body)).toEqual(['info.delete.complete', 'info.mail.notice']);
      const row = await userRow(ctx, user.userId);
      expect(Number(row.deleted)).toBe(1);
      expect(row.deleted_at).toBe(ctx.clock.now().toISOString());
      expect(Number(row.version)).toBe(2);
      expect(await sessionCount(ctx, user.userId)).toBe(0);
      expect((await victim.get('/')).statusCode).toBe(303);
      const login = await new Agent(ctx.app).post('/login', {
        userId: user.userId,
        password: DEFAULT_PASSWORD,
      });
      expect(login.statusCode).toBe(401);

      expect(await auditFor(ctx, 'delete', user.userId)).toHaveLength(1);
      const mails = await outboxFor(ctx, 'deleted', user.userId);
      expect(mails.map((m) => m.recipient).sort()).toEqual(
        [user.email, admin.email, otherAdmin.email].sort(),
      );

      const again = await execute(agent, `/users/${user.userId}/delete`, { token, confirmed: '1' });
      expect(again.statusCode).toBe(409);
      expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
      expect(await outboxFor(ctx, 'deleted', user.userId)).toHaveLength(3);
    },
  );

  it.skipIf(skip)('twenty parallel posts of the same delete execute once', async () => {
    const { user, agent } = await setupOperatorWithUser(ctx);
    const token = await issueToken(ctx, agent, `delete:${user.userId}`);
    const results = await executeAtOnce(agent, `/users/${user.userId}/delete`, { token, confirmed: '1' }, 20);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(
      await auditFor(ctx, 'delete', user.userId).then((a) => a.filter((x) => x.outcome === 'success')),
    ).toHaveLength(1);
    expect(await outboxFor(ctx, 'deleted', user.userId)).toHaveLength(3);
  });

  it.skipIf(skip)('refuses admins and deleted users, with the error at the top', async () => {
    const { otherAdmin, operator, agent } = await setupOperatorWithUser(ctx);
    const adminPage = await agent.get(`/users/${otherAdmin.userId}/delete`);
    expect(adminPage.statusCode).toBe(409);
    expect(messageIds(adminPage.body)).toEqual(['error.user.adminCannotBeDeleted']);
    expect(adminPage.body).not.toContain('data-confirm');
    const forged = await execute(agent, `/users/${otherAdmin.userId}/delete`, {
      token: await issueToken(ctx, agent, `delete:${otherAdmin.userId}`),
      confirmed: '1',
    });
    expect(forged.statusCode).toBe(409);
    expect(messageIds(forged.body)).toEqual(['error.user.adminCannotBeDeleted']);
    expect(await isDeleted(otherAdmin.userId)).toBe(false);

    const gone = await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
    const gonePage = await agent.get(`/users/${gone.userId}/delete`);
    expect(messageIds(gonePage.body)).toEqual(['error.user.deleted']);
    const unknown = await agent.get('/users/U000000000/delete');
    expect(unknown.statusCode).toBe(404);
    expect(messageIds(unknown.body)).toEqual(['error.user.notFound']);
  });

  it.skipIf(skip)('bulk delete: a confirmation page listing the users, then all deleted', async () => {
    const { admin, operator, agent } = await setupOperatorWithUser(ctx);
    const a = await createUser(ctx, { operatorCode: operator.operatorCode });
    const b = await createUser(ctx, { operatorCode: operator.operatorCode });
    const token = await issueToken(ctx, agent, 'bulkDelete');
    const ask = await execute(agent, '/users/bulk-delete', {
      token,
      confirmed: '0',
      userIds: [a.userId, b.userId],
    });
    expect(ask.statusCode).toBe(200);
    expect(messageIds(ask.body)).toEqual(['info.bulkDelete.confirm']);
    expect(ask.body).toContain('選択したユーザ情報（2件）を一括削除します。');
    expect(ask.body).toContain(`name="userIds" value="${a.userId}"`);
    expect(ask.body).toContain(`name="userIds" value="${b.userId}"`);
    expect(await isDeleted(a.userId)).toBe(false);

    const done = await execute(agent, '/users/bulk-delete', {
      token,
      confirmed: '1',
      userIds: [a.userId, b.userId],
    });
    expect(done.statusCode).toBe(200);
    expect(messageIds(done.body)).toEqual(['info.bulkDelete.complete', 'info.mail.notice']);
    expect(done.body).toContain('ユーザ情報の一括削除が完了しました（2件）。');
    expect(await isDeleted(a.userId)).toBe(true);
    expect(await isDeleted(b.userId)).toBe(true);
    const audit = await ctx.store.db
      .selectFrom('audit_records')
      .selectAll()
      .where('action', '=', 'bulkDelete')
      .where('actor_user_id', '=', admin.userId)
      .where('outcome', '=', 'success')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail).userIds).toEqual([a.userId, b.userId]);
    expect(await outboxFor(ctx, 'deleted', a.userId)).toHaveLength(3);
    expect(await outboxFor(ctx, 'deleted', b.userId)).toHaveLength(3);

    const again = await execute(agent, '/users/bulk-delete', { token, confirmed: '1', userIds: [a.userId] });
    expect(again.statusCode).toBe(409);
    expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
  });

  it.skipIf(skip)('bulk delete works with the token of the list page', async () => {
    const { operator, agent } = await setupOperatorWithUser(ctx);
    const a = await createUser(ctx, { operatorCode: operator.operatorCode });
    const list = await agent.get('/users');
    const token = formToken(list.body, '/users/bulk-delete');
    const done = await execute(agent, '/users/bulk-delete', { token, confirmed: '1', userIds: [a.userId] });
    expect(done.statusCode).toBe(200);
    expect(await isDeleted(a.userId)).toBe(true);
  });

  it.skipIf(skip)('bulk delete is all or nothing and names what blocked it (D-11)', async () => {
    const { otherAdmin, operator, agent } = await setupOperatorWithUser(ctx);
    const ok = await createUser(ctx, { operatorCode: operator.operatorCode });
    const gone = await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
    const foreign = await createOperatorWithAdmins(ctx);
    const stranger = await createUser(ctx, { operatorCode: foreign.operator.operatorCode });
    const ids = [ok.userId, otherAdmin.userId, gone.userId, stranger.userId, 'U999999999'];
    for (const confirmed of ['0', '1']) {
      const token = await issueToken(ctx, agent, 'bulkDelete');
      const res = await execute(agent, '/users/bulk-delete', { token, confirmed, userIds: ids });
      expect(res.statusCode).toBe(409);
      expect(messageIds(res.body)).toEqual(['error.bulkDelete.blocked']);
      for (const id of ids.slice(1)) expect(res.body).toContain(id);
      expect(res.body).toContain('href="/users"');
      // Another operator's user reads exactly like an unknown ID: named, nothing more.
      expect(res.body).not.toContain(stranger.userName);
    }
    expect(await isDeleted(ok.userId)).toBe(false);
    expect(await isDeleted(stranger.userId)).toBe(false);
    expect(await outboxFor(ctx, 'deleted', ok.userId)).toHaveLength(0);
  });

  it.skipIf(skip)(
    'a refused bulk delete shows the list again with the ticked boxes still ticked',
    async () => {
      const { admin, otherAdmin, operator, user, agent } = await setupOperatorWithUser(ctx);
      const ok = await createUser(ctx, { operatorCode: operator.operatorCode });
      const untouched = await createUser(ctx, { operatorCode: operator.operatorCode });
      const foreign = await createOperatorWithAdmins(ctx);
      const stranger = await createUser(ctx, { operatorCode: foreign.operator.operatorCode });
      const listQuery = `operatorCode=${operator.operatorCode}&userId=&userName=&search=1&page=1`;
      const tickedIn = (body: string) =>
        [...body.matchAll(/<input type="checkbox" name="userIds" value="([^"]+)"([^>]*)\/>/g)]
          .filter((m) => / checked\b/.test(m[2]!))
          .map((m) => m[1]!)
          .sort();
      // With JavaScript (confirmed=1) and without (the refusal comes before the confirmation page).
      for (const confirmed of ['1', '0']) {
        const token = await issueToken(ctx, agent, 'bulkDelete');
        const res = await execute(agent, '/users/bulk-delete', {
          token,
          confirmed,
          listQuery,
          userIds: [ok.userId, otherAdmin.userId, stranger.userId],
        });
        expect(res.statusCode).toBe(409);
        expect(messageIds(res.body)).toEqual(['error.bulkDelete.blocked']);
        expect(res.body).toContain('<h1>ユーザ情報一覧画面</h1>');
        // The two of this operator stay ticked; the others of the list do not get ticked;
        // another operator's ID ticks nothing (it is not on the list).
        expect(tickedIn(res.body)).toEqual([ok.userId, otherAdmin.userId].sort());
        expect(res.body).toContain(`name="userIds" value="${untouched.userId}"`);
        expect(res.body).not.toContain(`name="userIds" value="${stranger.userId}"`);
        // Not every row is ticked, so neither is the header box; a fresh token to try again.
        expect(res.body).toMatch(/<input type="checkbox" data-select-all(="true")?\/>/);
        expect(formToken(res.body, '/users/bulk-delete')).not.toBe(token);
      }
      expect(await isDeleted(ok.userId)).toBe(false);

      // Every row ticked: the header box too.
      const all = [ok.userId, untouched.userId, otherAdmin.userId, admin.userId, user.userId];
      const res = await execute(agent, '/users/bulk-delete', {
        token: await issueToken(ctx, agent, 'bulkDelete'),
        confirmed: '1',
        listQuery,
        userIds: all,
      });
      expect(res.statusCode).toBe(409);
      expect(tickedIn(res.body)).toEqual([...all].sort());
      expect(res.body).toMatch(/<input type="checkbox" data-select-all(="true")? checked\/>/);
    },
  );

  it.skipIf(skip)('bulk delete with nothing selected says so', async () => {
    const { agent } = await setupOperatorWithUser(ctx);
    const token = await issueToken(ctx, agent, 'bulkDelete');
    const res = await execute(agent, '/users/bulk-delete', { token, confirmed: '1' });
    expect(res.statusCode).toBe(400);
    expect(messageIds(res.body)).toEqual(['error.bulkDelete.noneSelected']);
  });
});
