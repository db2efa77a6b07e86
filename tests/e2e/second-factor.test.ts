import fs from 'node:fs';
import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/features/users/model.js';
import { createOperatorWithAdmins, createUser, DEFAULT_PASSWORD } from '../helpers/context.js';
import { axeViolations } from './axe-run.js';
import { chromiumMissing, type Harness, snapshot, startHarness } from './harness.js';

/**
 * SPEC D-22 in a browser: enrolment from アカウント設定 by reading the secret off the page,
 * a login with a code the test computes as an authenticator app would, a login with a
 * recovery code, and the download of the codes; with JavaScript and without. axe-core
 * (WCAG 2.0/2.1/2.2 A and AA) runs on every new screen.
 */

/** A code of the app's secret for an instant (SHA-1, 30 s, 6 digits). */
function codeAt(secret: string, at: number): string {
  return OTPAuth.TOTP.generate({ secret: OTPAuth.Secret.fromBase32(secret), timestamp: at });
}

describe.skipIf(chromiumMissing)('second factor and アカウント設定 (Chromium)', () => {
  let h: Harness;
  const factory = () => ({ store: h.store, clock: { now: () => new Date() } });

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function newUser(): Promise<User> {
    const { operator } = await createOperatorWithAdmins(factory());
    return createUser(factory(), { operatorCode: operator.operatorCode });
  }

  async function passwordStep(page: Page, user: User): Promise<void> {
    await page.goto('/login');
    await page.getByLabel('ユーザID').fill(user.userId);
    await page.getByLabel('パスワード', { exact: true }).fill(DEFAULT_PASSWORD);
    await page.getByRole('button', { name: 'ログイン' }).click();
    await page.waitForLoadState('domcontentloaded');
  }

  async function logOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.waitForURL((url) => url.pathname === '/login');
  }

  /** Enrols from the account page; returns the secret read off the page and the recovery codes. */
  async function enrol(page: Page, checkAxe: boolean): Promise<{ secret: string; codes: string[] }> {
    const checked: Record<string, { rule: string; targets: string[] }[]> = {};
    const check = async (name: string) => {
      if (checkAxe) checked[name] = await axeViolations(page);
    };
    await page.getByRole('link', { name: 'アカウント設定' }).first().click();
    await page.waitForURL((url) => url.pathname === '/account');
    await check('account');
    await page.getByRole('link', { name: '二要素認証を設定' }).click();
    await page.waitForURL((url) => url.pathname === '/account/second-factor');
    await check('enrol-start');
    await page.getByRole('button', { name: '設定を開始' }).click();
    await page.waitForURL((url) => url.pathname === '/account/second-factor');
    // The QR code is an SVG made on the server, shown as an image (no script needed).
    const qr = page.getByRole('img', { name: /認証アプリ用のQRコード/ });
    await expect
      .poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0))
      .toBe(true);
    const grouped = (await page.locator('[data-totp-secret]').textContent()) ?? '';
    const secret = grouped.replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await check('enrol-qr');
    await snapshot(page, 'second-factor-enrol');
    // A wrong code first: the error is next to the field.
    await page.getByLabel('確認コード').fill('000000');
    await page.getByRole('button', { name: '設定', exact: true }).click();
    await expect
      .poll(() => page.locator('.field-error').textContent())
      .toContain('確認コードが正しくありません');
    await check('enrol-wrong-code');
    await page.getByLabel('確認コード').fill(codeAt(secret, Date.now()));
    await page.getByRole('button', { name: '設定', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/account/second-factor/confirm');
    const codes = (await page.locator('[data-recovery-codes] code').allTextContents()).map((c) => c.trim());
    expect(codes).toHaveLength(10);
    await check('recovery-codes');
    await snapshot(page, 'second-factor-recovery-codes');
    // The download is the page's own text (a data: URL): the server kept only hashes.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'テキストファイルでダウンロード' }).click(),
    ]);
    const file = await download.path();
    const text = fs.readFileSync(file!, 'utf8');
    for (const c of codes) expect(text).toContain(c);
    for (const [name, violations] of Object.entries(checked))
      expect({ name, violations }).toEqual({ name, violations: [] });
    return { secret, codes };
  }

  for (const javaScriptEnabled of [true, false]) {
    const how = javaScriptEnabled ? 'with JavaScript' : 'without JavaScript';

    it(`enrols, logs in with a code and with a recovery code (${how})`, async () => {
      const user = await newUser();
      const page = await (await h.newContext({ javaScriptEnabled })).newPage();
      await passwordStep(page, user);
      expect(new URL(page.url()).pathname).toBe('/');
      expect(await page.locator('[data-previous-login]').textContent()).toContain('前回ログイン: なし');
      // axe needs script in the page: it runs in the context with JavaScript only.
      const { secret, codes } = await enrol(page, javaScriptEnabled);
      await page.getByRole('link', { name: '保存しました（次へ）' }).click();
      await page.waitForURL((url) => url.pathname === '/account');
      expect(await page.locator('#main').textContent()).toContain('設定済み');
      // Removal needs the password and a code: a wrong password is named next to its field.
      await page.locator('#removePassword').fill('not the password at all');
      await page.locator('#removeCode').fill('000000');
      await page.getByRole('button', { name: '二要素認証を解除' }).click();
      await expect
        .poll(() => page.locator('#removePassword-error').textContent())
        .toContain('現在のパスワードが正しくありません');
      if (javaScriptEnabled) expect(await axeViolations(page)).toEqual([]);
      await logOut(page);

      // The password, then the code screen; the next step's code (the enrolment used this one).
      await passwordStep(page, user);
      expect(new URL(page.url()).pathname).toBe('/login/code');
      if (javaScriptEnabled) expect(await axeViolations(page)).toEqual([]);
      await snapshot(page, 'second-factor-code');
      await page.getByLabel('確認コード').fill('123 456');
      await page.getByRole('button', { name: '確認' }).click();
      await expect
        .poll(() => page.locator('.messages-error').textContent())
        .toContain('ユーザID、パスワードまたは確認コードが正しくありません');
      // A failed code ends the waiting login (D-22): the password again, then the code.
      expect(await page.getByLabel('ユーザID').count()).toBe(1);
      if (javaScriptEnabled) expect(await axeViolations(page)).toEqual([]);
      await passwordStep(page, user);
      await page.getByLabel('確認コード').fill(codeAt(secret, Date.now() + 30_000));
      await page.getByRole('button', { name: '確認' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      expect(await page.locator('[data-previous-login]').textContent()).toMatch(
        /前回ログイン: \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}（接続元: 127\.0\.0\.1）/,
      );
      await logOut(page);

      // A recovery code instead of the app's code, used up.
      await passwordStep(page, user);
      await page.getByLabel('確認コード').fill(codes[0]!);
      await page.getByRole('button', { name: '確認' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await page.goto('/account');
      expect(await page.locator('#main').textContent()).toContain('9個');
      await logOut(page);
      await passwordStep(page, user);
      await page.getByLabel('確認コード').fill(codes[0]!);
      await page.getByRole('button', { name: '確認' }).click();
      await expect
        .poll(() => page.locator('.messages-error').textContent())
        .toContain('確認コードが正しくありません');
    });
  }

  it('sessions on the account page: ends one, then all others after the password', async () => {
    const user = await newUser();
    const pages: Page[] = [];
    for (let i = 0; i < 3; i++) {
      const page = await (await h.newContext()).newPage();
      await passwordStep(page, user);
      pages.push(page);
    }
    const [here, second, third] = pages as [Page, Page, Page];
    await here.goto('/account');
    expect(await here.locator('[data-session-row]').count()).toBe(3);
    expect(await axeViolations(here)).toEqual([]);
    await snapshot(here, 'account-sessions');
    await here.locator('[data-session-row="other"]').first().getByRole('button', { name: /終了/ }).click();
    await here.waitForURL((url) => url.search.includes('done=sessionEnded'));
    expect(await here.locator('[data-session-row]').count()).toBe(2);
    await here.getByRole('textbox', { name: 'パスワード' }).fill(DEFAULT_PASSWORD);
    await here.getByRole('button', { name: 'ほかのセッションをすべて終了' }).click();
    await here.waitForURL((url) => url.search.includes('done=othersEnded'));
    expect(await here.locator('[data-session-row]').count()).toBe(1);
    for (const page of [second, third]) {
      await page.goto('/users');
      expect(new URL(page.url()).pathname).toBe('/login');
    }
  });

  it('an admin requires a second factor; a user without one is sent to enrolment (axe on the policy screens)', async () => {
    const { operator, admin } = await createOperatorWithAdmins(factory());
    const general = await createUser(factory(), { operatorCode: operator.operatorCode });
    const page = await (await h.newContext({ javaScriptEnabled: false })).newPage();
    await passwordStep(page, admin);
    await page.goto('/account/policy');
    await page.getByRole('button', { name: '必須にする' }).click();
    // Without JavaScript, the confirmation is a page with キャンセル and OK (D-15).
    await page.getByRole('button', { name: 'OK' }).click();
    await page.waitForURL((url) => url.search.includes('done=changed'));
    expect(await page.locator('.messages-info').textContent()).toContain('必須');

    const withScript = await (await h.newContext()).newPage();
    await passwordStep(withScript, general);
    expect(new URL(withScript.url()).pathname).toBe('/account/second-factor');
    expect(await withScript.locator('.messages-info').textContent()).toContain(
      '二要素認証（認証アプリ）の設定が必要です',
    );
    expect(await axeViolations(withScript)).toEqual([]);
    await withScript.goto('/users');
    expect(new URL(withScript.url()).pathname).toBe('/account/second-factor');

    const adminScript = await (await h.newContext()).newPage();
    await passwordStep(adminScript, admin);
    await adminScript.goto('/account/policy');
    expect(await axeViolations(adminScript)).toEqual([]);
    // The confirmation page a browser without JavaScript gets (D-15), checked by axe here.
    await adminScript.locator('form[data-confirm]').evaluate((form) => form.removeAttribute('data-confirm'));
    await adminScript.getByRole('button', { name: /必須を解除する/ }).click();
    await adminScript.waitForURL((url) => url.pathname === '/account/policy');
    expect(await adminScript.locator('.messages-info').textContent()).toContain('「任意」に変更します');
    expect(await axeViolations(adminScript)).toEqual([]);
    await adminScript.getByRole('link', { name: 'キャンセル' }).click();
    await adminScript.waitForURL((url) => url.pathname === '/account/policy');
    adminScript.once('dialog', (dialog) => dialog.dismiss());
    await adminScript.getByRole('button', { name: /必須を解除する/ }).click();
    // Dismissed: nothing sent, the setting stays.
    expect(new URL(adminScript.url()).search).toBe('');
    await snapshot(adminScript, 'second-factor-policy');
  });

  /** A screenshot at 1280 px and at 390 px (a phone), the page left at 1280 px. */
  async function snapshotWidths(page: Page, name: string): Promise<void> {
    await snapshot(page, `${name}-1280`);
    await page.setViewportSize({ width: 390, height: 844 });
    await snapshot(page, `${name}-390`);
    await page.setViewportSize({ width: 1280, height: 720 });
  }

  it('an admin resets a lost second factor from the detail page; the user then logs in without a code (axe)', async () => {
    const { operator, admin } = await createOperatorWithAdmins(factory());
    const user = await createUser(factory(), { operatorCode: operator.operatorCode });
    const userPage = await (await h.newContext()).newPage();
    await passwordStep(userPage, user);
    await enrol(userPage, false);
    await snapshotWidths(userPage, 'second-factor-recovery-codes');
    await userPage.getByRole('link', { name: '保存しました（次へ）' }).click();
    await userPage.waitForURL((url) => url.pathname === '/account');
    await snapshotWidths(userPage, 'second-factor-account-enrolled');

    const checked: Record<string, { rule: string; targets: string[] }[]> = {};
    const page = await (await h.newContext()).newPage();
    await passwordStep(page, admin);
    const detail = `/users/${user.userId}`;
    await page.goto(detail);
    const rows = async () => {
      const labels = await page.locator('table.detail th').allTextContents();
      const values = await page.locator('table.detail td').allTextContents();
      return Object.fromEntries(labels.map((l, i) => [l.trim(), (values[i] ?? '').trim()]));
    };
    expect((await rows()).二要素認証).toBe('設定済み');
    const reset = page.getByRole('button', { name: '二要素認証リセット' });
    expect(await reset.count()).toBe(1);
    checked.detail = await axeViolations(page);
    await snapshotWidths(page, 'second-factor-reset-detail');

    // The confirmation page a browser without JavaScript gets (D-15), then キャンセル.
    await page
      .locator('form[action$="/second-factor-reset"]')
      .evaluate((f) => f.removeAttribute('data-confirm'));
    await reset.click();
    await page.waitForURL((url) => url.pathname === `${detail}/second-factor-reset/confirm`);
    expect(await page.locator('h1').textContent()).toBe('二要素認証リセット確認画面');
    expect(await page.locator('.messages-info').textContent()).toContain(
      '二要素認証（認証アプリ、リカバリーコード、パスキー）をリセットします',
    );
    checked.confirm = await axeViolations(page);
    await snapshotWidths(page, 'second-factor-reset-confirm');
    await page.getByRole('link', { name: 'キャンセル' }).click();
    await page.waitForURL((url) => url.pathname === detail);

    // The browser's dialog: キャンセル sends nothing; OK resets, then the completion page (PRG).
    let question = '';
    page.once('dialog', (dialog) => {
      question = dialog.message();
      void dialog.dismiss();
    });
    await reset.click();
    await expect.poll(() => question).toContain('二要素認証');
    expect(new URL(page.url()).pathname).toBe(detail);
    page.once('dialog', (dialog) => void dialog.accept());
    await reset.click();
    await page.waitForURL((url) => url.pathname === `${detail}/second-factor-reset/done`);
    expect(await page.locator('h1').textContent()).toBe('二要素認証リセット完了画面');
    expect(await page.locator('.messages-info').textContent()).toContain(
      '二要素認証のリセットが完了しました',
    );
    expect((await rows()).二要素認証).toBe('未設定');
    checked.complete = await axeViolations(page);
    await snapshotWidths(page, 'second-factor-reset-complete');
    // A reload shows the page again and executes nothing.
    await page.reload();
    expect(await page.locator('h1').textContent()).toBe('二要素認証リセット完了画面');
    await page.goto(detail);
    expect(await page.getByRole('button', { name: '二要素認証リセット' }).count()).toBe(0);

    // The user's session ended; the password alone logs in now.
    await userPage.goto('/account');
    expect(new URL(userPage.url()).pathname).toBe('/login');
    await passwordStep(userPage, user);
    expect(new URL(userPage.url()).pathname).toBe('/');
    await userPage.goto('/account');
    expect(await userPage.locator('#main').textContent()).toContain('未設定');

    // The list shows who has a second factor.
    await page.goto('/users');
    checked.list = await axeViolations(page);
    await snapshotWidths(page, 'second-factor-list');
    for (const [name, violations] of Object.entries(checked))
      expect({ name, violations }).toEqual({ name, violations: [] });
  });

  it('the enrolment page at 390 px', async () => {
    const user = await newUser();
    const page = await (await h.newContext()).newPage();
    await passwordStep(page, user);
    await page.goto('/account/second-factor');
    await page.getByRole('button', { name: '設定を開始' }).click();
    await page.waitForURL((url) => url.pathname === '/account/second-factor');
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await axeViolations(page)).toEqual([]);
    await snapshot(page, 'second-factor-enrol-390');
    // Nothing wider than the screen: no sideways scrolling.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});
