import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { createOperatorWithAdmins, createUser, DEFAULT_PASSWORD } from '../helpers/factories.js';
import { plantSession } from '../helpers/sessions.js';
import { axeViolations } from './axe-run.js';
import { chromiumMissing, snapshot, submitLogin, useHarness } from './harness.js';

/**
 * SPEC D-22 (issue: passkeys) in Chromium with the DevTools protocol's virtual
 * authenticator (CTAP2, internal, resident keys, user verification): a passkey is
 * registered from the account page, used at the login's code step, a replayed answer and
 * one from another origin are refused, and the passkey is removed with the password. axe
 * checks the new screens.
 *
 * WebAuthn refuses an IP address as the relying party, so the pages are opened as
 * `localhost` (the server listens on 127.0.0.1; without PUBLIC_URL the RP ID is the host
 * of the request).
 */

/** A virtual platform authenticator (Touch ID, Windows Hello) that always verifies the user. */
async function addVirtualAuthenticator(page: Page): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return { cdp, authenticatorId };
}

describe.skipIf(chromiumMissing)('passkeys in Chromium (virtual authenticator)', () => {
  const h = useHarness();

  const local = () => h.baseUrl.replace('127.0.0.1', 'localhost');

  /** A browser signed in as the user on localhost (a planted session). */
  async function signInOnLocalhost(userId: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await h.newContext();
    const cookie = await plantSession(h, { userId });
    await context.addCookies([{ ...cookie, url: local(), httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    await page.goto(`${local()}/account`);
    return { context, page };
  }

  /** The password step in this browser: the code screen. */
  async function passwordStep(page: Page, userId: string): Promise<void> {
    await page.goto(`${local()}/login`);
    await submitLogin(page, userId, DEFAULT_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/login/code');
  }

  it('registers a passkey, logs in with it, refuses a replay and a wrong origin, removes it', async () => {
    const { operator } = await createOperatorWithAdmins(h);
    const user = await createUser(h, { operatorCode: operator.operatorCode });
    const { page } = await signInOnLocalhost(user.userId);
    const { cdp, authenticatorId } = await addVirtualAuthenticator(page);

    // The account page: the section, its note, the button the script shows.
    const section = page.locator('section[aria-labelledby="account-passkeys"]');
    expect(await section.getByText('JavaScriptが有効なブラウザが必要です').count()).toBe(1);
    const register = page.getByRole('button', { name: 'パスキーを登録' });
    await register.waitFor({ state: 'visible' });
    expect(await axeViolations(page)).toEqual([]);

    // Without a name the script says so and asks the authenticator nothing.
    await register.click();
    await expect
      .poll(() => page.locator('[data-passkey-status]').first().textContent())
      .toContain('パスキーの名前を入力してください');

    await page.getByLabel('パスキーの名前', { exact: true }).fill('試験用の端末');
    await Promise.all([page.waitForURL((url) => url.search === '?done=passkeyAdded'), register.click()]);
    expect(await page.locator('[data-message-id="info.passkey.added"]').count()).toBe(1);
    expect(await page.locator('tr[data-passkey-row="試験用の端末"]').count()).toBe(1);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await snapshot(page, 'passkeys-account');
    // On a phone too: axe, and nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await axeViolations(page)).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await snapshot(page, 'passkeys-account-390');
    await page.setViewportSize({ width: 1280, height: 720 });

    // Log out, then the password and the passkey.
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/login'),
      page.getByRole('button', { name: 'ログアウト' }).click(),
    ]);
    await passwordStep(page, user.userId);
    const passkeyButton = page.getByRole('button', { name: 'パスキーでログイン' });
    await passkeyButton.waitFor({ state: 'visible' });
    expect(await page.getByText('パスキーでのログインにはJavaScriptが有効なブラウザが必要です').count()).toBe(
      1,
    );
    expect(await axeViolations(page)).toEqual([]);
    await snapshot(page, 'passkeys-login-code');
    let captured = '';
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname === '/login/passkey')
        captured = request.postData() ?? '';
    });
    await Promise.all([page.waitForURL((url) => url.pathname === '/'), passkeyButton.click()]);
    expect(captured).toContain('response=');
    const row = await h.store.db
      .selectFrom('passkeys')
      .selectAll()
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).not.toBeNull();
    const signCount = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials[0]!
      .signCount;
    expect(Number(row.counter)).toBe(signCount);

    // A replayed answer: posted again in a new waiting login (its challenge is another).
    const answer = new URLSearchParams(captured).get('response')!;
    const postAnswer = async (response: string) => {
      const csrf = await page.locator('form[action="/login/passkey"] input[name="_csrf"]').inputValue();
      return page.request.post(`${local()}/login/passkey`, {
        form: { _csrf: csrf, response },
        headers: { origin: local() },
        maxRedirects: 0,
      });
    };
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
    await passwordStep(page, user.userId);
    const replay = await postAnswer(answer);
    expect(replay.status()).toBe(401);
    expect(await replay.text()).toContain('error.login.passkeyFailed');

    // An answer made for another origin (a phishing site relaying the challenge): the
    // browser's clientDataJSON names the origin, and the server refuses it.
    await passwordStep(page, user.userId);
    const parsed = JSON.parse(answer);
    const clientData = JSON.parse(Buffer.from(parsed.response.clientDataJSON, 'base64url').toString());
    clientData.origin = 'https://cmus-login.example';
    parsed.response.clientDataJSON = Buffer.from(JSON.stringify(clientData)).toString('base64url');
    const phished = await postAnswer(JSON.stringify(parsed));
    expect(phished.status()).toBe(401);
    const failures = await h.store.db
      .selectFrom('audit_records')
      .select('detail')
      .where('action', '=', 'login')
      .where('target_user_id', '=', user.userId)
      .where('outcome', '=', 'failure')
      .execute();
    expect(failures.map((f) => JSON.parse(f.detail).reason)).toEqual(['wrongPasskey', 'wrongPasskey']);

    // A real login again, then the removal: the password is asked first.
    await passwordStep(page, user.userId);
    await Promise.all([
      page.waitForURL((url) => url.pathname === '/'),
      page.getByRole('button', { name: 'パスキーでログイン' }).click(),
    ]);
    await page.goto(`${local()}/account`);
    await page.getByLabel('パスワード', { exact: true }).last().fill('not the password at all');
    await Promise.all([
      page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
      page.getByRole('button', { name: 'パスキーを削除' }).click(),
    ]);
    expect(await page.locator('[data-message-id="error.password.currentWrong"]').count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#removePasskeyPassword').fill(DEFAULT_PASSWORD);
    await Promise.all([
      page.waitForURL((url) => url.search === '?done=passkeyRemoved'),
      page.getByRole('button', { name: 'パスキーを削除' }).click(),
    ]);
    expect(await page.getByText('登録済みのパスキーはありません').count()).toBe(1);
    expect(
      await h.store.db.selectFrom('passkeys').select('id').where('user_id', '=', user.userId).execute(),
    ).toEqual([]);
    const mails = await h.store.db
      .selectFrom('mail_outbox')
      .select('event')
      .where('recipient', '=', user.email)
      .orderBy('id')
      .execute();
    expect(mails.map((m) => m.event)).toEqual([
      'passkeyAdded',
      'passkeyUsed',
      'passkeyUsed',
      'passkeyRemoved',
    ]);
  });

  it('without JavaScript the passkey button stays hidden and the page names the way without it', async () => {
    const { operator } = await createOperatorWithAdmins(h);
    const user = await createUser(h, { operatorCode: operator.operatorCode });
    const context = await h.newContext({ javaScriptEnabled: false });
    const cookie = await plantSession(h, { userId: user.userId });
    await context.addCookies([{ ...cookie, url: local(), httpOnly: true, sameSite: 'Lax' }]);
    const page = await context.newPage();
    await page.goto(`${local()}/account`);
    expect(await page.getByRole('button', { name: 'パスキーを登録' }).count()).toBe(0);
    expect(await page.getByText('JavaScriptを使えない環境では、認証アプリを使用してください').count()).toBe(
      1,
    );
  });
});
