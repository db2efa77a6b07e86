import type { PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import { expect, it } from 'vitest';
import { PASSKEY_CHALLENGE_MS } from '../../src/features/auth/passkeys/challenges.js';
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
  type Response,
  resetClockAfterEach,
  rowOfUser,
  rowsOfUser,
  userRow,
} from '../helpers/integration.js';
import { type Ceremony, SoftAuthenticator } from '../helpers/webauthn.js';

/**
 * SPEC D-22 (issue: passkeys): registration from the account page, a passkey as the second
 * step of a login (user verification required), removal with the password, and the
 * server's checks: challenges used once and expiring, origin and RP ID, counter, backup
 * eligibility, another user's credential, audit and mail. `app.inject` sends Host
 * `localhost:80`, so without PUBLIC_URL the relying party is `localhost`, origin
 * `http://localhost`.
 */

const ORIGIN = 'http://localhost';
const RP_ID = 'localhost';

describeOnStores('passkeys on $kind', (ctx, { skip }) => {
  resetClockAfterEach(ctx);

  const device = (over: Ceremony = {}) => new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID, ...over });

  async function registrationOptions(agent: Agent): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const res = await agent.post('/account/passkeys/options');
    expect(res.statusCode, res.body).toBe(200);
    return JSON.parse(res.body);
  }

  /** Registers `auth` as the user's passkey through the account page, as the page's script does. */
  async function register(agent: Agent, auth: SoftAuthenticator, name = 'ノートPC', over: Ceremony = {}) {
    const options = await registrationOptions(agent);
    return agent.post('/account/passkeys', { name, response: JSON.stringify(auth.register(options, over)) });
  }

  async function userWithPasskey(over: Ceremony = {}) {
    const user = await createUserOfNewOperator(ctx);
    const agent = await loginAs(ctx, user);
    const auth = device(over);
    const res = await register(agent, auth);
    expect(res.statusCode, errorIds(res.body).join()).toBe(303);
    return { user, agent, auth };
  }

  async function loginOptions(agent: Agent) {
    const res = await agent.post('/login/passkey/options');
    expect(res.statusCode, res.body).toBe(200);
    return JSON.parse(res.body);
  }

  async function passkeyStep(agent: Agent, auth: SoftAuthenticator, over: Ceremony = {}): Promise<Response> {
    const options = await loginOptions(agent);
    return agent.post('/login/passkey', { response: JSON.stringify(auth.authenticate(options, over)) });
  }

  async function failedCount(user: User): Promise<number> {
    return Number((await userRow(ctx, user.userId)).failed_login_count);
  }

  async function outboxTo(event: string) {
    return ctx.store.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('event', '=', event)
      .orderBy('id')
      .execute();
  }

  it.skipIf(skip)(
    'registers a passkey from the account page: listed, audited, mailed, other sessions ended',
    async () => {
      const user = await createUserOfNewOperator(ctx);
      const elsewhere = await loginAs(ctx, user);
      const agent = await loginAs(ctx, user);
      const options = await registrationOptions(agent);
      expect(options.rp.id).toBe(RP_ID);
      expect(options.authenticatorSelection).toMatchObject({
        userVerification: 'required',
        residentKey: 'required',
      });
      expect(options.user.name).toBe(user.userId);
      // The user handle is random, not the user ID.
      expect(Buffer.from(options.user.id, 'base64url').toString()).not.toContain(user.userId);
      const auth = device();
      const res = await agent.post('/account/passkeys', {
        name: ' 会社のノートPC ',
        response: JSON.stringify(auth.register(options)),
      });
      expect(res.location).toBe('/account?done=passkeyAdded');
      const page = await agent.get('/account?done=passkeyAdded');
      expect(messageIds(page.body)).toContain('info.passkey.added');
      expect(page.body).toContain('data-passkey-row="会社のノートPC"');
      expect(page.body).toContain('未使用');
      expect(page.body).toMatch(/<script type="module" src="\/assets\/build\/passkeys\.js\?v=[0-9a-f]+"/);
      const row = await rowOfUser(ctx, 'passkeys', user.userId);
      expect(row.credential_id).toBe(auth.id);
      expect(row.name).toBe('会社のノートPC');
      expect(Number(row.backup_eligible)).toBe(0);
      // ASVS V7.4.3: a new factor ends the user's other sessions; this one stays.
      expect((await elsewhere.get('/')).location).toMatch(/^\/login/);
      expect((await agent.get('/')).statusCode).toBe(200);
      const audits = await auditFor(ctx, 'passkeyRegister', user.userId);
      expect(audits.map((a) => a.outcome)).toEqual(['success']);
      expect(JSON.parse(audits[0]!.detail)).toMatchObject({ passkey: '会社のノートPC' });
      const mails = (await outboxTo('passkeyAdded')).filter((m) => m.body.includes(user.userId));
      expect(mails.map((m) => m.recipient)).toContain(user.email);
      expect(mails[0]!.body).toContain('会社のノートPC');
      // The registration challenge was used up.
      const again = await agent.post('/account/passkeys', {
        name: 'もう一度',
        response: JSON.stringify(device().register(options)),
      });
      expect(again.statusCode).toBe(400);
      expect(errorIds(again.body)).toContain('error.passkey.failed');
    },
  );

  it.skipIf(skip)(
    'logs in with a passkey after the password: session, audit, mail to the user only',
    async () => {
      const { user, auth } = await userWithPasskey();
      const agent = await atCodeScreen(ctx, user);
      const code = await agent.get('/login/code');
      expect(code.statusCode).toBe(200);
      expect(code.body).toContain('パスキーでログイン');
      expect(code.body).toContain('JavaScriptが有効なブラウザが必要です');
      // No authenticator app: no code form, and the page says where to turn.
      expect(code.body).not.toContain('action="/login/code"');
      expect(messageIds(code.body)).toContain('info.login.passkeyRequired');
      const options = await loginOptions(agent);
      expect(options.userVerification).toBe('required');
      // No credential IDs for whoever reached this step (the passkeys are discoverable).
      expect(options.allowCredentials ?? []).toEqual([]);
      const res = await agent.post('/login/passkey', {
        response: JSON.stringify(auth.authenticate(options)),
      });
      expect(res.statusCode).toBe(303);
      expect(res.location).toBe('/');
      expect((await agent.get('/')).statusCode).toBe(200);
      const row = await rowOfUser(ctx, 'passkeys', user.userId);
      expect(Number(row.counter)).toBe(1);
      expect(row.last_used_at).toBe(ctx.clock.now().toISOString());
      const logins = (await auditFor(ctx, 'login', user.userId)).filter((a) => a.outcome === 'success');
      expect(JSON.parse(logins.at(-1)!.detail)).toMatchObject({
        secondFactor: 'passkey',
        passkey: 'ノートPC',
      });
      const mails = (await outboxTo('passkeyUsed')).filter((m) => m.body.includes(user.userId));
      expect(mails.map((m) => m.recipient)).toEqual([user.email]);
      // The waiting login is over: its challenge cannot be asked for again.
      expect((await agent.post('/login/passkey/options')).statusCode).toBe(401);
    },
  );

  it.skipIf(skip)('refuses a replayed assertion: each challenge is used once', async () => {
    const { user, auth } = await userWithPasskey();
    const first = await atCodeScreen(ctx, user);
    const options = await loginOptions(first);
    const captured = JSON.stringify(auth.authenticate(options));
    expect((await first.post('/login/passkey', { response: captured })).location).toBe('/');
    // The same answer in a new login (a new challenge) is refused, counted, and ends that login.
    const second = await atCodeScreen(ctx, user);
    await loginOptions(second);
    const replay = await second.post('/login/passkey', { response: captured });
    expect(replay.statusCode).toBe(401);
    expect(errorIds(replay.body)).toContain('error.login.passkeyFailed');
    expect(await failedCount(user)).toBe(1);
    // Even signed anew for the used challenge (the counter higher), it is refused.
    const third = await atCodeScreen(ctx, user);
    const resigned = await third.post('/login/passkey', {
      response: JSON.stringify(auth.authenticate(options)),
    });
    expect(resigned.statusCode).toBe(401);
    expect(await failedCount(user)).toBe(2);
    // A failed answer uses its challenge up: a right one for it is refused after.
    const fourth = await atCodeScreen(ctx, user);
    const options4 = await loginOptions(fourth);
    const wrong = await fourth.post('/login/passkey', {
      response: JSON.stringify(auth.authenticate(options4, { origin: 'https://evil.example' })),
    });
    expect(wrong.statusCode).toBe(401);
    const late = await fourth.post('/login/passkey', {
      response: JSON.stringify(auth.authenticate(options4)),
    });
    expect(late.statusCode).toBe(401);
    expect(late.location).toBeUndefined();
    // A fresh login and challenge work, and reset the count.
    const fifth = await atCodeScreen(ctx, user);
    expect((await passkeyStep(fifth, auth)).location).toBe('/');
    expect(await failedCount(user)).toBe(0);
    const failures = (await auditFor(ctx, 'login', user.userId)).filter((a) => a.outcome === 'failure');
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(new Set(failures.map((a) => JSON.parse(a.detail).reason))).toEqual(new Set(['wrongPasskey']));
  });

  it.skipIf(skip)('after a wrong password, even the right passkey fails, and changes nothing', async () => {
    const { user, auth } = await userWithPasskey();
    const agent = new Agent(ctx.app);
    await agent.get('/login');
    // D-22: a wrong password reaches the code step like a right one, and is counted.
    const wrong = await agent.post('/login', { userId: user.userId, password: `${DEFAULT_PASSWORD}x` });
    expect(wrong.location).toBe('/login/code');
    expect(await failedCount(user)).toBe(1);
    const before = await ctx.store.db
      .selectFrom('passkeys')
      .select(['counter', 'last_used_at'])
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    const mailsBefore = (await outboxTo('passkeyUsed')).length;
    const res = await passkeyStep(agent, auth);
    expect(res.statusCode).toBe(401);
    expect(errorIds(res.body)).toContain('error.login.passkeyFailed');
    expect(agent.sessionToken).toBeUndefined();
    // Counted once (at the password), and the passkey's use was rolled back.
    expect(await failedCount(user)).toBe(1);
    const after = await ctx.store.db
      .selectFrom('passkeys')
      .select(['counter', 'last_used_at'])
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(after).toEqual(before);
    expect(await outboxTo('passkeyUsed')).toHaveLength(mailsBefore);
    // With the right password the same passkey logs in.
    expect((await passkeyStep(await atCodeScreen(ctx, user), auth)).location).toBe('/');
  });

  it.skipIf(skip)('a challenge expires after three minutes, at login and at registration', async () => {
    const { user, agent: account, auth } = await userWithPasskey();
    const agent = await atCodeScreen(ctx, user);
    const options = await loginOptions(agent);
    ctx.clock.advance(PASSKEY_CHALLENGE_MS);
    const late = await agent.post('/login/passkey', { response: JSON.stringify(auth.authenticate(options)) });
    expect(late.statusCode).toBe(401);
    expect(errorIds(late.body)).toContain('error.login.passkeyFailed');
    expect((await passkeyStep(await atCodeScreen(ctx, user), auth)).location).toBe('/');

    const regOptions = await registrationOptions(account);
    ctx.clock.advance(PASSKEY_CHALLENGE_MS);
    const expired = await account.post('/account/passkeys', {
      name: '遅すぎる',
      response: JSON.stringify(device().register(regOptions)),
    });
    expect(expired.statusCode).toBe(400);
    expect(errorIds(expired.body)).toContain('error.passkey.failed');
    const names = await rowsOfUser(ctx, 'passkeys', user.userId);
    expect(names.map((n) => n.name)).toEqual(['ノートPC']);
  });

  it.skipIf(skip)('refuses a wrong origin or RP ID, at registration and at login', async () => {
    const user = await createUserOfNewOperator(ctx);
    const agent = await loginAs(ctx, user);
    for (const over of [
      { origin: 'https://evil.example' },
      { rpId: 'evil.example' },
      { origin: 'http://localhost:3000' },
    ]) {
      const res = await register(agent, device(), 'フィッシング', over);
      expect(res.statusCode).toBe(400);
      expect(errorIds(res.body)).toContain('error.passkey.failed');
    }
    expect(
      await ctx.store.db.selectFrom('passkeys').select('id').where('user_id', '=', user.userId).execute(),
    ).toEqual([]);
    const failures = await auditFor(ctx, 'passkeyRegister', user.userId);
    expect(failures.map((a) => [a.outcome, JSON.parse(a.detail).reason])).toEqual([
      ['failure', 'passkeyInvalid'],
      ['failure', 'passkeyInvalid'],
      ['failure', 'passkeyInvalid'],
    ]);

    const { user: owner, auth } = await userWithPasskey();
    for (const over of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const res = await passkeyStep(await atCodeScreen(ctx, owner), auth, over);
      expect(res.statusCode).toBe(401);
      expect(errorIds(res.body)).toContain('error.login.passkeyFailed');
    }
    expect(await failedCount(owner)).toBe(2);
  });

  it.skipIf(skip)('uses PUBLIC_URL for the RP ID and origin when it is set', async () => {
    const original = ctx.app.appConfig.publicUrl;
    ctx.app.appConfig.publicUrl = 'https://cmus.example.jp/';
    try {
      const user = await createUserOfNewOperator(ctx);
      const agent = await loginAs(ctx, user);
      const options = await registrationOptions(agent);
      expect(options.rp.id).toBe('cmus.example.jp');
      const auth = new SoftAuthenticator({ origin: 'https://cmus.example.jp', rpId: 'cmus.example.jp' });
      const refused = await agent.post('/account/passkeys', {
        name: 'ホスト名違い',
        response: JSON.stringify(device().register(options)),
      });
      expect(refused.statusCode).toBe(400);
      const res = await register(agent, auth);
      expect(res.statusCode).toBe(303);
    } finally {
      ctx.app.appConfig.publicUrl = original;
    }
  });

  it.skipIf(skip)('requires user verification', async () => {
    const user = await createUserOfNewOperator(ctx);
    const agent = await loginAs(ctx, user);
    const res = await register(agent, device(), 'PINなし', { uv: false });
    expect(res.statusCode).toBe(400);
    const { user: owner, auth } = await userWithPasskey();
    const noUv = await passkeyStep(await atCodeScreen(ctx, owner), auth, { uv: false });
    expect(noUv.statusCode).toBe(401);
    expect((await passkeyStep(await atCodeScreen(ctx, owner), auth)).location).toBe('/');
  });

  it.skipIf(skip)('refuses a counter that did not go up, and a change of backup eligibility', async () => {
    const { user, auth } = await userWithPasskey();
    const agent = await atCodeScreen(ctx, user);
    expect((await passkeyStep(agent, auth, { counter: 5 })).location).toBe('/');
    for (const counter of [5, 3]) {
      const login = await atCodeScreen(ctx, user);
      const res = await passkeyStep(login, auth, { counter });
      expect(res.statusCode).toBe(401);
    }
    const stored = await rowOfUser(ctx, 'passkeys', user.userId);
    expect(Number(stored.counter)).toBe(5);
    // WebAuthn Level 3: the BE flag of a credential never changes.
    const be = await atCodeScreen(ctx, user);
    expect(
      (await passkeyStep(be, auth, { counter: 6, backupEligible: true, backedUp: true })).statusCode,
    ).toBe(401);
    expect((await passkeyStep(await atCodeScreen(ctx, user), auth, { counter: 7 })).location).toBe('/');
  });

  it.skipIf(skip)('a synced passkey (backup eligible) keeps its backup state up to date', async () => {
    const { user, auth } = await userWithPasskey({ backupEligible: true, backedUp: false });
    const agent = await atCodeScreen(ctx, user);
    expect((await passkeyStep(agent, auth, { backupEligible: true, backedUp: true })).location).toBe('/');
    const row = await rowOfUser(ctx, 'passkeys', user.userId);
    expect([Number(row.backup_eligible), Number(row.backed_up)]).toEqual([1, 1]);
  });

  it.skipIf(skip)("refuses another user's credential, passkey or credential ID", async () => {
    const a = await userWithPasskey();
    const b = await userWithPasskey();
    // B's authenticator answering A's challenge: not one of A's passkeys.
    const login = await atCodeScreen(ctx, a.user);
    const res = await passkeyStep(login, b.auth);
    expect(res.statusCode).toBe(401);
    expect(await failedCount(a.user)).toBe(1);
    // A's own credential answering with another user handle than it was made for.
    const ownHandle = a.auth.userHandle;
    a.auth.userHandle = b.auth.userHandle;
    expect((await passkeyStep(await atCodeScreen(ctx, a.user), a.auth)).statusCode).toBe(401);
    a.auth.userHandle = ownHandle;
    expect(await failedCount(a.user)).toBe(2);
    // A cannot remove B's passkey, even with A's own password.
    const bKey = await rowOfUser(ctx, 'passkeys', b.user.userId);
    const remove = await a.agent.post('/account/passkeys/remove', {
      passkey: String(bKey.id),
      password: DEFAULT_PASSWORD,
    });
    expect(remove.statusCode).toBe(400);
    expect(errorIds(remove.body)).toContain('error.passkey.notFound');
    // B's credential ID registered again (by A): refused.
    const dup = await register(a.agent, b.auth, '他人の鍵');
    expect(dup.statusCode).toBe(400);
    expect(errorIds(dup.body)).toContain('error.passkey.duplicate');
    // A challenge of A's session does not serve B's registration.
    const options = await registrationOptions(a.agent);
    const stolen = await b.agent.post('/account/passkeys', {
      name: '横取り',
      response: JSON.stringify(device().register(options)),
    });
    expect(stolen.statusCode).toBe(400);
    expect(errorIds(stolen.body)).toContain('error.passkey.failed');
  });

  it.skipIf(skip)('removes a passkey only with the password: audited and mailed', async () => {
    const { user, agent } = await userWithPasskey();
    const key = await rowOfUser(ctx, 'passkeys', user.userId);
    const wrong = await agent.post('/account/passkeys/remove', {
      passkey: String(key.id),
      password: 'not it at all 1',
    });
    expect(wrong.statusCode).toBe(400);
    expect(errorIds(wrong.body)).toContain('error.password.currentWrong');
    const empty = await agent.post('/account/passkeys/remove', { passkey: String(key.id), password: '' });
    expect(errorIds(empty.body)).toContain('error.password.required');
    expect(
      await ctx.store.db.selectFrom('passkeys').select('id').where('id', '=', key.id).execute(),
    ).toHaveLength(1);
    const res = await agent.post('/account/passkeys/remove', {
      passkey: String(key.id),
      password: DEFAULT_PASSWORD,
    });
    expect(res.location).toBe('/account?done=passkeyRemoved');
    expect(await ctx.store.db.selectFrom('passkeys').select('id').where('id', '=', key.id).execute()).toEqual(
      [],
    );
    const page = await agent.get('/account?done=passkeyRemoved');
    expect(messageIds(page.body)).toContain('info.passkey.removed');
    expect(page.body).toContain('登録済みのパスキーはありません');
    const audits = await auditFor(ctx, 'passkeyRemove', user.userId);
    expect(
      audits.map((a) => [a.outcome, JSON.parse(a.detail).reason ?? JSON.parse(a.detail).passkey]),
    ).toEqual([
      ['failure', 'currentPasswordWrong'],
      ['success', 'ノートPC'],
    ]);
    const mails = (await outboxTo('passkeyRemoved')).filter((m) => m.body.includes(user.userId));
    expect(mails.map((m) => m.recipient)).toContain(user.email);
    // Without a factor the login has no second step again.
    const login = new Agent(ctx.app);
    await login.get('/login');
    expect((await login.post('/login', { userId: user.userId, password: DEFAULT_PASSWORD })).location).toBe(
      '/',
    );
  });

  it.skipIf(skip)(
    "a passkey meets the operator's policy; a user sent to enrolment may register one",
    async () => {
      const { operator, admin } = await createOperatorWithAdmins(ctx);
      const user = await createUser(ctx, { operatorCode: operator.operatorCode });
      const withKey = await createUser(ctx, { operatorCode: operator.operatorCode });
      const keyAgent = await loginAs(ctx, withKey);
      const auth = device();
      expect((await register(keyAgent, auth)).statusCode).toBe(303);
      const adminAgent = await loginAs(ctx, admin);
      await adminAgent.post('/account/policy', { required: '1', confirmed: '1' });

      // The user with a passkey is not sent to enrolment.
      expect((await keyAgent.get('/users')).statusCode).toBe(200);
      // The user without a factor is, and may register a passkey there instead of an app.
      const agent = await loginAs(ctx, user);
      expect((await agent.get('/users')).location).toBe('/account/second-factor');
      const enrolment = await agent.get('/account/second-factor');
      expect(enrolment.body).toContain('data-passkey-register="/account/passkeys/options"');
      const failed = await agent.post('/account/passkeys', { name: '', response: '{}' });
      expect(failed.statusCode).toBe(400);
      expect(failed.body).toContain('二要素認証の設定');
      expect(errorIds(failed.body)).toContain('error.passkey.nameRequired');
      expect((await register(agent, device())).location).toBe('/account?done=passkeyAdded');
      expect((await agent.get('/users')).statusCode).toBe(200);
    },
  );

  it.skipIf(skip)('reads every field totally: junk answers are refusals, never a 500', async () => {
    const { user, agent } = await userWithPasskey();
    for (const response of [
      '',
      'null',
      '[]',
      '{"id":1}',
      '{"response":{"clientDataJSON":"@@"}}',
      '{'.repeat(200),
    ]) {
      const res = await agent.post('/account/passkeys', { name: '名前', response });
      expect(res.statusCode, response).toBe(400);
    }
    for (const response of ['null', '{"id":"x","response":{}}', '{"response":{"clientDataJSON":"e30"}}']) {
      const login = await atCodeScreen(ctx, user);
      await loginOptions(login);
      const res = await login.post('/login/passkey', { response });
      expect(res.statusCode, response).toBe(401);
      expect(errorIds(res.body), response).toContain('error.login.passkeyFailed');
    }
    // Without a waiting login: back to the login page.
    const stranger = new Agent(ctx.app);
    expect((await stranger.post('/login/passkey/options')).statusCode).toBe(401);
    expect((await stranger.post('/login/passkey', { response: '{}' })).statusCode).toBe(401);
  });
});
