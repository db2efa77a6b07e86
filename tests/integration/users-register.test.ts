import { expect, it } from 'vitest';
import {
  Agent,
  auditFor,
  createOperatorWithGeneralUsers,
  describeOnStores,
  execute,
  executeAtOnce,
  fieldErrorText,
  formToken,
  issueToken,
  liveGeneralUsers,
  loginAs,
  messageIds,
  outboxFor,
  registerForm,
  setupOperator,
  submit,
  userRow,
} from '../helpers/integration.js';

describeOnStores('register a user (SPEC §4.4) on $kind', (ctx, { skip }) => {
  it.skipIf(skip)(
    'shows the registration form with only 7:登録作業者(一般) and the own operator code',
    async () => {
      const { operator, agent } = await setupOperator(ctx);
      const res = await agent.get('/users/new');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<h1>ユーザ情報登録画面</h1>');
      expect(res.body).toContain('ユーザ情報一覧画面');
      expect([...res.body.matchAll(/<option /g)]).toHaveLength(1);
      expect(res.body).toContain('7:登録作業者(一般)');
      expect(res.body).toMatch(
        new RegExp(`id="operatorCode" type="text" value="${operator.operatorCode}" readonly`),
      );
      for (const name of ['department', 'userName', 'phone1', 'phone2', 'phone3', 'email']) {
        expect(res.body).toContain(`name="${name}"`);
      }
    },
  );

  it.skipIf(skip)('shows errors next to the fields and at the top, keeping what was typed', async () => {
    const { agent } = await setupOperator(ctx);
    const res = await submit(
      agent,
      '/users/new/confirm',
      registerForm({
        department: '',
        email: 'not-an-address',
        phone1: '03',
        phone2: '',
        phone3: '',
        userName: '試験<太郎>',
      }),
    );
    expect(res.statusCode).toBe(400);
    // The form's message, then each field's message (a link to the field), in form order.
    expect(messageIds(res.body)).toEqual([
      'error.form.invalid',
      'error.field.required',
      'error.field.phone',
      'error.field.email',
    ]);
    expect(fieldErrorText(res.body, 'department')).toBe('所属部署を入力してください。');
    expect(fieldErrorText(res.body, 'email')).toBe('正しいメールアドレスを入力してください。');
    expect(fieldErrorText(res.body, 'phone1')).toContain('電話番号は半角数字');
    expect(res.body).toContain('value="not-an-address"');
    expect(res.body).toContain('value="試験&lt;太郎>"');
  });

  it.skipIf(skip)('never answers bad input with a 500: missing, repeated and odd fields', async () => {
    const { agent } = await setupOperator(ctx);
    const empty = await submit(agent, '/users/new/confirm', {});
    expect(empty.statusCode).toBe(400);
    expect(fieldErrorText(empty.body, 'role')).toBe('権限区分を指定してください。');
    const repeated = await submit(agent, '/users/new/confirm', {
      ...registerForm(),
      role: ['1', '7'],
      department: ['a', 'b'],
    });
    // SPEC D-19: a repeated field is a 400 page naming it; nothing is guessed.
    expect(repeated.statusCode).toBe(400);
    expect(messageIds(repeated.body)).toEqual(['error.input.repeated', 'error.input.repeated']);
    expect(repeated.body).toContain('「権限区分」が複数回送信されました。');
    const adminRole = await submit(agent, '/users/new/confirm', registerForm({ role: 'admin' }));
    expect(adminRole.statusCode).toBe(400);
    const noToken = await execute(agent, '/users/new', {});
    expect(noToken.statusCode).toBe(400);
    expect(messageIds(noToken.body)).toEqual(['error.action.invalid']);
  });

  it.skipIf(skip)(
    'confirms, goes back with the values kept, executes once, and mails the temporary password',
    async () => {
      const { admin, otherAdmin, operator, agent } = await setupOperator(ctx);
      const email = `jiro.${operator.operatorCode.toLowerCase()}@example.jp`;
      const confirm = await submit(
        agent,
        '/users/new/confirm',
        registerForm({ email, userName: ' 事業者 二郎 ' }),
      );
      expect(confirm.statusCode).toBe(200);
      expect(confirm.body).toContain('<h1>ユーザ情報登録確認画面</h1>');
      expect(messageIds(confirm.body)).toEqual(['info.regist.confirm']);
      expect(confirm.body).toContain('下記の情報で登録します。よろしいですか。');
      expect(confirm.body).toContain(operator.operatorName);
      expect(confirm.body).toContain('03-1234-5678');
      expect(confirm.body).toContain('<td>事業者 二郎</td>');

      // 戻る: the form with the confirmed values.
      const back = await submit(agent, '/users/new/back', {
        token: formToken(confirm.body, '/users/new/back'),
      });
      expect(back.statusCode).toBe(200);
      expect(back.body).toContain('<h1>ユーザ情報登録画面</h1>');
      expect(back.body).toContain(`value="${email}"`);
      expect(back.body).toContain('value="1234"');
      expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(0);

      const token = formToken(confirm.body, '/users/new');
      const done = await execute(agent, '/users/new', { token });
      expect(done.statusCode).toBe(200);
      expect(messageIds(done.body)).toEqual(['info.regist.complete', 'info.mail.notice']);
      const users = await liveGeneralUsers(ctx, operator.operatorCode);
      expect(users).toHaveLength(1);
      const created = users[0]!;
      expect(done.body).toContain(created.user_id);
      expect(created.user_id).toMatch(/^U\d{9}$/);
      expect(created.user_name).toBe('事業者 二郎');
      expect(created.phone).toBe('03-1234-5678');
      expect(Number(created.password_is_temporary)).toBe(1);
      expect(created.temporary_password_expires_at).toBe('2026-04-03T14:59:59.999Z');
      expect(created.valid_from).toBe('2026-04-01');

      // D-16: the password goes to the new user and the acting admin only; never on screen.
      const mails = await outboxFor(ctx, 'registered', created.user_id);
      expect(mails.map((m) => m.recipient).sort()).toEqual([admin.email, otherAdmin.email, email].sort());
      const withPassword = mails.filter((m) => m.body.includes('仮パスワード: '));
      expect(withPassword.map((m) => m.recipient).sort()).toEqual([admin.email, email].sort());
      const password = /仮パスワード: (\S+)/.exec(withPassword[0]!.body)![1]!;
      expect(done.body).not.toContain(password);
      expect(mails.find((m) => m.recipient === otherAdmin.email)!.body).not.toContain(password);

      // The mailed temporary password works and forces the password change.
      const newcomer = new Agent(ctx.app);
      const login = await newcomer.post('/login', { userId: created.user_id, password });
      expect(login.location).toBe('/password');

      const audit = await auditFor(ctx, 'register', created.user_id);
      expect(audit).toHaveLength(1);
      expect(audit[0]!.actor_user_id).toBe(admin.userId);
      expect(audit[0]!.detail).not.toContain(password);

      // A reload / double click / 戻る then 実行: nothing more happens.
      const again = await execute(agent, '/users/new', { token });
      expect(again.statusCode).toBe(409);
      expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
      const backAfter = await submit(agent, '/users/new/back', { token });
      expect(messageIds(backAfter.body)).toEqual(['error.alreadyExecuted']);
      expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(1);
      expect(await outboxFor(ctx, 'registered', created.user_id)).toHaveLength(3);
    },
  );

  it.skipIf(skip)('does not accept a token of another session', async () => {
    const { otherAdmin, operator, agent } = await setupOperator(ctx);
    const other = await loginAs(ctx, otherAdmin);
    const confirm = await submit(agent, '/users/new/confirm', registerForm());
    const stolen = await execute(other, '/users/new', { token: formToken(confirm.body, '/users/new') });
    expect(stolen.statusCode).toBe(400);
    expect(messageIds(stolen.body)).toEqual(['error.action.invalid']);
    expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(0);
  });

  it.skipIf(skip)('refuses the 9th general user; deleted users do not count', async () => {
    const { admin, operator } = await createOperatorWithGeneralUsers(ctx, 7);
    const code = operator.operatorCode;
    const agent = await loginAs(ctx, admin);
    // A token confirmed while there was room, executed after the 8th arrived.
    const early = await submit(agent, '/users/new/confirm', registerForm());
    const lateToken = formToken(early.body, '/users/new');
    const eighth = await submit(agent, '/users/new/confirm', registerForm({ email: 'eighth@example.jp' }));
    expect(
      (await execute(agent, '/users/new', { token: formToken(eighth.body, '/users/new') })).statusCode,
    ).toBe(200);
    expect(await liveGeneralUsers(ctx, code)).toHaveLength(8);

    const ninth = await execute(agent, '/users/new', { token: lateToken });
    expect(ninth.statusCode).toBe(409);
    expect(messageIds(ninth.body)).toEqual(['error.user.limitReached']);
    expect(await liveGeneralUsers(ctx, code)).toHaveLength(8);
    const refused = await ctx.store.db
      .selectFrom('audit_records')
      .selectAll()
      .where('action', '=', 'register')
      .where('outcome', '=', 'failure')
      .where('operator_code', '=', code)
      .execute();
    expect(refused).toHaveLength(1);

    // The confirmation already says so.
    const confirm = await submit(agent, '/users/new/confirm', registerForm());
    expect(confirm.statusCode).toBe(409);
    expect(messageIds(confirm.body)).toEqual(['error.user.limitReached']);
  });

  it.skipIf(skip)('twenty parallel registrations end with exactly eight general users', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const payload = { department: '試験部', userName: '並行 登録', phone: null, email: 'para@example.jp' };
    const tokens = await Promise.all(
      Array.from({ length: 20 }, () => issueToken(ctx, agent, 'register', payload)),
    );
    const results = await Promise.all(tokens.map((token) => execute(agent, '/users/new', { token })));
    const ok = results.filter((r) => r.statusCode === 200);
    const refused = results.filter((r) => r.statusCode === 409);
    expect(ok).toHaveLength(8);
    expect(refused).toHaveLength(12);
    for (const r of refused) expect(messageIds(r.body)).toEqual(['error.user.limitReached']);
    expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(8);
  });

  it.skipIf(skip)('twenty parallel posts of the same token register once', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const confirm = await submit(agent, '/users/new/confirm', registerForm());
    const token = formToken(confirm.body, '/users/new');
    const results = await executeAtOnce(agent, '/users/new', { token }, 20);
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 200)) {
      expect(messageIds(r.body)).toEqual(['error.alreadyExecuted']);
    }
    expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(1);
  });

  it.skipIf(skip)('stores what the confirmation showed, not what is posted with 実行', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const confirm = await submit(agent, '/users/new/confirm', registerForm({ userName: '確認 済子' }));
    const done = await execute(agent, '/users/new', {
      token: formToken(confirm.body, '/users/new'),
      ...registerForm({ userName: '改ざん 太郎' }),
    });
    expect(done.statusCode).toBe(200);
    const [user] = await liveGeneralUsers(ctx, operator.operatorCode);
    expect((await userRow(ctx, user!.user_id)).user_name).toBe('確認 済子');
  });

  it.skipIf(skip)(
    'back to the confirmation after 実行, then 確認 and 実行 again, registers once',
    async () => {
      const { operator, agent } = await setupOperator(ctx);
      const page = await agent.get('/users/new');
      const formId = /name="formId" value="([^"]+)"/.exec(page.body)?.[1];
      expect(formId).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
      const values = registerForm({ userName: '戻り 一郎', email: 'modori@example.jp', formId: formId! });

      // 確認 → 戻る → 確認 again: two confirmations of one form; either may execute, once.
      const first = formToken((await submit(agent, '/users/new/confirm', values)).body, '/users/new');
      const back = await submit(agent, '/users/new/back', { token: first });
      expect(back.body).toContain(`name="formId" value="${formId}"`);
      const second = formToken((await submit(agent, '/users/new/confirm', values)).body, '/users/new');
      expect(second).not.toBe(first);
      expect((await execute(agent, '/users/new', { token: second })).statusCode).toBe(200);

      // The browser's back button re-posts the confirmation (a third token): still refused.
      const third = formToken((await submit(agent, '/users/new/confirm', values)).body, '/users/new');
      for (const token of [first, third]) {
        const again = await execute(agent, '/users/new', { token });
        expect(again.statusCode).toBe(409);
        expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
      }
      expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(1);

      // A new showing of the form is a new registration.
      const next = await agent.get('/users/new');
      const otherFormId = /name="formId" value="([^"]+)"/.exec(next.body)?.[1];
      expect(otherFormId).not.toBe(formId);
      const fresh = formToken(
        (
          await submit(agent, '/users/new/confirm', {
            ...values,
            email: 'modori2@example.jp',
            formId: otherFormId!,
          })
        ).body,
        '/users/new',
      );
      expect((await execute(agent, '/users/new', { token: fresh })).statusCode).toBe(200);
      expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(2);
    },
  );
});
