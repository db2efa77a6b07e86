import { expect, it } from 'vitest';
import { deriveCsrfToken } from '../../src/features/auth/plugin.js';
import { hashToken } from '../../src/features/auth/sessions.js';
import {
  Agent,
  createOperatorWithUser,
  DEFAULT_PASSWORD,
  describeOnStores,
  loginAs,
  registerForm,
  setupOperator,
} from '../helpers/integration.js';

/**
 * A session that ends while a form is being filled in (SPEC §4.11; the operator's day):
 * 延長 before the idle limit, and after it what was typed is kept for the same user
 * (never a password) and offered back after the next login.
 */
describeOnStores('session expiry mid-form on $kind', (ctx, { skip }) => {
  const idleMs = () => ctx.app.appConfig.sessionIdleMs;

  async function lastSeen(agent: Agent): Promise<string> {
    const row = await ctx.store.db
      .selectFrom('sessions')
      .select('last_seen_at')
      .where('id', '=', hashToken(agent.sessionToken!))
      .executeTakeFirstOrThrow();
    return row.last_seen_at;
  }

  it.skipIf(skip)(
    'keeps a form sent after the idle limit, offers it back after login, never a password',
    async () => {
      const { admin, agent } = await setupOperator(ctx);
      const page = await agent.get('/users/new');
      expect(page.body).toContain(`data-session-idle-minutes="${idleMs() / 60_000}"`);
      ctx.clock.advance(idleMs() + 1_000);

      const sent = await agent.post('/users/new/confirm', {
        ...registerForm({ userName: '期限 切子', department: '需給<部>' }),
        password: 'never kept',
      });
      expect(sent.statusCode).toBe(303);
      expect(sent.location).toBe('/login?expired=1&kept=1&next=%2Fresume');
      const cookie = agent.cookies.get('cmus_draft');
      expect(cookie).toBeTruthy();
      // Sealed: nothing of what was typed can be read from the cookie.
      expect(Buffer.from(cookie!.split('.').join(''), 'base64url').toString('latin1')).not.toContain('期限');

      const login = await agent.get(sent.location!);
      expect(login.body).toContain('error.session.expired');
      expect(login.body).toContain('info.session.formKept');
      const back = await agent.post('/login', {
        userId: admin.userId,
        password: DEFAULT_PASSWORD,
        next: '/resume',
      });
      expect(back.location).toBe('/resume');
      const resume = await agent.get('/resume');
      expect(resume.statusCode).toBe(200);
      expect(resume.body).toContain('action="/users/new/confirm"');
      expect(resume.body).toContain('value="期限 切子"');
      expect(resume.body).toContain('value="需給&lt;部>"');
      expect(resume.body).not.toContain('never kept');
      // The page used the cookie up.
      expect(agent.cookies.has('cmus_draft')).toBe(false);
      expect((await agent.get('/resume')).location).toBe('/');

      // 続ける: the kept fields with this session's token reach the confirmation.
      const fields = [...resume.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)]
        .filter(([, name]) => name !== '_csrf')
        .map(([, name, value]) => [name!, value!.replaceAll('&lt;', '<').replaceAll('&amp;', '&')] as const);
      const confirm = await agent.follow(await agent.post('/users/new/confirm', Object.fromEntries(fields)));
      expect(confirm.statusCode).toBe(200);
      expect(confirm.body).toContain('info.regist.confirm');
      expect(confirm.body).toContain('期限 切子');
    },
  );

  it.skipIf(skip)(
    'keeps nothing of an execution, a foreign or forged post; another user cannot open it',
    async () => {
      const { admin, user: other } = await createOperatorWithUser(ctx, { role: 'admin' });
      const agent = await loginAs(ctx, admin);
      ctx.clock.advance(idleMs() + 1_000);
      const token = agent.sessionToken!;

      // 実行 carries a token bound to the ended session: it cannot run, nothing is kept.
      const execute = await agent.post('/users/new', { token: 'x'.repeat(40), formId: 'f' });
      expect(execute.location).toBe('/login?expired=1');
      expect(agent.cookies.has('cmus_draft')).toBe(false);

      // A token that is not the ended session's is a forged post: refused as before.
      agent.cookies.set('cmus_session', token);
      const forged = await agent.post('/users/new/confirm', {
        ...registerForm(),
        _csrf: deriveCsrfToken('other'),
      });
      expect(forged.statusCode).toBe(403);
      expect(agent.cookies.has('cmus_draft')).toBe(false);

      // Another site's post never gets this far.
      agent.cookies.set('cmus_session', token);
      const crossSite = await ctx.app.inject({
        method: 'POST',
        url: '/users/new/confirm',
        headers: {
          cookie: `cmus_session=${token}`,
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-site': 'cross-site',
        },
        payload: new URLSearchParams({ ...registerForm(), _csrf: deriveCsrfToken(token) }).toString(),
      });
      expect(crossSite.statusCode).toBe(403);

      // Kept for the admin; the other admin logging in on the same browser gets nothing.
      const kept = await agent.post('/users/new/confirm', registerForm({ userName: '秘密 花子' }));
      expect(kept.location).toContain('kept=1');
      const sealed = agent.cookies.get('cmus_draft')!;
      const otherAgent = await loginAs(ctx, other);
      otherAgent.cookies.set('cmus_draft', sealed);
      expect((await otherAgent.get('/resume')).location).toBe('/');
      // Tampered: nothing either.
      const own = await loginAs(ctx, admin);
      own.cookies.set('cmus_draft', `${sealed.slice(0, -4)}AAAA`);
      expect((await own.get('/resume')).location).toBe('/');
      // Past its half hour: nothing.
      own.cookies.set('cmus_draft', sealed);
      ctx.clock.advance(31 * 60_000);
      const late = await loginAs(ctx, admin);
      late.cookies.set('cmus_draft', sealed);
      expect((await late.get('/resume')).location).toBe('/');
    },
  );

  it.skipIf(skip)('延長 starts the idle time again; it needs the session and its token', async () => {
    const { agent } = await setupOperator(ctx);
    ctx.clock.advance(idleMs() - 60_000);
    const before = await lastSeen(agent);
    const extended = await agent.post('/session/extend');
    expect(extended.statusCode).toBe(204);
    expect(await lastSeen(agent)).not.toBe(before);
    // Past the first idle limit, within the second: still signed in.
    ctx.clock.advance(idleMs() - 60_000);
    expect((await agent.get('/users')).statusCode).toBe(200);

    expect((await agent.post('/session/extend', { _csrf: 'wrong' })).statusCode).toBe(403);
    const anonymous = new Agent(ctx.app);
    expect((await anonymous.post('/session/extend')).statusCode).toBe(303);
  });
});
