import * as OTPAuth from 'otpauth';
import { expect, it } from 'vitest';
import type { User } from '../../src/features/users/model.js';
import {
  Agent,
  atCodeScreen,
  auditFor,
  createOperatorWithAdmins,
  createUser,
  createUserOfNewOperator,
  DEFAULT_PASSWORD,
  describeOnStores,
  errorIds,
  loginAs,
  messageIds,
  outboxFor,
  passwordStep,
  type Response,
  resetClockAfterEach,
  rowOfUser,
  rowsOfUser,
  sessionIdOf,
  userRow,
} from '../helpers/integration.js';

/**
 * SPEC D-22 (issue: account security): enrolment of an authenticator app, the code step of
 * the login, recovery codes, the lockout of five, the operator's policy, and the user's own
 * sessions on the account page (ASVS V6.3.3, V7.5.2).
 */

const WRONG = 'definitely not the password 1';

/** RFC 6238 as an authenticator app computes it: SHA-1, 30 s, 6 digits. */
function codeAt(secret: string, at: Date): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), timestamp: at.getTime() });
}

function secretOf(body: string): string {
  const m = /data-totp-secret="([A-Z2-7]+)"/.exec(body);
  if (!m) throw new Error('no secret on the enrolment page');
  return m[1]!;
}

function recoveryCodesOf(body: string): string[] {
  const list = /data-recovery-codes[^>]*>([\s\S]*?)<\/ol>/.exec(body)?.[1] ?? '';
  return [...list.matchAll(/<code>([0-9A-Z-]+)<\/code>/g)].map((m) => m[1]!);
}

describeOnStores('second factor and own sessions on $kind', (ctx, { skip }) => {
  resetClockAfterEach(ctx);

  /** Enrols through the account pages as the user would; returns the secret and recovery codes. */
  async function enrol(user: User): Promise<{ agent: Agent; secret: string; recoveryCodes: string[] }> {
    const agent = await loginAs(ctx, user);
    const start = await agent.post('/account/second-factor/start');
    expect(start.location).toBe('/account/second-factor');
    const page = await agent.get('/account/second-factor');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('data:image/svg+xml;base64,');
    const secret = secretOf(page.body);
    const done = await agent.post('/account/second-factor/confirm', {
      code: codeAt(secret, ctx.clock.now()),
    });
    expect(done.statusCode).toBe(200);
    const recoveryCodes = recoveryCodesOf(done.body);
    expect(recoveryCodes).toHaveLength(10);
    return { agent, secret, recoveryCodes };
  }

  async function loginWithCode(user: User, code: string): Promise<{ agent: Agent; res: Response }> {
    const agent = await atCodeScreen(ctx, user);
    return { agent, res: await agent.post('/login/code', { code }) };
  }

  it.skipIf(skip)(
    'enrols: QR code and secret, a current code, ten recovery codes kept only as hashes',
    async () => {
      const user = await createUserOfNewOperator(ctx);
      const elsewhere = await loginAs(ctx, user);
      const { agent, secret, recoveryCodes } = await enrol(user);
      // ASVS V7.4.3: a new factor ends the user's other sessions; the enrolling one stays.
      expect((await elsewhere.get('/')).location).toMatch(/^\/login/);
      const factor = await rowOfUser(ctx, 'totp_factors', user.userId);
      expect(factor.enabled_at).not.toBeNull();
      // Sealed at rest: neither the secret nor a recovery code is stored in clear.
      expect(factor.secret).not.toContain(secret);
      expect(factor.secret).toMatch(/^v1\./);
      const codes = await rowsOfUser(ctx, 'recovery_codes', user.userId);
      expect(codes).toHaveLength(10);
      for (const c of codes) {
        expect(c.code_hash).toMatch(/^\$argon2id\$/);
        for (const plain of recoveryCodes) expect(c.code_hash).not.toContain(plain.replace(/-/g, ''));
      }
      expect(new Set(recoveryCodes).size).toBe(10);
      const account = await agent.get('/account');
      expect(account.body).toContain('設定済み');
      expect(account.body).toContain('10個');
      expect((await auditFor(ctx, 'secondFactorEnrol', user.userId)).map((r) => r.outcome)).toEqual([
        'success',
      ]);
      expect(await outboxFor(ctx, 'secondFactorEnabled', user.userId)).not.toHaveLength(0);
    },
  );

  it.skipIf(skip)('a wrong code does not enrol; the enrolment page stays', async () => {
    const user = await createUserOfNewOperator(ctx);
    const agent = await loginAs(ctx, user);
    await agent.post('/account/second-factor/start');
    const res = await agent.post('/account/second-factor/confirm', { code: '000000' });
    expect(res.statusCode).toBe(400);
    expect(errorIds(res.body)).toContain('error.secondFactor.codeWrong');
    const factor = await rowOfUser(ctx, 'totp_factors', user.userId);
    expect(factor.enabled_at).toBeNull();
  });

  it.skipIf(skip)('logs in with a code: no session before it, one after; audited', async () => {
    const user = await createUserOfNewOperator(ctx);
    const { secret } = await enrol(user);
    ctx.clock.advance(60_000);
    const { agent, res } = await passwordStep(ctx, user);
    expect(res.statusCode).toBe(303);
    expect(res.location).toBe('/login/code');
    // The waiting login is no session: private pages still send to the login.
    expect(agent.sessionToken).toBeUndefined();
    expect((await agent.get('/users')).location).toMatch(/^\/login/);
    const codePage = await agent.get('/login/code');
    expect(codePage.statusCode).toBe(200);
    expect(codePage.body).toContain('確認コード');
    const done = await agent.post('/login/code', { code: codeAt(secret, ctx.clock.now()) });
    expect(done.statusCode).toBe(303);
    expect(done.location).toBe('/');
    expect((await agent.get('/')).statusCode).toBe(200);
    const logins = await auditFor(ctx, 'login', user.userId);
    expect(JSON.parse(logins.at(-1)!.detail)).toMatchObject({ secondFactor: 'totp' });
    // The challenge is used once: the same cookie cannot open a second session.
    const again = await agent.post('/login/code', { code: codeAt(secret, ctx.clock.now()) });
    expect(errorIds(again.body)).toEqual(['error.login.challengeExpired']);
  });

  it.skipIf(skip)(
    'a code is accepted once: the enrolment code and a used login code are refused',
    async () => {
      const user = await createUserOfNewOperator(ctx);
      const { secret } = await enrol(user);
      const enrolmentCode = codeAt(secret, ctx.clock.now());
      const replay = await loginWithCode(user, enrolmentCode);
      expect(replay.res.statusCode).toBe(401);
      expect(errorIds(replay.res.body)).toEqual(['error.login.codeFailed']);
      ctx.clock.advance(30_000);
      const fresh = codeAt(secret, ctx.clock.now());
      expect((await loginWithCode(user, fresh)).res.location).toBe('/');
      const second = await loginWithCode(user, fresh);
      expect(errorIds(second.res.body)).toEqual(['error.login.codeFailed']);
    },
  );

  it.skipIf(skip)('accepts the step before and after (±1), refuses ±2 (injectable clock)', async () => {
    const user = await createUserOfNewOperator(ctx);
    const { secret } = await enrol(user);
    ctx.clock.advance(10 * 60_000);
    const now = () => ctx.clock.now().getTime();
    expect((await loginWithCode(user, codeAt(secret, new Date(now() - 30_000)))).res.location).toBe('/');
    expect((await loginWithCode(user, codeAt(secret, new Date(now() + 30_000)))).res.location).toBe('/');
    const twoAhead = await loginWithCode(user, codeAt(secret, new Date(now() + 60_000)));
    expect(errorIds(twoAhead.res.body)).toEqual(['error.login.codeFailed']);
    ctx.clock.advance(10 * 60_000);
    const twoBehind = await loginWithCode(user, codeAt(secret, new Date(now() - 60_000)));
    expect(errorIds(twoBehind.res.body)).toEqual(['error.login.codeFailed']);
    // Two failures counted; a right code resets the count.
    expect(Number((await userRow(ctx, user.userId)).failed_login_count)).toBe(2);
    expect((await loginWithCode(user, codeAt(secret, ctx.clock.now()))).res.location).toBe('/');
    expect(Number((await userRow(ctx, user.userId)).failed_login_count)).toBe(0);
  });

  it.skipIf(skip)('a recovery code logs in once and is used up; the user is mailed', async () => {
    const user = await createUserOfNewOperator(ctx);
    const { recoveryCodes } = await enrol(user);
    const code = recoveryCodes[3]!;
    // Typed in lower case with spaces: still the code.
    const first = await loginWithCode(user, code.toLowerCase().replace(/-/g, ' '));
    expect(first.res.location).toBe('/');
    const logins = await auditFor(ctx, 'login', user.userId);
    expect(JSON.parse(logins.at(-1)!.detail)).toMatchObject({ secondFactor: 'recovery' });
    const mails = await outboxFor(ctx, 'recoveryCodeUsed', user.userId);
    expect(mails.some((m) => m.body.includes('残りのリカバリーコード: 9個'))).toBe(true);
    const second = await loginWithCode(user, code);
    expect(second.res.statusCode).toBe(401);
    expect(errorIds(second.res.body)).toEqual(['error.login.codeFailed']);
    const used = await ctx.store.db
      .selectFrom('recovery_codes')
      .select('used_at')
      .where('user_id', '=', user.userId)
      .where('used_at', 'is not', null)
      .execute();
    expect(used).toHaveLength(1);
  });

  it.skipIf(skip)(
    'five wrong codes lock the user, each audited; wrong passwords and codes count together',
    async () => {
      const user = await createUserOfNewOperator(ctx);
      await enrol(user);
      for (let i = 0; i < 4; i++) {
        // A failed code step ends the waiting login: back to the login page.
        const { res } = await loginWithCode(user, '000000');
        expect(res.statusCode).toBe(401);
        expect(errorIds(res.body)).toEqual(['error.login.codeFailed']);
        const again = await passwordStep(ctx, user);
        expect(again.res.location).toBe('/login/code');
      }
      const fifth = await loginWithCode(user, '000000');
      expect(errorIds(fifth.res.body)).toEqual(['error.login.locked']);
      const row = await userRow(ctx, user.userId);
      expect(Number(row.locked)).toBe(1);
      expect(Number(row.failed_login_count)).toBe(5);
      const failures = (await auditFor(ctx, 'login', user.userId)).filter((r) => r.outcome === 'failure');
      expect(failures.map((r) => JSON.parse(r.detail).reason)).toEqual(Array(5).fill('wrongCode'));
      expect(await auditFor(ctx, 'lock', user.userId)).toHaveLength(1);
      // Locked: the right password gets the lock's answer, no code screen.
      const after = await passwordStep(ctx, user);
      expect(errorIds(after.res.body)).toEqual(['error.login.locked']);

      const mixed = await createUserOfNewOperator(ctx);
      await enrol(mixed);
      for (let i = 0; i < 2; i++) await passwordStep(ctx, mixed, WRONG);
      // A right password alone resets nothing while the code is still to come.
      expect((await passwordStep(ctx, mixed)).res.location).toBe('/login/code');
      expect(Number((await userRow(ctx, mixed.userId)).failed_login_count)).toBe(2);
      for (let i = 0; i < 3; i++) await loginWithCode(mixed, '999999');
      expect(Number((await userRow(ctx, mixed.userId)).locked)).toBe(1);
    },
  );

  it.skipIf(skip)('the password step tells nothing before the code is asked (no new oracle)', async () => {
    const user = await createUserOfNewOperator(ctx);
    const { secret } = await enrol(user);
    const comparable = (res: Response) => ({
      status: res.statusCode,
      location: res.location,
      cookies: String(res.headers['set-cookie'] ?? '').replace(/=[^;]*/g, '=…'),
    });
    // A right and a wrong password: the same redirect to the code screen, same cookies.
    const right = await passwordStep(ctx, user);
    const wrong = await passwordStep(ctx, user, WRONG);
    expect(comparable(wrong.res)).toEqual(comparable(right.res));
    expect(wrong.res.location).toBe('/login/code');
    const codeScreen = (body: string) => body.replace(/(name="_csrf" value=")[^"]*"/g, '$1"');
    expect(codeScreen((await wrong.agent.get('/login/code')).body)).toEqual(
      codeScreen((await right.agent.get('/login/code')).body),
    );
    // The wrong password was counted at its step, once.
    expect(Number((await userRow(ctx, user.userId)).failed_login_count)).toBe(1);

    // After the wrong password even the right code fails, with the answer of a wrong
    // code; it is not used up and the count does not move again.
    ctx.clock.advance(30_000); // past the step the enrolment used
    const code = codeAt(secret, ctx.clock.now());
    const afterWrong = await wrong.agent.post('/login/code', { code });
    const wrongCode = await right.agent.post('/login/code', { code: '000000' });
    expect(afterWrong.statusCode).toBe(wrongCode.statusCode);
    expect(errorIds(afterWrong.body)).toEqual(['error.login.codeFailed']);
    expect(errorIds(wrongCode.body)).toEqual(['error.login.codeFailed']);
    expect(Number((await userRow(ctx, user.userId)).failed_login_count)).toBe(2);
    const failures = (await auditFor(ctx, 'login', user.userId)).filter((r) => r.outcome === 'failure');
    expect(failures.map((r) => JSON.parse(r.detail).reason)).toEqual(['wrongPassword', 'wrongCode']);
    // The same code still logs in after the right password: the decoy step used nothing.
    expect((await loginWithCode(user, code)).res.location).toBe('/');
    expect(Number((await userRow(ctx, user.userId)).failed_login_count)).toBe(0);

    // A user without a factor, an unknown ID: the login page's one answer, no waiting login.
    const without = await createUserOfNewOperator(ctx);
    const plain = await passwordStep(ctx, without, WRONG);
    const unknown = await passwordStep(ctx, { ...without, userId: 'U999999990' }, WRONG);
    expect(errorIds(plain.res.body)).toEqual(['error.login.failed']);
    expect(errorIds(unknown.res.body)).toEqual(['error.login.failed']);
    const challenges = await ctx.store.db.selectFrom('login_challenges').select('user_id').execute();
    expect(challenges.filter((c) => c.user_id === without.userId)).toHaveLength(0);

    // A locked user with a factor: the same locked page whatever the password, no code screen.
    const locked = await createUserOfNewOperator(ctx);
    await enrol(locked);
    await ctx.store.db.updateTable('users').set({ locked: 1 }).where('user_id', '=', locked.userId).execute();
    const lockedRight = await passwordStep(ctx, locked);
    const lockedWrong = await passwordStep(ctx, locked, WRONG);
    expect(comparable(lockedRight.res)).toEqual(comparable(lockedWrong.res));
    expect(errorIds(lockedRight.res.body)).toEqual(['error.login.locked']);
  });

  it.skipIf(skip)('the waiting login is bound to its browser and expires after five minutes', async () => {
    const user = await createUserOfNewOperator(ctx);
    const { secret } = await enrol(user);
    ctx.clock.advance(60_000);
    const { agent } = await passwordStep(ctx, user);
    // Another browser with the challenge cookie but its own pre-session cookie is refused.
    const thief = new Agent(ctx.app);
    await thief.get('/login');
    thief.cookies.set('cmus_challenge', agent.cookies.get('cmus_challenge')!);
    const stolen = await thief.post('/login/code', { code: codeAt(secret, ctx.clock.now()) });
    expect(errorIds(stolen.body)).toEqual(['error.login.challengeExpired']);
    expect(thief.sessionToken).toBeUndefined();
    ctx.clock.advance(5 * 60_000 + 1_000);
    const late = await agent.post('/login/code', { code: codeAt(secret, ctx.clock.now()) });
    expect(errorIds(late.body)).toEqual(['error.login.challengeExpired']);
    expect(agent.sessionToken).toBeUndefined();
  });

  it.skipIf(skip)(
    'the operator policy: confirmation, audit, mail to both admins; a user without a factor enrols first',
    async () => {
      const { operator, admin, otherAdmin } = await createOperatorWithAdmins(ctx);
      const general = await createUser(ctx, { operatorCode: operator.operatorCode });
      const generalAgent = await loginAs(ctx, general);
      expect((await generalAgent.get('/account/policy')).statusCode).toBe(403);

      // The admin enrols first: the policy binds the admins too.
      const { agent: adminAgent } = await enrol(admin);
      const confirm = await adminAgent.post('/account/policy', { required: '1' });
      expect(confirm.statusCode).toBe(200);
      expect(messageIds(confirm.body)).toEqual(['info.policy.confirm']);
      expect(
        (
          await ctx.store.db
            .selectFrom('operators')
            .select('second_factor_required')
            .where('operator_code', '=', operator.operatorCode)
            .executeTakeFirstOrThrow()
        ).second_factor_required,
      ).toBe(0);
      const done = await adminAgent.post('/account/policy', { required: '1', confirmed: '1' });
      expect(done.location).toBe('/account/policy?done=changed');
      const again = await adminAgent.post('/account/policy', { required: '1', confirmed: '1' });
      expect(again.location).toBe('/account/policy?done=unchanged');
      expect(await auditFor(ctx, 'secondFactorPolicy', null)).toHaveLength(1);
      const mails = await ctx.store.db
        .selectFrom('mail_outbox')
        .select('recipient')
        .where('event', '=', 'secondFactorPolicy')
        .execute();
      expect(mails.map((m) => m.recipient).sort()).toEqual([admin.email, otherAdmin.email].sort());

      // Every user of the operator without a factor (the admin too) reaches only enrolment.
      const forced = await loginAs(ctx, general);
      const users = await forced.get('/users');
      expect(users.location).toBe('/account/second-factor');
      const enrolPage = await forced.get('/account/second-factor');
      expect(enrolPage.statusCode).toBe(200);
      expect(messageIds(enrolPage.body)).toContain('info.secondFactor.mustEnrol');
      await forced.post('/account/second-factor/start');
      const secret = secretOf((await forced.get('/account/second-factor')).body);
      await forced.post('/account/second-factor/confirm', { code: codeAt(secret, ctx.clock.now()) });
      expect((await forced.get('/users')).statusCode).toBe(200);
      // A temporary password is changed first, then the factor is enrolled.
      const fresh = await createUser(ctx, { operatorCode: operator.operatorCode, temporary: true });
      const first = await loginAs(ctx, fresh);
      expect((await first.get('/account/second-factor')).location).toBe('/password');
      const changed = await first.post('/password', {
        currentPassword: DEFAULT_PASSWORD,
        newPassword: 'a quiet harbour at dawn 2026',
        confirmPassword: 'a quiet harbour at dawn 2026',
      });
      expect(changed.location).toBe('/?passwordChanged=1');
      expect((await first.get('/')).location).toBe('/account/second-factor');
      expect((await first.get('/account/second-factor')).statusCode).toBe(200);
      // Another operator's users are not concerned.
      const outsider = await createUserOfNewOperator(ctx);
      expect((await (await loginAs(ctx, outsider)).get('/users')).statusCode).toBe(200);
    },
  );

  it.skipIf(skip)('removing the factor takes the password and a code', async () => {
    const user = await createUserOfNewOperator(ctx);
    const { agent, secret } = await enrol(user);
    ctx.clock.advance(60_000);
    const wrongPassword = await agent.post('/account/second-factor/remove', {
      password: WRONG,
      code: codeAt(secret, ctx.clock.now()),
    });
    expect(wrongPassword.statusCode).toBe(400);
    expect(errorIds(wrongPassword.body)).toContain('error.password.currentWrong');
    const wrongCode = await agent.post('/account/second-factor/remove', {
      password: DEFAULT_PASSWORD,
      code: '123456',
    });
    expect(errorIds(wrongCode.body)).toContain('error.secondFactor.codeWrong');
    const ok = await agent.post('/account/second-factor/remove', {
      password: DEFAULT_PASSWORD,
      code: codeAt(secret, ctx.clock.now()),
    });
    expect(ok.location).toBe('/account?done=removed');
    expect((await passwordStep(ctx, user)).res.location).toBe('/');
    expect((await auditFor(ctx, 'secondFactorRemove', user.userId)).map((r) => r.outcome)).toEqual([
      'failure',
      'failure',
      'success',
    ]);
  });

  it.skipIf(skip)('a session ended from the account page is refused at its next request', async () => {
    const user = await createUserOfNewOperator(ctx);
    const here = await loginAs(ctx, user);
    const there = await loginAs(ctx, user);
    const account = await here.get('/account');
    expect(account.body).toContain(`value="${sessionIdOf(there)}"`);
    expect(account.body).toContain('この画面のセッション');
    const ended = await here.post('/account/sessions/end', { session: sessionIdOf(there) });
    expect(ended.location).toBe('/account?done=sessionEnded');
    const next = await there.get('/');
    expect(next.statusCode).toBe(303);
    expect(next.location).toMatch(/^\/login/);
    expect((await here.get('/')).statusCode).toBe(200);
    // Another user's session is not theirs to end.
    const other = await createUserOfNewOperator(ctx);
    const otherAgent = await loginAs(ctx, other);
    const refused = await here.post('/account/sessions/end', { session: sessionIdOf(otherAgent) });
    expect(refused.statusCode).toBe(404);
    expect((await otherAgent.get('/')).statusCode).toBe(200);
    expect(await auditFor(ctx, 'endSession', user.userId)).toHaveLength(1);
  });

  it.skipIf(skip)('"end all other sessions" takes the password and keeps only the current one', async () => {
    const user = await createUserOfNewOperator(ctx);
    const agents = [await loginAs(ctx, user), await loginAs(ctx, user), await loginAs(ctx, user)];
    const [here, ...others] = agents as [Agent, Agent, Agent];
    const refused = await here.post('/account/sessions/end-others', { password: WRONG });
    expect(refused.statusCode).toBe(400);
    for (const a of others) expect((await a.get('/')).statusCode).toBe(200);
    const done = await here.post('/account/sessions/end-others', { password: DEFAULT_PASSWORD });
    expect(done.location).toBe('/account?done=othersEnded&count=2');
    for (const a of others) expect((await a.get('/')).location).toMatch(/^\/login/);
    const left = await rowsOfUser(ctx, 'sessions', user.userId);
    expect(left.map((s) => s.id)).toEqual([sessionIdOf(here)]);
    expect((await auditFor(ctx, 'endOtherSessions', user.userId)).map((r) => r.outcome)).toEqual([
      'failure',
      'success',
    ]);
  });

  it.skipIf(skip)('TOP shows the previous login (Japan time and address)', async () => {
    const user = await createUserOfNewOperator(ctx);
    const first = await loginAs(ctx, user);
    expect((await first.get('/')).body).toContain('前回ログイン: なし');
    ctx.clock.advance(3 * 3_600_000);
    const second = await loginAs(ctx, user);
    const top = await second.get('/');
    expect(top.body).toContain('前回ログイン: 2026/04/01 10:00（接続元: 127.0.0.1）');
  });
});
