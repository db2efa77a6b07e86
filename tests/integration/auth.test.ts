import { expect, it } from 'vitest';
import { temporaryPasswordExpiry } from '../../src/lib/japan-time.js';
import {
  Agent,
  createOperatorWithAdmins,
  createOperatorWithUser,
  createUser,
  DEFAULT_PASSWORD,
  describeOnStores,
  loginAs,
  rowsOfUser,
  sessionCount,
  setupOperator,
} from '../helpers/integration.js';

describeOnStores('login, sessions and password change on $kind', (ctx, { skip }) => {
  async function auditActions(userId: string) {
    const rows = await ctx.store.db
      .selectFrom('audit_records')
      .select(['action', 'outcome'])
      .where('target_user_id', '=', userId)
      .orderBy('id')
      .execute();
    return rows.map((r) => `${r.action}:${r.outcome}`);
  }

  it.skipIf(skip)('logs in, shows the TOP page with login time and name, and logs out', async () => {
    const { admin, agent } = await setupOperator(ctx);
    const top = await agent.get('/');
    expect(top.statusCode).toBe(200);
    expect(top.body).toContain('ログイン日時: 2026/04/01 10:00');
    expect(top.body).toContain(`ユーザ名: ${admin.userName}`);
    expect(top.body).toContain('ユーザ情報管理');
    const out = await agent.post('/logout');
    expect(out.location).toBe('/login?loggedOut=1');
    const after = await agent.get('/');
    expect(after.statusCode).toBe(303);
    expect(after.location).toMatch(/^\/login/);
    expect(await auditActions(admin.userId)).toEqual(['login:success', 'logout:success']);
  });

  it.skipIf(skip)('gives an unknown ID and a wrong password the same message', async () => {
    const { admin } = await createOperatorWithAdmins(ctx);
    const agent = new Agent(ctx.app);
    const unknown = await agent.post('/login', { userId: 'U999999999', password: DEFAULT_PASSWORD });
    const wrong = await agent.post('/login', { userId: admin.userId, password: 'wrong password 123' });
    expect(unknown.statusCode).toBe(401);
    expect(wrong.statusCode).toBe(401);
    const text = (body: string) => /<div class="messages messages-error"[\s\S]*?<\/div>/.exec(body)?.[0];
    expect(text(unknown.body)).toContain('ユーザIDまたはパスワードが正しくありません。');
    expect(text(unknown.body)).toBe(text(wrong.body));
  });

  it.skipIf(skip)(
    'locks at the fifth consecutive failure; a success before that resets the count',
    async () => {
      const { user } = await createOperatorWithUser(ctx);
      const agent = new Agent(ctx.app);
      for (let i = 0; i < 4; i++)
        await agent.post('/login', { userId: user.userId, password: 'wrong password 123' });
      expect(
        (await agent.post('/login', { userId: user.userId, password: DEFAULT_PASSWORD })).statusCode,
      ).toBe(303);
      const row = await ctx.store.db
        .selectFrom('users')
        .selectAll()
        .where('user_id', '=', user.userId)
        .executeTakeFirstOrThrow();
      expect(Number(row.failed_login_count)).toBe(0);

      const other = new Agent(ctx.app);
      for (let i = 0; i < 5; i++) {
        const res = await other.post('/login', { userId: user.userId, password: 'wrong password 123' });
        expect(res.statusCode).toBe(401);
      }
      const locked = await other.post('/login', { userId: user.userId, password: DEFAULT_PASSWORD });
      expect(locked.statusCode).toBe(401);
      expect(locked.body).toContain('error.login.locked');
      const after = await ctx.store.db
        .selectFrom('users')
        .selectAll()
        .where('user_id', '=', user.userId)
        .executeTakeFirstOrThrow();
      expect(Number(after.locked)).toBe(1);
      expect(Number(after.failed_login_count)).toBe(5);
    },
  );

  it.skipIf(skip)(
    'ten parallel wrong attempts lock exactly at five and never let a wrong password in',
    async () => {
      const { user } = await createOperatorWithUser(ctx);
      const results = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const agent = new Agent(ctx.app);
          return agent.post('/login', { userId: user.userId, password: 'not the password 1' });
        }),
      );
      expect(results.every((r) => r.statusCode === 401)).toBe(true);
      const row = await ctx.store.db
        .selectFrom('users')
        .selectAll()
        .where('user_id', '=', user.userId)
        .executeTakeFirstOrThrow();
      expect(Number(row.locked)).toBe(1);
      expect(Number(row.failed_login_count)).toBe(5);
      const locks = await ctx.store.db
        .selectFrom('audit_records')
        .select('id')
        .where('target_user_id', '=', user.userId)
        .where('action', '=', 'lock')
        .execute();
      expect(locks).toHaveLength(1);
      expect(await sessionCount(ctx, user.userId)).toBe(0);
    },
  );

  it.skipIf(skip)(
    'refuses disabled, deleted and out-of-validity users even with the right password',
    async () => {
      const { operator } = await createOperatorWithAdmins(ctx);
      const code = operator.operatorCode;
      const disabled = await createUser(ctx, { operatorCode: code, enabled: false });
      const deleted = await createUser(ctx, { operatorCode: code, deleted: true });
      const future = await createUser(ctx, { operatorCode: code, validFrom: '2026-04-02' });
      const past = await createUser(ctx, { operatorCode: code, validTo: '2026-03-31' });
      const agent = new Agent(ctx.app);
      for (const u of [disabled, future, past]) {
        const res = await agent.post('/login', { userId: u.userId, password: DEFAULT_PASSWORD });
        expect(res.statusCode).toBe(401);
        expect(res.body).toContain('error.login.unavailable');
      }
      const res = await agent.post('/login', { userId: deleted.userId, password: DEFAULT_PASSWORD });
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain('error.login.failed');
      const lastDay = await createUser(ctx, { operatorCode: code, validTo: '2026-04-01' });
      expect(
        (await agent.post('/login', { userId: lastDay.userId, password: DEFAULT_PASSWORD })).statusCode,
      ).toBe(303);
    },
  );

  it.skipIf(skip)(
    'accepts a temporary password until 23:59:59 Japan time of the second day, not after',
    async () => {
      const { operator } = await createOperatorWithAdmins(ctx);
      // Issued 2026-04-01 23:30 in Japan (14:30 UTC): valid through 2026-04-03 23:59:59 JST.
      const issued = new Date('2026-04-01T14:30:00.000Z');
      const expiresAt = temporaryPasswordExpiry(issued);
      expect(expiresAt.toISOString()).toBe('2026-04-03T14:59:59.999Z');
      const user = await createUser(ctx, {
        operatorCode: operator.operatorCode,
        temporary: true,
        temporaryPasswordExpiresAt: expiresAt.toISOString(),
      });
      ctx.clock.set('2026-04-03T14:59:59.000Z');
      const inTime = await new Agent(ctx.app).post('/login', {
        userId: user.userId,
        password: DEFAULT_PASSWORD,
      });
      expect(inTime.statusCode).toBe(303);
      expect(inTime.location).toBe('/password');
      ctx.clock.set('2026-04-03T15:00:00.000Z');
      const late = await new Agent(ctx.app).post('/login', {
        userId: user.userId,
        password: DEFAULT_PASSWORD,
      });
      expect(late.statusCode).toBe(401);
      expect(late.body).toContain('error.login.temporaryExpired');
      ctx.clock.set('2026-04-01T01:00:00.000Z');
    },
  );

  it.skipIf(skip)('forces a temporary password to be changed before any other screen', async () => {
    const { operator } = await createOperatorWithAdmins(ctx);
    const user = await createUser(ctx, {
      operatorCode: operator.operatorCode,
      temporary: true,
      temporaryPasswordExpiresAt: temporaryPasswordExpiry(ctx.clock.now()).toISOString(),
      userName: '試験 三郎',
    });
    const agent = await loginAs(ctx, user);
    for (const url of ['/', '/participation', '/users']) {
      const res = await agent.get(url);
      expect(res.statusCode).toBe(303);
      expect(res.location).toBe('/password');
    }
    const page = await agent.get('/password');
    expect(page.body).toContain('info.password.mustChange');
    const oldToken = agent.sessionToken;
    const changed = await agent.post('/password', {
      currentPassword: DEFAULT_PASSWORD,
      newPassword: 'a fresh and long passphrase',
      confirmPassword: 'a fresh and long passphrase',
    });
    expect(changed.statusCode).toBe(303);
    expect(agent.sessionToken).not.toBe(oldToken);
    expect((await agent.get('/')).statusCode).toBe(200);
    expect(await auditActions(user.userId)).toEqual(['login:success', 'changePassword:success']);
  });

  it.skipIf(skip)('applies the password policy (D-13) with a message next to the field', async () => {
    const { operator } = await createOperatorWithAdmins(ctx);
    const user = await createUser(ctx, {
      operatorCode: operator.operatorCode,
      userName: '山田 太郎',
      email: 'yamada.t@example.jp',
    });
    const agent = await loginAs(ctx, user);
    const attempt = (
      newPassword: string,
      confirmPassword = newPassword,
      currentPassword = DEFAULT_PASSWORD,
    ) => agent.post('/password', { currentPassword, newPassword, confirmPassword });
    const cases: [string, string][] = [
      ['short pass1', 'error.password.tooShort'],
      ['x'.repeat(129), 'error.password.tooLong'],
      ['Unbelievable', 'error.password.common'],
      [`my id ${user.userId.toLowerCase()} ok`, 'error.password.containsUserId'],
      ['わたしは山田ですよろしく', 'error.password.containsUserName'],
      ['yamada.t-is-my-password', 'error.password.containsEmail'],
      [DEFAULT_PASSWORD, 'error.password.reused'],
    ];
    for (const [pw, id] of cases) {
      const res = await attempt(pw);
      expect(res.statusCode, pw).toBe(400);
      // The new password's problems, beside it: one as text, several as a list.
      const block = /<div class="field-error" id="newPassword-error">([\s\S]*?)<\/div>/.exec(res.body)?.[1];
      expect(block, pw).toBeTruthy();
      const problems = [...block!.matchAll(/<li>([^<]*)<\/li>/g)].map((m) => m[1]);
      const first = problems.length > 0 ? problems[0] : block;
      expect(res.body, pw).toContain('error.form.invalid');
      const { messages } = await import('../../src/lib/messages.js');
      expect(first, pw).toBe(messages[id as keyof typeof messages]);
    }
    expect((await attempt('a long enough passphrase', 'a different passphrase')).body).toContain(
      '新しいパスワードと確認用のパスワードが一致しません。',
    );
    expect((await attempt('a long enough passphrase', undefined, 'not my password')).body).toContain(
      '現在のパスワードが正しくありません。',
    );
    // No truncation and no composition rules: 128 characters of spaces and letters pass.
    const long = `${'long passphrase '.repeat(8)}`.slice(0, 128);
    expect((await attempt(long)).statusCode).toBe(303);
    // The three previous passwords are refused, the fourth back is allowed again.
    const p2 = 'second passphrase here';
    const p3 = 'third passphrase here!';
    const p4 = 'fourth passphrase here';
    for (const [current, next] of [
      [long, p2],
      [p2, p3],
      [p3, p4],
    ] as const) {
      expect(
        (
          await agent.post('/password', {
            currentPassword: current,
            newPassword: next,
            confirmPassword: next,
          })
        ).statusCode,
      ).toBe(303);
    }
    for (const old of [p3, p2, long]) {
      const res = await agent.post('/password', {
        currentPassword: p4,
        newPassword: old,
        confirmPassword: old,
      });
      expect(res.body, old).toContain('直近3回以内');
    }
    expect(
      (
        await agent.post('/password', {
          currentPassword: p4,
          newPassword: DEFAULT_PASSWORD,
          confirmPassword: DEFAULT_PASSWORD,
        })
      ).statusCode,
    ).toBe(303);
  });

  it.skipIf(skip)(
    'rotates the session at login and ends other sessions when the password changes',
    async () => {
      const { user } = await createOperatorWithUser(ctx);
      const first = await loginAs(ctx, user);
      const second = await loginAs(ctx, user);
      expect(first.sessionToken).not.toBe(second.sessionToken);
      expect((await first.get('/')).statusCode).toBe(200);
      const np = 'brand new passphrase 42';
      expect(
        (
          await second.post('/password', {
            currentPassword: DEFAULT_PASSWORD,
            newPassword: np,
            confirmPassword: np,
          })
        ).statusCode,
      ).toBe(303);
      const revoked = await first.get('/');
      expect(revoked.statusCode).toBe(303);
      expect(revoked.location).toContain('expired=1');
      expect((await second.get('/')).statusCode).toBe(200);
      const stored = await rowsOfUser(ctx, 'sessions', user.userId);
      expect(stored).toHaveLength(1);
      // Only a hash of the token is stored.
      expect(stored[0]!.id).not.toBe(second.sessionToken);
      expect(stored[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    },
  );

  it.skipIf(skip)('ends a session after 30 idle minutes and 12 hours after login', async () => {
    const { user } = await createOperatorWithUser(ctx);
    const agent = await loginAs(ctx, user);
    ctx.clock.advance(29 * 60_000);
    expect((await agent.get('/')).statusCode).toBe(200);
    ctx.clock.advance(29 * 60_000);
    expect((await agent.get('/')).statusCode).toBe(200);
    ctx.clock.advance(30 * 60_000 + 1000);
    expect((await agent.get('/')).location).toContain('expired=1');

    const steady = await loginAs(ctx, user);
    for (let i = 0; i < 24; i++) {
      ctx.clock.advance(29 * 60_000);
      const res = await steady.get('/');
      if (res.statusCode !== 200) {
        // 12 h = 720 min; the 25th step (725 min) is past it: this is the 25th request at most.
        expect(i).toBe(24);
      }
    }
    ctx.clock.advance(29 * 60_000);
    expect((await steady.get('/')).location).toContain('expired=1');
    ctx.clock.set('2026-04-01T01:00:00.000Z');
  });

  it.skipIf(skip)('refuses a form post without the right CSRF token', async () => {
    const { admin, agent } = await setupOperator(ctx);
    const missing = await agent.post('/logout', { _csrf: '' });
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain('error.csrf');
    const forged = await agent.post('/logout', { _csrf: 'A'.repeat(43) });
    expect(forged.statusCode).toBe(403);
    expect((await agent.get('/')).statusCode).toBe(200);
    const anonymous = new Agent(ctx.app);
    await anonymous.get('/login');
    const login = await anonymous.post('/login', {
      userId: admin.userId,
      password: DEFAULT_PASSWORD,
      _csrf: 'x',
    });
    expect(login.statusCode).toBe(403);
  });

  it.skipIf(skip)('sends security headers and no-store on pages', async () => {
    const res = await new Agent(ctx.app).get('/login');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(String(res.headers['set-cookie'])).toContain('HttpOnly');
    expect(String(res.headers['set-cookie'])).toContain('SameSite=Lax');
  });

  it.skipIf(skip)('answers /healthz with 200 while the database answers', async () => {
    const res = await new Agent(ctx.app).get('/healthz');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: 'ok' });
  });
});
