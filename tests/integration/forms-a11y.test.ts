import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, passwordPolicyProblems } from '../../src/features/auth/password-policy.js';
import { messages } from '../../src/lib/messages.js';
import {
  Agent,
  createOperatorWithAdmins,
  createOperatorWithUser,
  DEFAULT_PASSWORD,
  describeOnStores,
  loginAs,
  messageIds,
  registerForm,
  setupOperator,
  submit,
} from '../helpers/integration.js';
import { postMultipart, uploadParts } from '../helpers/multipart.js';

/**
 * Forms that a keyboard and a screen reader can use (WCAG 2.2 AA; the UX issue's item 5):
 * every field's error and hint tied to its control, an error summary that links to the
 * fields and takes the focus, radios grouped under a legend, a skip link first; and the
 * password change naming every problem of the new password at once (SPEC D-13).
 */

/** The attributes of the start tag of the element with this id. */
function attributesOf(body: string, id: string): Record<string, string> {
  const tag = new RegExp(`<[a-z]+ [^>]*\\bid="${id}"[^>]*>`).exec(body)?.[0];
  if (!tag) throw new Error(`no element with id="${id}"`);
  return attributes(tag);
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/\s([a-z-]+)(?:="([^"]*)")?/g)) out[m[1]!] = m[2] ?? '';
  return out;
}

/** The start tags of the controls named `name` (the three parts of 電話番号, the radios). */
function controlsNamed(body: string, name: string): Record<string, string>[] {
  return [...body.matchAll(new RegExp(`<input [^>]*name="${name}"[^>]*>`, 'g'))].map((m) => attributes(m[0]));
}

/** The error summary at the top of the screen: its start tag and its contents. */
function errorSummary(body: string): { attrs: Record<string, string>; html: string } | undefined {
  const m = /(<div class="messages messages-error"[^>]*>)([\s\S]*?)<\/div>/.exec(body);
  return m ? { attrs: attributes(m[1]!), html: m[2]! } : undefined;
}

/** The fields the summary links to, in order. */
function summaryLinks(body: string): string[] {
  return [...(errorSummary(body)?.html ?? '').matchAll(/<a href="#([^"]+)"/g)].map((m) => m[1]!);
}

/** A page's messages (catalog IDs, in order) and the links of its error summary. */
function summaryOf(body: string): { messages: string[]; links: string[] } {
  return { messages: messageIds(body), links: summaryLinks(body) };
}

/** The text of an element by id, tags taken out. */
function textOf(body: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</div>`).exec(body);
  if (!m) throw new Error(`no element with id="${id}"`);
  return m[1]!.replace(/<[^>]+>/g, '');
}

/** The first element after <body> that Tab can reach. */
function firstFocusable(body: string): string {
  const after = body.slice(body.indexOf('<body'));
  const m = /<(a|button|select|textarea|summary)\b[^>]*>|<input (?![^>]*type="hidden")[^>]*>/.exec(after);
  return m?.[0] ?? '';
}

/** The shared layout: skip link first, main as its target, at most one autofocus. */
function expectLayout(body: string): void {
  expect(firstFocusable(body)).toBe('<a class="skip-link" href="#main">');
  expect(body).toContain('本文へスキップ</a>');
  expect(body).toContain('<main id="main" tabindex="-1">');
  expect(body.match(/\sautofocus[\s>]/g)?.length ?? 0).toBeLessThanOrEqual(1);
}

/** The summary, with errors: focused at load with no script, and every link leads to a field. */
function expectFocusedSummary(body: string): void {
  const summary = errorSummary(body);
  expect(summary, 'an error summary').toBeDefined();
  expect(summary!.attrs).toMatchObject({ role: 'alert', tabindex: '-1', autofocus: '' });
  for (const id of summaryLinks(body))
    expect(body, id).toMatch(new RegExp(`<(input|select)[^>]* id="${id}"`));
}

describeOnStores('accessible forms (WCAG 2.2 AA) on $kind', (ctx, { skip }) => {
  it.skipIf(skip)('the register form: hints always, errors tied to fields, a summary of links', async () => {
    const { agent } = await setupOperator(ctx);

    const blank = await agent.get('/users/new');
    expectLayout(blank.body);
    expect(errorSummary(blank.body)).toBeUndefined();
    expect(blank.body).not.toContain('aria-invalid');
    expect(attributesOf(blank.body, 'department')['aria-describedby']).toBe('department-hint');
    expect(attributesOf(blank.body, 'role')['aria-describedby']).toBe('role-hint');
    expect(attributesOf(blank.body, 'operatorCode')['aria-describedby']).toBe('operatorCode-hint');
    expect(textOf(blank.body, 'department-hint')).toBe('全角または半角文字で入力してください。');
    // 電話番号's three parts form a group named by its legend.
    expect(blank.body).toContain(
      '<fieldset class="field-group"><legend class="visually-hidden">電話番号</legend>',
    );

    const res = await submit(
      agent,
      '/users/new/confirm',
      registerForm({ department: '', email: 'not-an-address', phone1: '03', phone2: '', phone3: '' }),
    );
    expect(res.statusCode).toBe(400);
    expectLayout(res.body);
    expectFocusedSummary(res.body);
    for (const id of ['department', 'email']) {
      expect(attributesOf(res.body, id), id).toMatchObject({
        'aria-invalid': 'true',
        'aria-describedby': `${id}-error ${id}-hint`,
      });
      expect(attributesOf(res.body, `${id}-error`).class).toBe('field-error');
    }
    expect(textOf(res.body, 'email-error')).toBe(messages['error.field.email']);
    // Every part of 電話番号 is marked and described, whichever has the focus.
    const phoneParts = ['phone1', 'phone2', 'phone3'].flatMap((n) => controlsNamed(res.body, n));
    expect(phoneParts).toHaveLength(3);
    for (const part of phoneParts) {
      expect(part).toMatchObject({ 'aria-invalid': 'true', 'aria-describedby': 'phone1-error phone1-hint' });
    }
    // A field without an error keeps its hint and is not marked.
    expect(attributesOf(res.body, 'userName')['aria-invalid']).toBeUndefined();
    expect(attributesOf(res.body, 'userName')['aria-describedby']).toBe('userName-hint');
    // The summary: the form's message, then a link to each field in error, in form order.
    expect(summaryOf(res.body)).toEqual({
      messages: ['error.form.invalid', 'error.field.required', 'error.field.phone', 'error.field.email'],
      links: ['department', 'phone1', 'email'],
    });
    expect(errorSummary(res.body)!.html).toContain('<a href="#department">所属部署を入力してください。</a>');
    // No other autofocus competes with the summary's.
    expect(res.body.match(/\sautofocus[\s>]/g)).toHaveLength(1);
  });

  it.skipIf(skip)(
    'the change form: 有効/無効 radios in a fieldset with a legend, tied to the error',
    async () => {
      const { admin, user } = await createOperatorWithUser(ctx);
      const agent = await loginAs(ctx, admin);

      const form = await agent.get(`/users/${user.userId}/change`);
      expectLayout(form.body);
      expect(form.body).toMatch(
        /<fieldset class="field-group"><legend class="visually-hidden">有効\/無効<\/legend>(?:(?!<\/fieldset>)[\s\S])*name="enabled" value="1"(?:(?!<\/fieldset>)[\s\S])*name="enabled" value="0"[\s\S]*?<\/fieldset>/,
      );
      for (const radio of controlsNamed(form.body, 'enabled')) {
        expect(radio['aria-describedby']).toBe('enabled-hint');
        expect(radio['aria-invalid']).toBeUndefined();
      }

      const res = await submit(agent, `/users/${user.userId}/change/confirm`, {
        department: '需給調整部',
        userName: '試験 花子',
        email: 'hanako@example.jp',
        validFrom: '2026/02/30',
        validTo: '2027/03/31',
        version: '1',
      });
      expect(res.statusCode).toBe(400);
      expectFocusedSummary(res.body);
      const radios = controlsNamed(res.body, 'enabled');
      expect(radios).toHaveLength(2);
      for (const radio of radios) {
        expect(radio).toMatchObject({
          'aria-invalid': 'true',
          'aria-describedby': 'enabled-error enabled-hint',
        });
      }
      expect(textOf(res.body, 'enabled-error')).toBe(messages['error.field.enabled']);
      expect(attributesOf(res.body, 'validFrom')).toMatchObject({
        'aria-invalid': 'true',
        'aria-describedby': 'validFrom-error validFrom-hint',
      });
      expect(summaryLinks(res.body)).toEqual(['enabled', 'validFrom']);
      expect(attributesOf(res.body, 'validTo')['aria-invalid']).toBeUndefined();
    },
  );

  it.skipIf(skip)(
    'the login page: skip link first, no autofocus but the summary after an error',
    async () => {
      const { admin } = await createOperatorWithAdmins(ctx);
      const agent = new Agent(ctx.app);
      const page = await agent.get('/login');
      expectLayout(page.body);
      expect(page.body).not.toContain('autofocus');
      expect(attributesOf(page.body, 'password')['aria-describedby']).toBe('login-note');
      expect(attributesOf(page.body, 'login-note').class).toBe('note');

      const refused = await agent.post('/login', { userId: admin.userId, password: 'not the password 1' });
      expect(refused.statusCode).toBe(401);
      expectLayout(refused.body);
      expectFocusedSummary(refused.body);
      // SPEC D-14: the refusal names neither field.
      expect(refused.body).not.toContain('aria-invalid');
      expect(summaryLinks(refused.body)).toEqual([]);
    },
  );

  it.skipIf(skip)('the password change lists every problem of the new password at once', async () => {
    const { user: seed } = await createOperatorWithUser(ctx);
    // A mail address whose local part is the ユーザID: the ID alone breaks three rules.
    await ctx.store.db
      .updateTable('users')
      .set({ email: `${seed.userId.toLowerCase()}@example.jp` })
      .where('user_id', '=', seed.userId)
      .execute();
    const agent = await loginAs(ctx, seed);

    const blank = await agent.get('/password');
    expectLayout(blank.body);
    expect(attributesOf(blank.body, 'newPassword')['aria-describedby']).toBe('newPassword-hint');
    expect(attributesOf(blank.body, 'currentPassword')['aria-describedby']).toBeUndefined();
    // The rules as a hint, before anything is typed.
    const rules = textOf(blank.body, 'newPassword-hint');
    for (const rule of [
      '12文字以上128文字以内',
      'よく使われている',
      'ユーザID、ユーザ名、メールアドレス',
      '直近3回',
    ]) {
      expect(rules).toContain(rule);
    }

    const res = await agent.post('/password', {
      currentPassword: 'not my password at all',
      newPassword: seed.userId,
      confirmPassword: 'something else entirely',
    });
    expect(res.statusCode).toBe(400);
    expectLayout(res.body);
    expectFocusedSummary(res.body);
    // Beside the new password: every rule it breaks, as a list.
    const newError = /<div class="field-error" id="newPassword-error">([\s\S]*?)<\/div>/.exec(res.body)![1]!;
    expect(newError).toMatch(/^<ul class="field-problems">/);
    expect([...newError.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1])).toEqual([
      messages['error.password.tooShort'],
      messages['error.password.containsUserId'],
      messages['error.password.containsEmail'],
    ]);
    expect(textOf(res.body, 'confirmPassword-error')).toBe(messages['error.password.mismatch']);
    expect(textOf(res.body, 'currentPassword-error')).toBe(messages['error.password.currentWrong']);
    for (const id of ['currentPassword', 'confirmPassword']) {
      expect(attributesOf(res.body, id)).toMatchObject({
        'aria-invalid': 'true',
        'aria-describedby': `${id}-error`,
      });
    }
    expect(attributesOf(res.body, 'newPassword')).toMatchObject({
      'aria-invalid': 'true',
      'aria-describedby': 'newPassword-error newPassword-hint',
    });
    // At the top: one line per field, linking to it; the new password's counts its problems.
    expect(summaryOf(res.body)).toEqual({
      messages: [
        'error.form.invalid',
        'error.password.currentWrong',
        'error.password.policy',
        'error.password.mismatch',
      ],
      links: ['currentPassword', 'newPassword', 'confirmPassword'],
    });
    expect(errorSummary(res.body)!.html).toContain(
      '<a href="#newPassword">新しいパスワードがパスワードの条件を3つ満たしていません。</a>',
    );
    expect(errorSummary(res.body)!.html).toContain(
      '<a href="#confirmPassword">新しいパスワード（確認）：新しいパスワードと確認用のパスワードが一致しません。</a>',
    );

    // Too short and common at once (a keyboard row).
    const row = await agent.post('/password', {
      currentPassword: DEFAULT_PASSWORD,
      newPassword: 'qwertyuiop',
      confirmPassword: 'qwertyuiop',
    });
    expect(row.statusCode).toBe(400);
    expect(row.body).toContain(`<li>${messages['error.password.tooShort']}</li>`);
    expect(row.body).toContain(`<li>${messages['error.password.common']}</li>`);
    expect(row.body).not.toContain('id="currentPassword-error"');

    // The previous passwords are compared only once the current password is known: a wrong
    // current password with a reused new one says nothing about the reuse.
    const guess = await agent.post('/password', {
      currentPassword: 'not my password at all',
      newPassword: DEFAULT_PASSWORD,
      confirmPassword: DEFAULT_PASSWORD,
    });
    expect(messageIds(guess.body)).toEqual(['error.form.invalid', 'error.password.currentWrong']);
    expect(guess.body).not.toContain(messages['error.password.reused']);
    // One problem alone is shown as text beside the field, not as a list.
    const reused = await agent.post('/password', {
      currentPassword: DEFAULT_PASSWORD,
      newPassword: DEFAULT_PASSWORD,
      confirmPassword: DEFAULT_PASSWORD,
    });
    expect(textOf(reused.body, 'newPassword-error')).toBe(messages['error.password.reused']);
    expect(reused.body).not.toContain('field-problems');
  });

  it.skipIf(skip)(
    'the bulk register upload: the file field tied to its error and linked from the top',
    async () => {
      const { agent } = await setupOperator(ctx);
      const form = await agent.get('/users/bulk-register');
      expectLayout(form.body);
      expect(attributesOf(form.body, 'file')['aria-describedby']).toBe('file-hint');
      expect(attributesOf(form.body, 'encoding')['aria-describedby']).toBe('encoding-hint');
      const res = await postMultipart(agent, '/users/bulk-register/confirm', uploadParts(agent, ''));
      expect(res.statusCode).toBe(400);
      expectFocusedSummary(res.body);
      expect(attributesOf(res.body, 'file')).toMatchObject({
        'aria-invalid': 'true',
        'aria-describedby': 'file-error file-hint',
      });
      expect(summaryLinks(res.body)).toEqual(['file']);
    },
  );
});

describe('the first-problem function still answers as before (SPEC D-13)', () => {
  const context = { userId: 'U520008303', userName: '事業者 一郎', email: 'ichiro.j@example.jp' };
  it('is the first of all the problems, for every kind of password', () => {
    for (const password of [
      'short',
      'qwertyuiop',
      'u520008303',
      'x'.repeat(129),
      ' '.repeat(12),
      'long enough\u0007password',
      'unbelievable',
      'my u520008303 ichiro.j password',
      '一郎のパスワードですけれども',
      'correct horse battery staple',
    ]) {
      const all = passwordPolicyProblems(password, context);
      expect(checkPasswordPolicy(password, context), password).toBe(all[0]);
    }
    expect(passwordPolicyProblems('my u520008303 ichiro.j password', context)).toEqual([
      'error.password.containsUserId',
      'error.password.containsEmail',
    ]);
    expect(passwordPolicyProblems('x'.repeat(129), context)).toEqual([
      'error.password.tooLong',
      'error.password.common',
    ]);
    expect(passwordPolicyProblems('correct horse battery staple', context)).toEqual([]);
  });
});
