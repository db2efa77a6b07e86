import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/lib/clock.js';
import { createOperatorWithAdmins, DEFAULT_PASSWORD } from '../helpers/context.js';
import { chromiumMissing, type Harness, logIn, NEW_PASSWORD, snapshot, startHarness } from './harness.js';

/**
 * Help with passwords (issue 9, item 5), added by public/app.js: a 表示 toggle on every
 * password field, and a strength hint under a new password from zxcvbn-ts, whose bundle a
 * page fetches only when it has a new password field.
 */

const BUNDLE = /\/assets\/build\/password-strength\.js\?v=[0-9a-f]{10}$/;

/** The URLs the page requested, from now on. */
function requests(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (r) => seen.push(r.url()));
  return seen;
}

describe.skipIf(chromiumMissing)('password toggle and strength hint (Chromium)', () => {
  let h: Harness;
  let admin: Page;
  beforeAll(async () => {
    h = await startHarness();
    const made = await createOperatorWithAdmins({ store: h.store, clock: new FakeClock(new Date()) });
    admin = await (await h.newContext()).newPage();
    await logIn(admin, made.admin.userId, DEFAULT_PASSWORD);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('login: 表示 shows and hides the password (aria-pressed); no strength bundle is fetched', async () => {
    const page = await (await h.newContext()).newPage();
    const seen = requests(page);
    await page.goto('/login');
    const field = page.locator('#password');
    const toggle = page.getByRole('button', { name: 'パスワードを表示' });
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect(await toggle.getAttribute('aria-controls')).toBe('password');
    expect(await toggle.textContent()).toBe('表示');
    await field.fill('secret words');
    await toggle.click();
    expect(await field.getAttribute('type')).toBe('text');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    // Space on the focused toggle hides it again.
    await toggle.focus();
    await page.keyboard.press('Space');
    expect(await field.getAttribute('type')).toBe('password');
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    // The field keeps its own name: the toggle is not a second match for its label.
    expect(await page.getByLabel('パスワード', { exact: true }).getAttribute('id')).toBe('password');
    expect(await page.locator('.strength').count()).toBe(0);
    await page.waitForTimeout(300);
    expect(seen.filter((u) => BUNDLE.test(u))).toEqual([]);
  });

  it('a shown password goes back to dots before the form is sent', async () => {
    const page = await (await h.newContext()).newPage();
    await page.goto('/login');
    await page.locator('#password').fill('secret words');
    await page.getByRole('button', { name: 'パスワードを表示' }).click();
    const typeAtSubmit = await page.evaluate(() => {
      const form = document.querySelector('form.login-form') as HTMLFormElement;
      form.addEventListener('submit', (e) => e.preventDefault());
      form.requestSubmit();
      return (document.querySelector('#password') as HTMLInputElement).type;
    });
    expect(typeAtSubmit).toBe('password');
  });

  it('password change: the hint under the new password only, read politely, weak then strong', async () => {
    const seen = requests(admin);
    await admin.goto('/password');
    expect(await admin.getByRole('button', { name: 'パスワードを表示' }).count()).toBe(3);
    const hints = admin.locator('.strength');
    expect(await hints.count()).toBe(1);
    const text = admin.locator('#newPassword-strength');
    expect(await text.getAttribute('aria-live')).toBe('polite');
    expect(await admin.locator('#newPassword').getAttribute('aria-describedby')).toContain(
      'newPassword-strength',
    );
    // Not fetched before the field is used.
    expect(seen.filter((u) => BUNDLE.test(u))).toEqual([]);

    await admin.locator('#newPassword').fill('password');
    await admin.waitForFunction(
      () => document.querySelector('.strength')?.getAttribute('data-score') === '0',
    );
    expect(await text.textContent()).toBe('強さの目安: とても弱い（一般的に使用されるパスワードです）');
    // Romanised Japanese is known to the dictionaries.
    await admin.locator('#newPassword').fill('sakura');
    await admin.waitForFunction(() =>
      /^強さの目安: (とても弱い|弱い)/.test(document.querySelector('.strength-text')?.textContent ?? ''),
    );
    await admin.locator('#newPassword').fill(NEW_PASSWORD);
    await admin.waitForFunction(
      () => document.querySelector('.strength')?.getAttribute('data-score') === '4',
    );
    expect(await text.textContent()).toBe('強さの目安: とても強い');
    await snapshot(admin, 'password-strength-strong');
    // Emptied: nothing said, no meter.
    await admin.locator('#newPassword').fill('');
    await admin.waitForFunction(() => document.querySelector('.strength')?.getAttribute('data-score') === '');
    expect(await text.textContent()).toBe('');

    const fetched = seen.filter((u) => BUNDLE.test(u));
    expect(fetched).toHaveLength(1);
    const res = await admin.request.get(fetched[0]!);
    expect(res.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  });
});
