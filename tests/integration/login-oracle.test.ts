import argon2 from 'argon2';
import { afterEach, expect, it, vi } from 'vitest';
import type { User } from '../../src/features/users/model.js';
import * as passwords from '../../src/lib/passwords.js';
import {
  Agent,
  auditFor,
  createUserOfNewOperator,
  DEFAULT_PASSWORD,
  describeOnStores,
  messageIds,
  type Response,
  sessionCount,
  TEST_START,
  userRow,
} from '../helpers/integration.js';

/**
 * SPEC §4.11, D-14: once a user is locked, disabled, deleted or out of validity, every
 * login attempt gets the same answer, in the same time, whatever the password: the
 * login page is no guessing oracle past the lock.
 */

const WRONG = 'definitely not the password 1';

/** What may legitimately differ between two login pages: the CSRF token of the form. */
function comparable(res: Response): { statusCode: number; body: string } {
  return {
    statusCode: res.statusCode,
    body: res.body.replace(/(name="_csrf" value=")[^"]*"/g, '$1"'),
  };
}

/** The error block at the top of the login page (message IDs and texts). */
function errorBlock(body: string): string | undefined {
  return /<div class="messages messages-error"[\s\S]*?<\/div>/.exec(body)?.[0];
}

describeOnStores('login: no password oracle (D-14) on $kind', (ctx, { skip }) => {
  afterEach(() => {
    vi.restoreAllMocks();
    ctx.clock?.set(TEST_START);
  });

  async function loginFailures(userId: string) {
    const rows = await auditFor(ctx, 'login', userId);
    return rows.filter((r) => r.outcome === 'failure').map((r) => JSON.parse(r.detail) as unknown);
  }

  /**
   * Posts the right and the wrong password in turn, twice each, from one browser, and
   * checks that all four answers are the same page with the same status and message.
   */
  async function expectSameAnswer(user: User, messageId: string): Promise<Response[]> {
    const agent = new Agent(ctx.app);
    const answers: Response[] = [];
    for (const password of [DEFAULT_PASSWORD, WRONG, DEFAULT_PASSWORD, WRONG]) {
      answers.push(await agent.post('/login', { userId: user.userId, password }));
    }
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(messageIds(res.body)).toEqual([messageId]);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const [right, wrong] = answers.map(comparable);
    expect(right).toEqual(wrong);
    for (const res of answers.slice(2)) expect(comparable(res)).toEqual(right);
    return answers;
  }

  it.skipIf(skip)(
    'locked by five wrong passwords: right and wrong passwords get the same locked page, each audited',
    async () => {
      const user = await createUserOfNewOperator(ctx);
      const agent = new Agent(ctx.app);
      for (let i = 0; i < 5; i++) {
        const res = await agent.post('/login', { userId: user.userId, password: WRONG });
        expect(res.statusCode).toBe(401);
      }
      expect(Number((await userRow(ctx, user.userId)).locked)).toBe(1);
      const failuresBefore = (await loginFailures(user.userId)).length;
      expect(failuresBefore).toBe(5);

      const answers = await expectSameAnswer(user, 'error.login.locked');
      expect(errorBlock(answers[0]!.body)).toContain('ロック');

      // Every attempt is recorded, and the record does not say whether the password was right.
      const after = await loginFailures(user.userId);
      expect(after).toHaveLength(failuresBefore + 4);
      expect(after.slice(failuresBefore)).toEqual([
        { reason: 'locked' },
        { reason: 'locked' },
        { reason: 'locked' },
        { reason: 'locked' },
      ]);
      // The lock stays as it was set: count 5, one lock record, no session.
      const row = await userRow(ctx, user.userId);
      expect(Number(row.locked)).toBe(1);
      expect(Number(row.failed_login_count)).toBe(5);
      expect(await auditFor(ctx, 'lock', user.userId)).toHaveLength(1);
      expect(await sessionCount(ctx, user.userId)).toBe(0);
    },
  );

  it.skipIf(skip)(
    'a locked user: right and wrong passwords in parallel all get the locked page; nothing counts twice',
    async () => {
      const user = await createUserOfNewOperator(ctx);
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          new Agent(ctx.app).post('/login', { userId: user.userId, password: WRONG }),
        ),
      );
      expect(results.every((r) => r.statusCode === 401)).toBe(true);
      expect(Number((await userRow(ctx, user.userId)).failed_login_count)).toBe(5);
      expect(await auditFor(ctx, 'lock', user.userId)).toHaveLength(1);

      const mixed = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          new Agent(ctx.app).post('/login', {
            userId: user.userId,
            password: i % 2 === 0 ? DEFAULT_PASSWORD : WRONG,
          }),
        ),
      );
      for (const res of mixed) {
        expect(res.statusCode).toBe(401);
        expect(messageIds(res.body)).toEqual(['error.login.locked']);
      }
      expect(new Set(mixed.map((r) => errorBlock(r.body))).size).toBe(1);
      const row = await userRow(ctx, user.userId);
      expect(Number(row.locked)).toBe(1);
      expect(Number(row.failed_login_count)).toBe(5);
      expect(await auditFor(ctx, 'lock', user.userId)).toHaveLength(1);
      const failures = await loginFailures(user.userId);
      expect(failures).toHaveLength(20);
      expect(failures.slice(10)).toEqual(Array.from({ length: 10 }, () => ({ reason: 'locked' })));
    },
  );

  it.skipIf(skip)(
    'a disabled user: right and wrong passwords get the same unavailable page, each audited, none counted',
    async () => {
      const user = await createUserOfNewOperator(ctx, { enabled: false });
      await expectSameAnswer(user, 'error.login.unavailable');
      expect(await loginFailures(user.userId)).toEqual([
        { reason: 'disabled' },
        { reason: 'disabled' },
        { reason: 'disabled' },
        { reason: 'disabled' },
      ]);
      // Guesses against a user who cannot log in learn nothing, so they do not lock it either.
      const row = await userRow(ctx, user.userId);
      expect(Number(row.failed_login_count)).toBe(0);
      expect(Number(row.locked)).toBe(0);
    },
  );

  it.skipIf(skip)(
    'out of validity (end date passed, start date ahead): the same unavailable page whatever the password',
    async () => {
      const ended = await createUserOfNewOperator(ctx, { validTo: '2026-03-31' });
      await expectSameAnswer(ended, 'error.login.unavailable');
      const notYet = await createUserOfNewOperator(ctx, { validFrom: '2026-04-02' });
      await expectSameAnswer(notYet, 'error.login.unavailable');
      for (const u of [ended, notYet]) {
        expect(await loginFailures(u.userId)).toEqual(
          Array.from({ length: 4 }, () => ({ reason: 'outsideValidity' })),
        );
        expect(Number((await userRow(ctx, u.userId)).failed_login_count)).toBe(0);
      }
    },
  );

  it.skipIf(skip)(
    'a validity that ends while time passes (FakeClock): usable on its last day, then no oracle',
    async () => {
      const user = await createUserOfNewOperator(ctx, { validTo: '2026-04-01' });
      const lastDay = await new Agent(ctx.app).post('/login', { userId: user.userId, password: WRONG });
      expect(messageIds(lastDay.body)).toEqual(['error.login.failed']);
      ctx.clock.set('2026-04-01T15:00:00.000Z'); // 2026-04-02 00:00 in Japan
      await expectSameAnswer(user, 'error.login.unavailable');
      const failures = await loginFailures(user.userId);
      expect(failures.slice(1)).toEqual(Array.from({ length: 4 }, () => ({ reason: 'outsideValidity' })));
    },
  );

  it.skipIf(skip)(
    'a deleted user: right and wrong passwords get the page of an unknown ID, each audited',
    async () => {
      const user = await createUserOfNewOperator(ctx, { deleted: true });
      const answers = await expectSameAnswer(user, 'error.login.failed');
      const unknown = await new Agent(ctx.app).post('/login', { userId: 'U999999998', password: WRONG });
      expect(unknown.statusCode).toBe(401);
      expect(errorBlock(unknown.body)).toBe(errorBlock(answers[0]!.body));
      expect(errorBlock(unknown.body)).toContain('ユーザIDまたはパスワードが正しくありません。');
      expect(await loginFailures(user.userId)).toEqual(
        Array.from({ length: 4 }, () => ({ reason: 'deleted' })),
      );
    },
  );

  it.skipIf(skip)(
    'the state decides first: a locked, disabled or out-of-validity user with an expired temporary password',
    async () => {
      const expired = { temporary: true, temporaryPasswordExpiresAt: '2026-03-31T14:59:59.999Z' };
      await expectSameAnswer(
        await createUserOfNewOperator(ctx, { ...expired, locked: true }),
        'error.login.locked',
      );
      await expectSameAnswer(
        await createUserOfNewOperator(ctx, { ...expired, enabled: false }),
        'error.login.unavailable',
      );
      await expectSameAnswer(
        await createUserOfNewOperator(ctx, { ...expired, validTo: '2026-03-31' }),
        'error.login.unavailable',
      );
      // Locked and disabled at once: always the lock.
      await expectSameAnswer(
        await createUserOfNewOperator(ctx, { locked: true, enabled: false }),
        'error.login.locked',
      );
      // An otherwise usable user: the right password learns of the expiry, a wrong one counts.
      const usable = await createUserOfNewOperator(ctx, expired);
      const agent = new Agent(ctx.app);
      const right = await agent.post('/login', { userId: usable.userId, password: DEFAULT_PASSWORD });
      expect(messageIds(right.body)).toEqual(['error.login.temporaryExpired']);
      const wrong = await agent.post('/login', { userId: usable.userId, password: WRONG });
      expect(messageIds(wrong.body)).toEqual(['error.login.failed']);
      expect(Number((await userRow(ctx, usable.userId)).failed_login_count)).toBe(1);
    },
  );

  it.skipIf(skip)('every path costs exactly one argon2 verification and no hashing', async () => {
    // The decoy hash is made once per process; make it before counting.
    await passwords.decoyPasswordHash();
    const locked = await createUserOfNewOperator(ctx, { locked: true });
    const disabled = await createUserOfNewOperator(ctx, { enabled: false });
    const ended = await createUserOfNewOperator(ctx, { validTo: '2026-03-31' });
    const deleted = await createUserOfNewOperator(ctx, { deleted: true });
    const expiredTemporary = await createUserOfNewOperator(ctx, {
      temporary: true,
      temporaryPasswordExpiresAt: '2026-03-31T14:59:59.999Z',
    });
    const usable = await createUserOfNewOperator(ctx);
    const attempts: [string, string, string][] = [
      ['unknown ID', 'U999999997', DEFAULT_PASSWORD],
      ['deleted, right', deleted.userId, DEFAULT_PASSWORD],
      ['deleted, wrong', deleted.userId, WRONG],
      ['locked, right', locked.userId, DEFAULT_PASSWORD],
      ['locked, wrong', locked.userId, WRONG],
      ['disabled, right', disabled.userId, DEFAULT_PASSWORD],
      ['disabled, wrong', disabled.userId, WRONG],
      ['out of validity, right', ended.userId, DEFAULT_PASSWORD],
      ['out of validity, wrong', ended.userId, WRONG],
      ['expired temporary, right', expiredTemporary.userId, DEFAULT_PASSWORD],
      ['usable, wrong', usable.userId, WRONG],
      ['usable, right', usable.userId, DEFAULT_PASSWORD],
    ];
    const verify = vi.spyOn(argon2, 'verify');
    const hash = vi.spyOn(argon2, 'hash');
    const verifyPassword = vi.spyOn(passwords, 'verifyPassword');
    const counts: Record<string, [number, number, number]> = {};
    for (const [label, userId, password] of attempts) {
      verify.mockClear();
      hash.mockClear();
      verifyPassword.mockClear();
      await new Agent(ctx.app).post('/login', { userId, password });
      counts[label] = [verify.mock.calls.length, hash.mock.calls.length, verifyPassword.mock.calls.length];
    }
    expect(counts).toEqual(Object.fromEntries(attempts.map(([label]) => [label, [1, 0, 1]])));
  });

  it.skipIf(skip)(
    'with a password typed in another form (full-width), the right and a wrong one still cost the same',
    async () => {
      await passwords.decoyPasswordHash();
      // NFKC turns this back into DEFAULT_PASSWORD: for a usable user it is the right password.
      const fullWidth = DEFAULT_PASSWORD.replace(/[!-~]/g, (c) =>
        String.fromCharCode(c.charCodeAt(0) + 0xfee0),
      ).replace(/ /g, '\u3000');
      const wrongFullWidth = 'ｎｏｔ\u3000ｔｈｅ\u3000ｐａｓｓｗｏｒｄ\u3000１２３';
      const users = {
        locked: await createUserOfNewOperator(ctx, { locked: true }),
        disabled: await createUserOfNewOperator(ctx, { enabled: false }),
        outsideValidity: await createUserOfNewOperator(ctx, { validTo: '2026-03-31' }),
        deleted: await createUserOfNewOperator(ctx, { deleted: true }),
      };
      const usable = await createUserOfNewOperator(ctx);
      const signIn = await new Agent(ctx.app).post('/login', {
        userId: usable.userId,
        password: fullWidth,
      });
      expect(signIn.statusCode).toBe(303);

      const verify = vi.spyOn(argon2, 'verify');
      const cost = async (userId: string, password: string) => {
        verify.mockClear();
        await new Agent(ctx.app).post('/login', { userId, password });
        return verify.mock.calls.length;
      };
      const unknown = await cost('U999999996', wrongFullWidth);
      expect(unknown).toBeGreaterThanOrEqual(1);
      for (const [state, user] of Object.entries(users)) {
        expect({ state, right: await cost(user.userId, fullWidth) }).toEqual({ state, right: unknown });
        expect({ state, wrong: await cost(user.userId, wrongFullWidth) }).toEqual({
          state,
          wrong: unknown,
        });
      }
      // A wrong password of a usable user costs what an unknown ID costs (D-14).
      expect(await cost(usable.userId, wrongFullWidth)).toBe(unknown);
    },
  );
});
