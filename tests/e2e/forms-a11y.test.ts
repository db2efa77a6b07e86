import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { generateTemporaryPassword } from '../../src/lib/passwords.js';
import { createAdmin } from '../helpers/factories.js';
import { contrast, type Rgba } from './contrast.js';
import { chromiumMissing, NEW_PASSWORD, snapshot, useHarness } from './harness.js';

/**
 * The forms with the keyboard alone (WCAG 2.2 AA: 2.1.1, 2.4.1, 2.4.3, 2.4.7, 2.5.8, 3.3.1),
 * in Chromium: the skip link, the login and the register form done with Tab, Shift+Tab,
 * Enter and Space (and typing), a focus ring that shows, targets of at least 24 × 24 px.
 */

/** What has the focus: tag, id, class and text, enough to tell the page's elements apart. */
/**
 * The summary takes the focus through `autofocus`, which the browser applies once the
 * page is parsed: on a busy machine that can come just after the load event.
 */
async function summaryFocused(page: Page): Promise<{ tag: string; id: string; cls: string; text: string }> {
  await page.waitForFunction(() => document.activeElement?.id === 'error-summary', null, { timeout: 5_000 });
  return focused(page);
}

async function focused(page: Page): Promise<{ tag: string; id: string; cls: string; text: string }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      id: el?.id ?? '',
      cls: el?.className ?? '',
      text: (el?.textContent ?? '').trim(),
    };
  });
}

/** Presses Tab (or Shift+Tab) until the focus is on `selector`; fails after `max` presses. */
async function tabTo(page: Page, selector: string, options: { back?: boolean; max?: number } = {}) {
  const key = options.back ? 'Shift+Tab' : 'Tab';
  for (let i = 0; i < (options.max ?? 40); i++) {
    await page.keyboard.press(key);
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return i + 1;
  }
  throw new Error(`${key} never reached ${selector}; the focus is on ${JSON.stringify(await focused(page))}`);
}

/** Presses a key that loads another page, and waits for it. */
async function pressAndWait(page: Page, key: string): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press(key)]);
}

/** Types into the focused field, replacing what it held. */
async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}

/**
 * The focused element's outline, and the colour it is drawn on: the first opaque background
 * among its ancestors (the ring lies outside the element, by its offset).
 */
async function focusRing(page: Page): Promise<{ style: string; width: number; color: Rgba; behind: Rgba }> {
  const raw = await page.evaluate(() => {
    const parse = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const el = document.activeElement as HTMLElement;
    const cs = getComputedStyle(el);
    let behind = [255, 255, 255, 1];
    for (let p = el.parentElement; p; p = p.parentElement) {
      const bg = parse(getComputedStyle(p).backgroundColor);
      if (bg.length >= 3 && (bg[3] ?? 1) > 0) {
        behind = [bg[0]!, bg[1]!, bg[2]!, bg[3] ?? 1];
        break;
      }
    }
    const color = parse(cs.outlineColor);
    return {
      style: cs.outlineStyle,
      width: Number.parseFloat(cs.outlineWidth),
      color: [color[0], color[1], color[2], color[3] ?? 1],
      behind,
    };
  });
  return raw as { style: string; width: number; color: Rgba; behind: Rgba };
}

async function expectVisibleFocusRing(page: Page, what: string): Promise<void> {
  const ring = await focusRing(page);
  expect(ring.style, what).not.toBe('none');
  expect(ring.width, what).toBeGreaterThanOrEqual(2);
  expect(ring.color[3], what).toBe(1);
  expect(contrast(ring.color, ring.behind), what).toBeGreaterThanOrEqual(3);
}

/** WCAG 2.5.8: every link and button shown is at least 24 × 24 px (the skip link off screen too). */
async function expectTargetsAtLeast24(page: Page, where: string): Promise<number> {
  const targets = page.locator('a[href], button, summary, input[type="submit"], input[type="button"]');
  let checked = 0;
  for (let i = 0; i < (await targets.count()); i++) {
    const target = targets.nth(i);
    // Not rendered: the closed menu's links (the skip link, off screen, is rendered).
    if (!(await target.isVisible())) continue;
    const box = (await target.boundingBox())!;
    const name = `${where}: ${(await target.evaluate((el) => el.outerHTML)).slice(0, 120)}`;
    expect(box.width, name).toBeGreaterThanOrEqual(24);
    expect(box.height, name).toBeGreaterThanOrEqual(24);
    checked++;
  }
  return checked;
}

describe.skipIf(chromiumMissing)('forms with the keyboard alone (Chromium)', () => {
  const h = useHarness();
  /** An admin of a new operator, signed in. */
  async function signedInAdmin(): Promise<Page> {
    return h.signIn(await createAdmin(h));
  }

  it('login page: Tab reaches the skip link first, Enter moves the focus to main', async () => {
    // The subject is the login form, so this admin logs in through it (a first login).
    const temporaryPassword = generateTemporaryPassword();
    const user = await createAdmin(h, { password: temporaryPassword, temporary: true });
    const page = await h.newPage();
    await page.goto('/login');
    expect((await focused(page)).tag).toBe('body');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ tag: 'a', cls: 'skip-link', text: '本文へスキップ' });
    // Shown while it has the focus, within the screen.
    const box = await page.locator('.skip-link').boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    await expectVisibleFocusRing(page, 'the skip link');
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ tag: 'main', id: 'main' });
    // The next Tab goes on from main, not back to the header.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.querySelector('main')!.contains(document.activeElement))).toBe(
      true,
    );

    // The login itself, by keyboard: a wrong password first, and the summary has the focus.
    await tabTo(page, '#userId');
    await page.keyboard.type(user.userId);
    await page.keyboard.press('Tab');
    expect((await focused(page)).id).toBe('password');
    await page.keyboard.type('not the password 1');
    await pressAndWait(page, 'Enter');
    expect(await summaryFocused(page)).toMatchObject({ tag: 'div', id: 'error-summary' });
    expect((await focused(page)).text).toContain('ユーザIDまたはパスワードが正しくありません');
    await tabTo(page, '#password');
    await page.keyboard.type(temporaryPassword);
    await pressAndWait(page, 'Enter');
    expect(new URL(page.url()).pathname).toBe('/password');

    // The forced password change, by keyboard: every problem at once, then a good one.
    // Tab on to each field: a password field may be followed by its 表示 toggle.
    await tabTo(page, '#currentPassword');
    await page.keyboard.type(temporaryPassword);
    await tabTo(page, '#newPassword');
    await page.keyboard.type(user.userId.toLowerCase());
    await tabTo(page, '#confirmPassword');
    await page.keyboard.type(user.userId.toLowerCase());
    await pressAndWait(page, 'Enter');
    expect((await summaryFocused(page)).id).toBe('error-summary');
    const problems = await page.locator('#newPassword-error li').allTextContents();
    expect(problems).toEqual([
      'パスワードは12文字以上で入力してください。',
      'パスワードにユーザIDを含めることはできません。',
    ]);
    // The summary's link leads to the field.
    await tabTo(page, '#error-summary a[href="#newPassword"]');
    await page.keyboard.press('Enter');
    expect((await focused(page)).id).toBe('newPassword');
    expect(await page.locator('#newPassword').getAttribute('aria-invalid')).toBe('true');
    await tabTo(page, '#currentPassword', { back: true });
    await page.keyboard.type(temporaryPassword);
    await tabTo(page, '#newPassword');
    await page.keyboard.type(NEW_PASSWORD);
    await tabTo(page, '#confirmPassword');
    await page.keyboard.type(NEW_PASSWORD);
    await tabTo(page, 'main button[type="submit"]');
    await pressAndWait(page, 'Space');
    expect(new URL(page.url()).pathname).toBe('/');
  });

  it('register form: Tab, Shift+Tab, Enter and Space alone, to the confirmation page', async () => {
    const admin = await signedInAdmin();
    await admin.goto('/users/new');
    await admin.keyboard.press('Tab');
    expect((await focused(admin)).cls).toBe('skip-link');
    await admin.keyboard.press('Enter');
    expect((await focused(admin)).id).toBe('main');
    await tabTo(admin, '#department');
    await admin.keyboard.type('需給調整部');
    await admin.keyboard.press('Tab');
    expect((await focused(admin)).id).toBe('userName');
    await admin.keyboard.type('鍵盤 四郎');
    await admin.keyboard.press('Tab');
    expect((await focused(admin)).id).toBe('phone1');
    await admin.keyboard.type('03');
    await admin.keyboard.press('Tab');
    await admin.keyboard.type('1111');
    await admin.keyboard.press('Tab');
    await admin.keyboard.type('2222');
    await admin.keyboard.press('Tab');
    expect((await focused(admin)).id).toBe('email');
    await admin.keyboard.type('shiro at example');
    // Back one field and forth again.
    await admin.keyboard.press('Shift+Tab');
    expect(await admin.evaluate(() => (document.activeElement as HTMLInputElement).name)).toBe('phone3');
    await admin.keyboard.press('Tab');
    expect((await focused(admin)).id).toBe('email');
    await tabTo(admin, 'main button[type="submit"]');
    await pressAndWait(admin, 'Enter');

    // The errors: the summary has the focus (autofocus, no script), its link leads to the field.
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録画面');
    expect(await summaryFocused(admin)).toMatchObject({ tag: 'div', id: 'error-summary' });
    expect(await admin.locator('#email').getAttribute('aria-invalid')).toBe('true');
    expect(await admin.locator('#email').getAttribute('aria-describedby')).toBe('email-error email-hint');
    // 電話番号 is a group named by its legend.
    expect(await admin.getByRole('group', { name: '電話番号' }).count()).toBe(1);
    await admin.setViewportSize({ width: 1280, height: 900 });
    await snapshot(admin, 'forms-a11y-register-errors-1280');
    await admin.setViewportSize({ width: 390, height: 844 });
    await snapshot(admin, 'forms-a11y-register-errors-390');
    await admin.setViewportSize({ width: 1280, height: 720 });
    await admin.keyboard.press('Tab');
    expect(await focused(admin)).toMatchObject({
      tag: 'a',
      text: '正しいメールアドレスを入力してください。',
    });
    await admin.keyboard.press('Enter');
    expect((await focused(admin)).id).toBe('email');
    await retype(admin, 'shiro@operator0001.example');
    await tabTo(admin, 'main button[type="submit"]');
    await pressAndWait(admin, 'Space');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録確認画面');
    expect(await admin.locator('table.detail').textContent()).toContain('shiro@operator0001.example');
  });

  it('the focus ring shows: at least 2 px, 3:1 against what lies behind it', async () => {
    const admin = await signedInAdmin();
    await admin.goto('/users/new');
    await tabTo(admin, 'main button[type="submit"]');
    await expectVisibleFocusRing(admin, 'the 確認 button');
    await tabTo(admin, 'main a.button', { back: true });
    await expectVisibleFocusRing(admin, 'the 戻る link');
    await tabTo(admin, '#department', { back: true });
    await expectVisibleFocusRing(admin, 'a text field');
    await tabTo(admin, '.breadcrumbs a', { back: true });
    await expectVisibleFocusRing(admin, 'a breadcrumb');
    // On the navy header the ring changes colour.
    await tabTo(admin, '.site-header button', { back: true });
    await expectVisibleFocusRing(admin, 'ログアウト');
  });

  it('every link and button on TOP and the register page is at least 24 × 24 px', async () => {
    const admin = await signedInAdmin();
    await admin.goto('/');
    expect(await expectTargetsAtLeast24(admin, 'TOP')).toBeGreaterThanOrEqual(4);
    await admin.locator('nav.menu summary').focus();
    await admin.keyboard.press('Enter');
    expect(await expectTargetsAtLeast24(admin, 'TOP, menu open')).toBeGreaterThanOrEqual(7);
    await admin.goto('/users/new');
    expect(await expectTargetsAtLeast24(admin, 'register')).toBeGreaterThanOrEqual(8);
    await admin.locator('#department').fill('');
    await admin.locator('main button[type="submit"]').click();
    await admin.waitForLoadState('load');
    expect(await admin.locator('#error-summary a').count()).toBeGreaterThan(0);
    expect(await expectTargetsAtLeast24(admin, 'register, errors')).toBeGreaterThanOrEqual(9);
    await admin.setViewportSize({ width: 390, height: 844 });
    await expectTargetsAtLeast24(admin, 'register, errors, 390 px');
    await admin.setViewportSize({ width: 1280, height: 720 });
  });
});
