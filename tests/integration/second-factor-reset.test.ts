import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import type { User } from '../../src/features/users/model.js';
import {
  Agent,
  auditFor,
  createOperatorWithAdmins,
  createOperatorWithUser,
  createUser,
  describeOnStores,
  execute,
  exportCsv,
  formToken,
  issueToken,
  loginAs,
  messageIds,
  outboxFor,
  passwordStep,
  plantPasskey,
  plantTotpFactor,
  sessionCount,
  type TestContext,
  USER_CSV_HEADER,
  userRowCount,
  writtenRows,
} from '../helpers/integration.js';

/**
 * SPEC D-22 (issue 10 items 4 and 5): an admin resets the second factor of a user of their
 * operator who lost it (confirmation, 実行 once, completion, audit, mail to the user and
 * both admins, sessions ended), and the list, the detail and the CSV export show who has
 * one. Another operator's admin, a general user, a second 実行: nothing changes.
 */

const RESET = (userId: string) => `/users/${userId}/second-factor-reset`;
const PURPOSE = (userId: string) => `secondFactorReset:${userId}`;

/** An enrolled authenticator app with its ten recovery codes and a login waiting for its code. */
async function giveFactor(ctx: TestContext, userId: string): Promise<void> {
  const at = ctx.clock.now().toISOString();
  const db = ctx.store.db;
  await plantTotpFactor(ctx, userId);
  for (let i = 0; i < 10; i++) {
    await db
      .insertInto('recovery_codes')
      .values({ user_id: userId, code_hash: `$argon2id$${i}`, created_at: at, used_at: i < 2 ? at : null })
      .execute();
  }
  await db
    .insertInto('login_challenges')
    .values({
      id: `challenge-${userId}`,
      user_id: userId,
      pre_session: 'pre',
      next_path: null,
      created_at: at,
      expires_at: new Date(ctx.clock.now().getTime() + 5 * 60_000).toISOString(),
    })
    .execute();
}

/** A passkey of the user (SPEC D-22's second kind of factor) and a ceremony waiting for it. */
async function givePasskey(ctx: TestContext, userId: string, n = 1): Promise<void> {
  const at = ctx.clock.now().toISOString();
  await plantPasskey(ctx, userId, {
    credentialId: `credential-${userId}-${n}`,
    userHandle: `handle-${userId}`,
    name: `会社のノートPC ${n}`,
  });
  await ctx.store.db
    .insertInto('passkey_challenges')
    .values({
      id: `passkey-challenge-${userId}-${n}`,
      purpose: 'login',
      owner: 'owner',
      user_id: userId,
      user_handle: null,
      created_at: at,
      expires_at: new Date(ctx.clock.now().getTime() + 5 * 60_000).toISOString(),
    })
    .execute();
}

async function passkeyRows(ctx: TestContext, userId: string) {
  return {
    passkeys: await userRowCount(ctx, 'passkeys', userId),
    challenges: await userRowCount(ctx, 'passkey_challenges', userId),
  };
}

/** The rows of the user's second factor, by table. */
async function factorRows(ctx: TestContext, userId: string) {
  return {
    totp: await userRowCount(ctx, 'totp_factors', userId),
    recovery: await userRowCount(ctx, 'recovery_codes', userId),
    challenges: await userRowCount(ctx, 'login_challenges', userId),
  };
}

const FULL = { totp: 1, recovery: 10, challenges: 1 };
const NONE = { totp: 0, recovery: 0, challenges: 0 };

/** Where the password step of a login leads: `/` without a factor, `/login/code` with one. */
async function afterPassword(ctx: TestContext, user: User): Promise<string | undefined> {
  return (await passwordStep(ctx, user)).res.location;
}

/** The value of a detail table's row. */
function detailValue(body: string, label: string): string | undefined {
  const escaped = label.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`<th[^>]*>${escaped}</th>\\s*<td[^>]*>([^<]*)</td>`).exec(body)?.[1];
}

describeOnStores('二要素認証リセット by an admin (SPEC D-22) on $kind', (ctx, { skip }) => {
  async function setup() {
    const { admin, otherAdmin, operator, user } = await createOperatorWithUser(ctx);
    // The user's own session, opened before the factor (the login then asks no code).
    const userAgent = await loginAs(ctx, user);
    await giveFactor(ctx, user.userId);
    return { admin, otherAdmin, operator, user, userAgent, agent: await loginAs(ctx, admin) };
  }

  it.skipIf(skip)(
    'resets from the detail page: confirmation without JS, factor and codes gone, sessions ended, audited, three mails',
    async () => {
      const { admin, otherAdmin, user, userAgent, agent } = await setup();
      // A bystander's factor stays.
      const bystander = await createUser(ctx, { operatorCode: user.operatorCode });
      await giveFactor(ctx, bystander.userId);
      expect(await afterPassword(ctx, user)).toBe('/login/code');

      const detail = await agent.get(`/users/${user.userId}`);
      expect(detail.statusCode).toBe(200);
      expect(detailValue(detail.body, '二要素認証')).toBe('設定済み');
      expect(detail.body).toContain('>二要素認証リセット</button>');
      const token = formToken(detail.body, RESET(user.userId));

      // D-15: without JavaScript the detail page's form posts confirmed=0 and a page asks.
      const ask = await execute(agent, RESET(user.userId), { token, confirmed: '0' });
      expect(ask.statusCode).toBe(200);
      expect(ask.body).toContain('<h1>二要素認証リセット確認画面</h1>');
      expect(messageIds(ask.body)).toEqual(['info.secondFactorReset.confirm']);
      expect(ask.body).toContain(`href="/users/${user.userId}">キャンセル</a>`);
      expect(ask.body).toMatch(/<button type="submit"[^>]*>OK<\/button>/);
      expect(formToken(ask.body, RESET(user.userId))).toBe(token);
      // Two logins wait for their code: the one given and the password step above.
      expect(await factorRows(ctx, user.userId)).toEqual({ ...FULL, challenges: 2 });

      // 実行: 303 to the completion page (Post/Redirect/Get).
      const done = await execute(agent, RESET(user.userId), { token, confirmed: '1' });
      expect(done.posted.statusCode).toBe(303);
      expect(done.posted.location).toMatch(
        new RegExp(`^/users/${user.userId}/second-factor-reset/done\\?receipt=`),
      );
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('<h1>二要素認証リセット完了画面</h1>');
      expect(messageIds(done.body)).toEqual(['info.secondFactorReset.complete', 'info.mail.notice']);
      expect(detailValue(done.body, '二要素認証')).toBe('未設定');

      expect(await factorRows(ctx, user.userId)).toEqual(NONE);
      expect(await factorRows(ctx, bystander.userId)).toEqual(FULL);
      // Every session of the user ended: its next request is refused.
      expect(await sessionCount(ctx, user.userId)).toBe(0);
      const next = await userAgent.get('/users');
      expect(next.statusCode).toBe(303);
      expect(next.location).toMatch(/^\/login/);
      // The admin's own session goes on.
      expect((await agent.get('/users')).statusCode).toBe(200);

      const audit = await auditFor(ctx, 'secondFactorReset', user.userId);
      expect(audit).toHaveLength(1);
      expect(audit[0]).toMatchObject({
        outcome: 'success',
        actor_user_id: admin.userId,
        operator_code: user.operatorCode,
      });
      expect(JSON.parse(audit[0]!.detail)).toEqual({
        authenticatorApp: true,
        recoveryCodesLeft: 8,
        passkeys: 0,
        sessions: 1,
      });
      const mails = await outboxFor(ctx, 'secondFactorReset', user.userId);
      expect(mails.map((m) => m.recipient).sort()).toEqual(
        [user.email, admin.email, otherAdmin.email].sort(),
      );
      expect(mails.every((m) => m.subject === '【容量市場システム】二要素認証リセットのお知らせ')).toBe(true);

      // The user logs in with the password alone now.
      expect(await afterPassword(ctx, user)).toBe('/');

      // 実行 once: the same token again is refused, nothing more is written.
      const before = await writtenRows(ctx);
      const again = await execute(agent, RESET(user.userId), { token, confirmed: '1' });
      expect(again.statusCode).toBe(409);
      expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
      expect(await outboxFor(ctx, 'secondFactorReset', user.userId)).toHaveLength(3);
      expect((await writtenRows(ctx)).outbox).toBe(before.outbox);

      // The completion page reloads without executing anything (D-18).
      const rows = await writtenRows(ctx);
      const reload = await agent.get(done.posted.location!);
      expect(reload.statusCode).toBe(200);
      expect(await writtenRows(ctx)).toEqual(rows);
    },
  );

  it.skipIf(skip)(
    'a passkey is a second factor too: shown, and reset with the app and the codes',
    async () => {
      const { operator, agent, user } = await setup();
      await givePasskey(ctx, user.userId, 1);
      await givePasskey(ctx, user.userId, 2);
      const onlyPasskey = await createUser(ctx, { operatorCode: operator.operatorCode });
      await givePasskey(ctx, onlyPasskey.userId);

      const detail = await agent.get(`/users/${onlyPasskey.userId}`);
      expect(detail.statusCode).toBe(200);
      expect(detailValue(detail.body, '二要素認証')).toBe('設定済み');
      const list = await agent.get(`/users?search=1&userId=${onlyPasskey.userId}`);
      expect(list.body).toContain('<td class="col-factor">設定済み</td>');

      // A user with a passkey alone.
      const done = await execute(agent, RESET(onlyPasskey.userId), {
        token: formToken(detail.body, RESET(onlyPasskey.userId)),
        confirmed: '1',
      });
      expect(messageIds(done.body)).toEqual(['info.secondFactorReset.complete', 'info.mail.notice']);
      expect(detailValue(done.body, '二要素認証')).toBe('未設定');
      expect(await passkeyRows(ctx, onlyPasskey.userId)).toEqual({ passkeys: 0, challenges: 0 });
      const [record] = await auditFor(ctx, 'secondFactorReset', onlyPasskey.userId);
      expect(JSON.parse(record!.detail)).toEqual({
        authenticatorApp: false,
        recoveryCodesLeft: 0,
        passkeys: 1,
        sessions: 0,
      });

      // The app, the codes and both passkeys at once.
      const token = issueToken(ctx, agent, PURPOSE(user.userId));
      const both = await execute(agent, RESET(user.userId), { token, confirmed: '1' });
      expect(both.statusCode).toBe(200);
      expect(await factorRows(ctx, user.userId)).toEqual(NONE);
      expect(await passkeyRows(ctx, user.userId)).toEqual({ passkeys: 0, challenges: 0 });
      const [all] = await auditFor(ctx, 'secondFactorReset', user.userId);
      expect(JSON.parse(all!.detail)).toMatchObject({ authenticatorApp: true, passkeys: 2 });
      expect(await outboxFor(ctx, 'secondFactorReset', user.userId)).toHaveLength(3);
    },
  );

  it.skipIf(skip)('the detail page offers the reset only for another user who has a factor', async () => {
    const { admin, operator, user, agent } = await setup();
    const without = await createUser(ctx, { operatorCode: operator.operatorCode });
    const gone = await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
    await giveFactor(ctx, gone.userId);
    await giveFactor(ctx, admin.userId);

    const has = await agent.get(`/users/${user.userId}`);
    expect(has.body).toContain(`action="${RESET(user.userId)}"`);
    for (const [other, factor] of [
      [without, '未設定'],
      [gone, '設定済み'],
      // One's own factor is removed on アカウント設定 with the password and a code.
      [admin, '設定済み'],
    ] as const) {
      const page = await agent.get(`/users/${other.userId}`);
      expect(page.statusCode).toBe(200);
      expect(detailValue(page.body, '二要素認証')).toBe(factor);
      expect(page.body).not.toContain('second-factor-reset');
    }
    // General users see the row, never the button.
    const general = await loginAs(ctx, without);
    const seen = await general.get(`/users/${user.userId}`);
    expect(detailValue(seen.body, '二要素認証')).toBe('設定済み');
    expect(seen.body).not.toContain('second-factor-reset');
  });

  it.skipIf(skip)('refuses a user without a factor (and a deleted one) with a message, audited', async () => {
    const { operator, agent } = await setup();
    const without = await createUser(ctx, { operatorCode: operator.operatorCode });
    for (const confirmed of ['0', '1']) {
      const token = issueToken(ctx, agent, PURPOSE(without.userId));
      const res = await execute(agent, RESET(without.userId), { token, confirmed });
      expect(res.statusCode).toBe(409);
      expect(messageIds(res.body)).toEqual(['error.secondFactor.notEnabled']);
      expect(detailValue(res.body, '二要素認証')).toBe('未設定');
    }
    const refusals = await auditFor(ctx, 'secondFactorReset', without.userId);
    expect(refusals.map((r) => [r.outcome, JSON.parse(r.detail).reason])).toEqual([
      ['failure', 'secondFactorNotEnabled'],
      ['failure', 'secondFactorNotEnabled'],
    ]);
    expect(await outboxFor(ctx, 'secondFactorReset', without.userId)).toHaveLength(0);

    const gone = await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
    await giveFactor(ctx, gone.userId);
    const token = issueToken(ctx, agent, PURPOSE(gone.userId));
    const res = await execute(agent, RESET(gone.userId), { token, confirmed: '1' });
    expect(messageIds(res.body)).toEqual(['error.user.deleted']);
    expect(await factorRows(ctx, gone.userId)).toEqual(FULL);
  });

  it.skipIf(skip)('a token for one user resets no other', async () => {
    const { operator, user, agent } = await setup();
    const other = await createUser(ctx, { operatorCode: operator.operatorCode });
    await giveFactor(ctx, other.userId);
    const token = issueToken(ctx, agent, PURPOSE(user.userId));
    const res = await execute(agent, RESET(other.userId), { token, confirmed: '1' });
    expect(res.statusCode).toBe(400);
    expect(messageIds(res.body)).toEqual(['error.action.invalid']);
    expect(await factorRows(ctx, other.userId)).toEqual(FULL);
    // Nor does another action's token for the same user.
    const unlock = issueToken(ctx, agent, `unlock:${other.userId}`);
    const wrong = await execute(agent, RESET(other.userId), { token: unlock, confirmed: '1' });
    expect(messageIds(wrong.body)).toEqual(['error.action.invalid']);
    expect(await factorRows(ctx, other.userId)).toEqual(FULL);
  });

  it.skipIf(skip)(
    'tenant isolation: an admin of another operator gets the 404 of an unknown user, nothing changes',
    async () => {
      const { user } = await setup();
      const foreign = await createOperatorWithAdmins(ctx);
      const intruder = await loginAs(ctx, foreign.admin);
      const before = await writtenRows(ctx);
      expect((await intruder.get(`/users/${user.userId}`)).statusCode).toBe(404);
      for (const confirmed of ['0', '1']) {
        // A token signed for the intruder's own session and this very user.
        const token = issueToken(ctx, intruder, PURPOSE(user.userId));
        const res = await execute(intruder, RESET(user.userId), { token, confirmed });
        expect(res.statusCode).toBe(404);
        expect(messageIds(res.body)).toEqual(['error.user.notFound']);
      }
      expect(await factorRows(ctx, user.userId)).toEqual(FULL);
      expect(await sessionCount(ctx, user.userId)).toBe(1);
      expect(await writtenRows(ctx)).toEqual(before);
      expect(await auditFor(ctx, 'secondFactorReset', user.userId)).toHaveLength(0);
    },
  );

  it.skipIf(skip)(
    'general users get 403 and change nothing; anonymous visitors go to the login',
    async () => {
      const { operator, user } = await setup();
      const general = await createUser(ctx, { operatorCode: operator.operatorCode });
      const agent = await loginAs(ctx, general);
      const before = await writtenRows(ctx);
      const token = issueToken(ctx, agent, PURPOSE(user.userId));
      for (const confirmed of ['0', '1']) {
        const res = await execute(agent, RESET(user.userId), { token, confirmed });
        expect(res.statusCode).toBe(403);
        expect(messageIds(res.body)).toEqual(['error.forbidden']);
      }
      const anonymous = new Agent(ctx.app);
      const res = await anonymous.post(RESET(user.userId), { token, confirmed: '1' });
      expect(res.statusCode).toBe(303);
      expect(res.location).toMatch(/^\/login/);
      expect(await factorRows(ctx, user.userId)).toEqual(FULL);
      expect(await writtenRows(ctx)).toEqual(before);
    },
  );

  it.skipIf(skip)(
    'the list, the detail and the CSV export show who has a second factor (the CSV: its last column)',
    async () => {
      const { operator, admin, otherAdmin } = await createOperatorWithAdmins(ctx);
      const withFactor = await createUser(ctx, {
        operatorCode: operator.operatorCode,
        userName: '二要素 一郎',
      });
      const pending = await createUser(ctx, { operatorCode: operator.operatorCode, userName: '二要素 二郎' });
      await giveFactor(ctx, withFactor.userId);
      // An enrolment still waiting for its first code is no second factor.
      await plantTotpFactor(ctx, pending.userId, { enabled: false });
      const agent = await loginAs(ctx, admin);

      const list = await agent.get('/users');
      expect(list.statusCode).toBe(200);
      const headers = [...list.body.matchAll(/<th scope="col"[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
      expect(headers.at(-1)).toBe('二要素認証');
      const cells = (userId: string) => {
        const row = new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*?>${userId}</a>((?:(?!</tr>)[\\s\\S])*)</tr>`).exec(
          list.body,
        );
        return [...(row?.[1] ?? '').matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
      };
      expect(cells(withFactor.userId).at(-1)).toBe('設定済み');
      expect(cells(pending.userId).at(-1)).toBe('未設定');
      expect(cells(otherAdmin.userId).at(-1)).toBe('未設定');

      expect(detailValue((await agent.get(`/users/${withFactor.userId}`)).body, '二要素認証')).toBe(
        '設定済み',
      );
      expect(detailValue((await agent.get(`/users/${pending.userId}`)).body, '二要素認証')).toBe('未設定');

      const csv = await exportCsv(agent, { operatorCode: operator.operatorCode });
      expect(csv.statusCode).toBe(200);
      const records = parse(csv.body.replace(/^\uFEFF/, '')) as string[][];
      // The manual's columns unchanged, then the second factor.
      expect(records[0]).toEqual(USER_CSV_HEADER);
      const byId = Object.fromEntries(records.slice(1).map((r) => [r[0], r.at(-1)]));
      expect(byId).toEqual({
        [admin.userId]: '未設定',
        [otherAdmin.userId]: '未設定',
        [withFactor.userId]: '設定済み',
        [pending.userId]: '未設定',
      });
    },
  );
});
