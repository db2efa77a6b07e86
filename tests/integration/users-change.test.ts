import { expect, it } from 'vitest';
import { toSearchKey } from '../../src/features/users/model.js';
import {
  auditFor,
  createUser,
  describeOnStores,
  execute,
  fieldErrorText,
  formToken,
  issueToken,
  loginAs,
  messageIds,
  outboxFor,
  sessionCount,
  setupOperatorWithUser,
  submit,
  userRow,
} from '../helpers/integration.js';

describeOnStores('change a user (SPEC §4.5) on $kind', (ctx, { skip }) => {
  function changeForm(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      department: '需給調整部',
      userName: 'ｶﾞｲﾄﾞ 三郎',
      phone1: '06',
      phone2: '6666',
      phone3: '7777',
      email: 'saburo@example.jp',
      enabled: '1',
      validFrom: '2026/04/01',
      validTo: '2027/03/31',
      version: '1',
      ...overrides,
    };
  }

  const setup = () =>
    setupOperatorWithUser(ctx, {
      department: '総合エネルギー事業部',
      phone: '03-1234-5678',
      validFrom: '2020-01-29',
    });

  it.skipIf(skip)('shows the change form with read-only and editable fields, and the version', async () => {
    const { user, operator, agent } = await setup();
    const res = await agent.get(`/users/${user.userId}/change`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<h1>ユーザ情報変更画面</h1>');
    expect(res.body).toContain(`<a href="/users/${user.userId}">ユーザ情報詳細画面</a>`);
    expect(res.body).toContain(`<span>${user.userId}</span>`);
    expect(res.body).toContain(`<span>${operator.operatorName}</span>`);
    expect(res.body).toContain('name="version" value="1"');
    expect(res.body).toContain('value="2020/01/29"');
    expect(res.body).toContain('value="9999/12/31"');
    expect(res.body).toMatch(/name="phone2"[^>]*value="1234"/);
    expect(res.body).toMatch(/name="enabled" value="1" checked/);
    expect(res.body).not.toContain('disabled');
  });

  it.skipIf(skip)('checks real calendar dates and their order, next to the field', async () => {
    const { user, agent } = await setup();
    const badDate = await submit(
      agent,
      `/users/${user.userId}/change/confirm`,
      changeForm({ validFrom: '2026/02/30' }),
    );
    expect(badDate.statusCode).toBe(400);
    expect(messageIds(badDate.body)).toEqual(['error.form.invalid', 'error.field.date']);
    expect(fieldErrorText(badDate.body, 'validFrom')).toBe(
      '適用開始日はyyyy/mm/dd形式の正しい日付で入力してください。',
    );
    const order = await submit(
      agent,
      `/users/${user.userId}/change/confirm`,
      changeForm({ validFrom: '2026/04/02', validTo: '2026/04/01' }),
    );
    expect(order.statusCode).toBe(400);
    expect(fieldErrorText(order.body, 'validTo')).toBe(
      '適用終了日は適用開始日以降の日付を入力してください。',
    );
    const missing = await submit(agent, `/users/${user.userId}/change/confirm`, {});
    expect(missing.statusCode).toBe(400);
    expect(fieldErrorText(missing.body, 'enabled')).toBe('有効/無効を指定してください。');
    expect(Number((await userRow(ctx, user.userId)).version)).toBe(1);
  });

  it.skipIf(skip)('confirms, goes back with values kept, changes once, audits and notifies', async () => {
    const { admin, otherAdmin, user, agent } = await setup();
    const confirm = await submit(agent, `/users/${user.userId}/change/confirm`, changeForm());
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain('<h1>ユーザ情報変更確認画面</h1>');
    expect(messageIds(confirm.body)).toEqual(['info.update.confirm']);
    expect(confirm.body).toContain('<td>06-6666-7777</td>');
    expect(confirm.body).toContain('<td>2027/03/31</td>');

    const back = await submit(agent, `/users/${user.userId}/change/back`, {
      token: formToken(confirm.body, `/users/${user.userId}/change/back`),
    });
    expect(back.statusCode).toBe(200);
    expect(back.body).toContain('value="saburo@example.jp"');
    expect(back.body).toContain('value="2027/03/31"');
    expect((await userRow(ctx, user.userId)).email).toBe(user.email);

    const token = formToken(confirm.body, `/users/${user.userId}/change`);
    const done = await execute(agent, `/users/${user.userId}/change`, { token });
    expect(done.statusCode).toBe(200);
    expect(messageIds(done.body)).toEqual(['info.update.complete', 'info.mail.notice']);
    const row = await userRow(ctx, user.userId);
    expect(row).toMatchObject({
      department: '需給調整部',
      user_name: 'ｶﾞｲﾄﾞ 三郎',
      user_name_key: toSearchKey('ｶﾞｲﾄﾞ 三郎'),
      phone: '06-6666-7777',
      email: 'saburo@example.jp',
      valid_to: '2027-03-31',
    });
    expect(Number(row.version)).toBe(2);

    const audit = await auditFor(ctx, 'change', user.userId);
    expect(audit).toHaveLength(1);
    const detail = JSON.parse(audit[0]!.detail);
    expect(detail.before.email).toBe(user.email);
    expect(detail.after.email).toBe('saburo@example.jp');
    expect(audit[0]!.detail).not.toMatch(/password/i);

    const mails = await outboxFor(ctx, 'changed', user.userId);
    // The mail address changed: the old address is told as well as the new one.
    expect(mails.map((m) => m.recipient).sort()).toEqual(
      ['saburo@example.jp', user.email, admin.email, otherAdmin.email].sort(),
    );
    expect(mails[0]!.body).toContain(
      '変更項目: 所属部署、ユーザ名、電話番号、メールアドレス、適用開始日、適用終了日',
    );

    const again = await execute(agent, `/users/${user.userId}/change`, { token });
    expect(again.statusCode).toBe(409);
    expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
    expect(Number((await userRow(ctx, user.userId)).version)).toBe(2);
  });

  it.skipIf(skip)('refuses a change based on an outdated form: no lost update', async () => {
    const { otherAdmin, user, agent } = await setup();
    const other = await loginAs(ctx, otherAdmin);
    const mine = await submit(
      agent,
      `/users/${user.userId}/change/confirm`,
      changeForm({ department: '第一部' }),
    );
    const theirs = await submit(
      other,
      `/users/${user.userId}/change/confirm`,
      changeForm({ department: '第二部' }),
    );
    const first = await execute(other, `/users/${user.userId}/change`, {
      token: formToken(theirs.body, `/users/${user.userId}/change`),
    });
    expect(first.statusCode).toBe(200);
    const second = await execute(agent, `/users/${user.userId}/change`, {
      token: formToken(mine.body, `/users/${user.userId}/change`),
    });
    expect(second.statusCode).toBe(409);
    expect(messageIds(second.body)).toEqual(['error.user.staleUpdate']);
    expect((await userRow(ctx, user.userId)).department).toBe('第二部');
    // A form still showing version 1 is refused at 確認 already.
    const stale = await submit(agent, `/users/${user.userId}/change/confirm`, changeForm());
    expect(messageIds(stale.body)).toEqual(['error.user.staleUpdate']);
  });

  it.skipIf(skip)('parallel executes of changes from the same version: exactly one wins', async () => {
    const { user, agent } = await setup();
    const tokens = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        issueToken(ctx, agent, `change:${user.userId}`, {
          department: `部署${i}`,
          userName: user.userName,
          phone: null,
          email: user.email,
          enabled: true,
          validFrom: user.validFrom,
          validTo: user.validTo,
          version: 1,
        }),
      ),
    );
    const results = await Promise.all(
      tokens.map((token) => execute(agent, `/users/${user.userId}/change`, { token })),
    );
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(results.filter((r) => r.statusCode === 409)).toHaveLength(9);
    expect(Number((await userRow(ctx, user.userId)).version)).toBe(2);
    const audit = await auditFor(ctx, 'change', user.userId);
    expect(audit.filter((a) => a.outcome === 'success')).toHaveLength(1);
    expect(audit.filter((a) => a.outcome === 'failure').map((a) => JSON.parse(a.detail).reason)).toEqual(
      Array(9).fill('staleUpdate'),
    );
  });

  it.skipIf(skip)('disabling a user ends their sessions at once', async () => {
    const { user, agent } = await setup();
    const victim = await loginAs(ctx, user);
    expect(await sessionCount(ctx, user.userId)).toBe(1);
    const confirm = await submit(agent, `/users/${user.userId}/change/confirm`, changeForm({ enabled: '0' }));
    const done = await execute(agent, `/users/${user.userId}/change`, {
      token: formToken(confirm.body, `/users/${user.userId}/change`),
    });
    expect(done.statusCode).toBe(200);
    expect(Number((await userRow(ctx, user.userId)).enabled)).toBe(0);
    expect(await sessionCount(ctx, user.userId)).toBe(0);
    expect((await victim.get('/')).statusCode).toBe(303);
  });

  it.skipIf(skip)('an admin cannot change their own 有効/無効, even with a forged form', async () => {
    const { admin, agent } = await setup();
    const form = await agent.get(`/users/${admin.userId}/change`);
    expect(form.body).toMatch(/type="radio" value="1" checked disabled/);
    const posted = await submit(
      agent,
      `/users/${admin.userId}/change/confirm`,
      changeForm({ enabled: '0', email: admin.email }),
    );
    expect(posted.statusCode).toBe(400);
    expect(fieldErrorText(posted.body, 'enabled')).toBe('自分のユーザの有効/無効は変更できません。');
    const token = await issueToken(ctx, agent, `change:${admin.userId}`, {
      department: '管理部',
      userName: admin.userName,
      phone: null,
      email: admin.email,
      enabled: false,
      validFrom: admin.validFrom,
      validTo: admin.validTo,
      version: 1,
    });
    const forged = await execute(agent, `/users/${admin.userId}/change`, { token });
    expect(forged.statusCode).toBe(400);
    expect(messageIds(forged.body)).toEqual(['error.user.ownEnabled']);
    const row = await userRow(ctx, admin.userId);
    expect(Number(row.enabled)).toBe(1);
    expect(row.department).toBe(admin.department);
    // Their other fields can be changed.
    const own = await submit(agent, `/users/${admin.userId}/change/confirm`, changeForm({ enabled: '1' }));
    expect(own.statusCode).toBe(200);
  });

  it.skipIf(skip)(
    "an admin cannot point the other admin's mail address elsewhere (no takeover through reissue)",
    async () => {
      const { otherAdmin, agent } = await setup();
      const posted = await submit(
        agent,
        `/users/${otherAdmin.userId}/change/confirm`,
        changeForm({ email: 'attacker@evil.example' }),
      );
      expect(posted.statusCode).toBe(400);
      expect(fieldErrorText(posted.body, 'email')).toBe(
        '登録作業者(管理者)のメールアドレスは、本人のみ変更できます。本人に変更を依頼してください。',
      );
      // Also when 実行 carries such a change (checked again in the action's transaction).
      const token = await issueToken(ctx, agent, `change:${otherAdmin.userId}`, {
        department: otherAdmin.department,
        userName: otherAdmin.userName,
        phone: null,
        email: 'attacker@evil.example',
        enabled: true,
        validFrom: otherAdmin.validFrom,
        validTo: otherAdmin.validTo,
        version: 1,
      });
      const forged = await execute(agent, `/users/${otherAdmin.userId}/change`, { token });
      expect(forged.statusCode).toBe(400);
      expect(messageIds(forged.body)).toEqual(['error.user.adminEmailOwnOnly']);
      expect((await userRow(ctx, otherAdmin.userId)).email).toBe(otherAdmin.email);
      // The other fields of the other admin can still be changed, keeping the address.
      const ok = await submit(
        agent,
        `/users/${otherAdmin.userId}/change/confirm`,
        changeForm({ email: otherAdmin.email.toUpperCase() }),
      );
      expect(ok.statusCode).toBe(200);
    },
  );

  it.skipIf(skip)('a deleted user cannot be changed', async () => {
    const { operator, agent } = await setup();
    const gone = await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
    const form = await agent.get(`/users/${gone.userId}/change`);
    expect(form.statusCode).toBe(409);
    expect(messageIds(form.body)).toEqual(['error.user.deleted']);
    const token = await issueToken(ctx, agent, `change:${gone.userId}`, {
      department: '部',
      userName: gone.userName,
      phone: null,
      email: gone.email,
      enabled: true,
      validFrom: gone.validFrom,
      validTo: gone.validTo,
      version: 1,
    });
    const res = await execute(agent, `/users/${gone.userId}/change`, { token });
    expect(res.statusCode).toBe(409);
    expect(messageIds(res.body)).toEqual(['error.user.deleted']);
    expect((await userRow(ctx, gone.userId)).department).toBe(gone.department);
  });
});
