import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/features/users/model.js';
import { FakeClock } from '../../src/lib/clock.js';
import { createOperatorWithAdmins, createUser, DEFAULT_PASSWORD } from '../helpers/context.js';
import { type AxeViolation, axeViolations } from './axe-run.js';
import { chromiumMissing, type Harness, logIn, NEW_PASSWORD, snapshot, startHarness } from './harness.js';
import { button, clickAndWait, link, openDetail, search } from './manual-helpers.js';

/**
 * axe-core on every screen state (issue 9: "0 violations on every screen and dialog"), as an
 * admin and as a general user, at 1280 px and 390 px, with the WCAG 2.0/2.1/2.2 A and AA
 * rules. Each state also leaves a screenshot in test-results/ (axe-<who>-<screen>-<width>).
 * JavaScript is on, so that what public/app.js adds (the password toggles and strength hint,
 * the list's select-all box) is checked too; axe cannot run in a page without it. The
 * confirmation pages that stand in for the browser's dialog (SPEC D-15) are reached by
 * taking the dialog's question off the form first, which is what a browser without
 * JavaScript sends.
 */

const WIDTHS = [1280, 390] as const;

/**
 * Violations known and left to the owner of the view that causes them, each by screen (a
 * RegExp on the state's name), rule and the element's selector. Empty the list as they are
 * fixed; the rule set itself is never narrowed.
 */
const KNOWN: { screen: RegExp; rule: string; target: RegExp; why: string }[] = [];

type Violation = AxeViolation;

/** Runs axe on the page as it is; returns the violations not in KNOWN. */
async function axe(page: Page, screen: string): Promise<Violation[]> {
  const violations = await axeViolations(page);
  return violations
    .map((v) => ({
      ...v,
      targets: v.targets.filter(
        (t) => !KNOWN.some((k) => k.rule === v.rule && k.screen.test(screen) && k.target.test(t)),
      ),
    }))
    .filter((v) => v.targets.length > 0);
}

interface Session {
  page: Page;
  /** Console errors seen (a CSP refusal shows there), emptied by each check. */
  consoleErrors: string[];
}

async function openSession(h: Harness, options: { javaScriptEnabled?: boolean } = {}): Promise<Session> {
  const context: BrowserContext = await h.newContext(options);
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    // A 4xx page is an error to the console ("Failed to load resource"); that is expected.
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  return { page, consoleErrors };
}

/** A summary line per violation, to read in the test's failure. */
function describeViolations(violations: Violation[]): string {
  return violations
    .map((v) => `${v.rule} (${v.impact}): ${v.help}\n    ${v.targets.join('\n    ')}`)
    .join('\n');
}

/** What the states showed wrong, by state; the last test of the file expects none. */
const problems: string[] = [];
let checked = 0;

/** Checks the state now shown: axe, no console error, no sideways scroll; and a screenshot. */
async function check(s: Session, who: string, screen: string, width: number): Promise<void> {
  const name = `${who}-${screen}-${width}`;
  await s.page.waitForLoadState('load');
  const violations = await axe(s.page, name);
  await snapshot(s.page, `axe-${name}`);
  checked += 1;
  if (violations.length > 0) problems.push(`${name}: axe\n  ${describeViolations(violations)}`);
  if (s.consoleErrors.length > 0) problems.push(`${name}: console errors\n  ${s.consoleErrors.join('\n  ')}`);
  s.consoleErrors.length = 0;
  // The page never gets wider than the screen: what is wide scrolls in its own box.
  const overflow = await s.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  if (overflow > 0) problems.push(`${name}: the page is ${overflow} px wider than the screen`);
}

/** The next submit goes to the server's confirmation page instead of the browser's dialog. */
async function withoutDialog(page: Page): Promise<void> {
  await page.evaluate(() => {
    for (const form of document.querySelectorAll<HTMLFormElement>(
      'form[data-confirm], form[data-confirm-count]',
    )) {
      delete form.dataset.confirm;
      delete form.dataset.confirmCount;
    }
  });
}

async function goto(page: Page, url: string, status?: number): Promise<void> {
  const res = await page.goto(url);
  if (status !== undefined) expect(res?.status(), url).toBe(status);
}

/** Types a new password and waits for the strength hint to answer (the bundle is lazy). */
async function typeNewPassword(page: Page, value: string): Promise<void> {
  await page.locator('#newPassword').fill(value);
  await page.waitForFunction(
    () => (document.querySelector('.strength-text')?.textContent ?? '') !== '',
    null,
    {
      timeout: 10_000,
    },
  );
}

describe.skipIf(chromiumMissing)('axe-core on every screen (Chromium, WCAG 2.2 AA, 1280 and 390 px)', () => {
  let h: Harness;
  let clock: FakeClock;

  beforeAll(async () => {
    h = await startHarness();
    clock = new FakeClock(new Date());
  });
  afterAll(async () => {
    await h?.close();
  });

  /** An operator of its own for one width: two admins and general users for each action. */
  async function fixture() {
    const ctx = { store: h.store, clock };
    const made = await createOperatorWithAdmins(ctx);
    const code = made.operator.operatorCode;
    const user = (values: Parameters<typeof createUser>[1]) => createUser(ctx, values);
    return {
      admin: made.admin,
      general: await user({ operatorCode: code, userName: '一般 一郎' }),
      locked: await user({ operatorCode: code, userName: '施錠 次郎', locked: true }),
      toDelete: await user({ operatorCode: code, userName: '削除 三郎' }),
      bulk1: await user({ operatorCode: code, userName: '一括 四郎', enabled: false }),
      bulk2: await user({ operatorCode: code, userName: '一括 五郎' }),
      newcomer: await user({ operatorCode: code, userName: '新人 六郎', temporary: true }),
    };
  }

  async function signedIn(u: User, options: { javaScriptEnabled?: boolean } = {}): Promise<Session> {
    const s = await openSession(h, options);
    await logIn(s.page, u.userId, DEFAULT_PASSWORD);
    expect(new URL(s.page.url()).pathname).toBe('/');
    return s;
  }

  for (const width of WIDTHS) {
    describe(`${width} px`, () => {
      let f: Awaited<ReturnType<typeof fixture>>;
      let admin: Session;
      let general: Session;
      const size = { width, height: 900 };

      beforeAll(async () => {
        f = await fixture();
        admin = await signedIn(f.admin);
        general = await signedIn(f.general);
        for (const s of [admin, general]) await s.page.setViewportSize(size);
      });

      it('login, its error, the first password change (with the strength hint) and its errors', async () => {
        const s = await openSession(h);
        await s.page.setViewportSize(size);
        await goto(s.page, '/login');
        await check(s, 'guest', 'login', width);
        await s.page.getByLabel('ユーザID').fill(f.newcomer.userId);
        await s.page.getByLabel('パスワード', { exact: true }).fill('not the password');
        await clickAndWait(s.page, s.page.getByRole('button', { name: 'ログイン' }));
        await check(s, 'guest', 'login-error', width);

        await s.page.getByLabel('ユーザID').fill(f.newcomer.userId);
        await s.page.getByLabel('パスワード', { exact: true }).fill(DEFAULT_PASSWORD);
        await clickAndWait(s.page, s.page.getByRole('button', { name: 'ログイン' }));
        expect(new URL(s.page.url()).pathname).toBe('/password');
        await check(s, 'newcomer', 'password-first', width);
        await s.page.getByLabel('現在のパスワード').fill(DEFAULT_PASSWORD);
        await typeNewPassword(s.page, 'password');
        await s.page.getByRole('button', { name: 'パスワードを表示' }).first().click();
        await check(s, 'newcomer', 'password-first-typed', width);
        await s.page.getByLabel('新しいパスワード（確認）').fill('something else');
        await clickAndWait(s.page, s.page.getByRole('button', { name: '変更' }));
        await check(s, 'newcomer', 'password-first-errors', width);
      });

      it('admin: TOP, 参加登録, password change, list (initial, results, empty), detail, audit, アカウント設定, 404, 400', async () => {
        const { page } = admin;
        await goto(page, '/');
        await check(admin, 'admin', 'top', width);
        await page.locator('nav.menu summary').click();
        await check(admin, 'admin', 'top-menu-open', width);
        await goto(page, '/participation');
        await check(admin, 'admin', 'participation', width);
        await goto(page, '/password');
        await typeNewPassword(page, NEW_PASSWORD);
        await check(admin, 'admin', 'password', width);
        await goto(page, '/users');
        await check(admin, 'admin', 'list', width);
        await search(page, { showDeleted: true });
        await check(admin, 'admin', 'list-results', width);
        // The header row stays in view while the rows scroll in their box.
        expect(
          await page
            .locator('table.results thead th')
            .first()
            .evaluate((th) => getComputedStyle(th).position),
        ).toBe('sticky');
        await search(page, { userName: '該当する人のいない名前' });
        await check(admin, 'admin', 'list-empty', width);
        await search(page, {});
        await openDetail(page, f.locked.userId);
        await check(admin, 'admin', 'detail', width);
        await goto(page, '/audit');
        await check(admin, 'admin', 'audit', width);
        await goto(page, '/account');
        await check(admin, 'admin', 'account', width);
        await goto(page, '/no-such-page', 404);
        await check(admin, 'admin', 'error-404', width);
        await goto(page, '/users?userName=a&userName=b', 400);
        await check(admin, 'admin', 'error-400', width);
      });

      it('admin: register form, its errors, confirmation, completion', async () => {
        const { page } = admin;
        await goto(page, '/users/new');
        await check(admin, 'admin', 'register', width);
        await clickAndWait(page, button(page, '確認'));
        await check(admin, 'admin', 'register-errors', width);
        await page.locator('#department').fill('需給調整部');
        await page.locator('#userName').fill('登録 七郎');
        await page.locator('#email').fill(`shichiro.${width}@example.jp`);
        await clickAndWait(page, button(page, '確認'));
        await check(admin, 'admin', 'register-confirm', width);
        await clickAndWait(page, button(page, '実行'));
        await check(admin, 'admin', 'register-complete', width);
      });

      it('admin: change form, its errors, confirmation, completion', async () => {
        const { page } = admin;
        await goto(page, '/users');
        await search(page, { userId: f.general.userId });
        await openDetail(page, f.general.userId);
        await clickAndWait(page, link(page, '変更'));
        await check(admin, 'admin', 'change', width);
        await page.locator('#email').fill('not an address');
        await clickAndWait(page, button(page, '確認'));
        await check(admin, 'admin', 'change-errors', width);
        await page.locator('#email').fill(`ichiro.${width}@example.jp`);
        await page.locator('#department').fill('需給管理部');
        await clickAndWait(page, button(page, '確認'));
        await check(admin, 'admin', 'change-confirm', width);
        await clickAndWait(page, button(page, '実行'));
        await check(admin, 'admin', 'change-complete', width);
        // Someone else changes the user meanwhile: the form again, the stored values beside.
        await clickAndWait(page, link(page, 'ユーザ情報詳細画面へ'));
        await clickAndWait(page, link(page, '変更'));
        await page.locator('#department').fill('需給調整部');
        const row = await h.store.db
          .selectFrom('users')
          .select('version')
          .where('user_id', '=', f.general.userId)
          .executeTakeFirstOrThrow();
        await h.store.db
          .updateTable('users')
          .set({ user_name: `別の名前 ${width}`, version: Number(row.version) + 1 })
          .where('user_id', '=', f.general.userId)
          .execute();
        await clickAndWait(page, button(page, '確認'));
        expect(await page.locator('#userName-hint').textContent()).toContain('現在の値');
        await check(admin, 'admin', 'change-conflict', width);
      });

      it('admin: CSV, unlock, reissue, delete and bulk delete confirmations and completions', async () => {
        const { page } = admin;
        await goto(page, '/users');
        await search(page, {});
        await withoutDialog(page);
        await clickAndWait(page, button(page, 'CSV出力'));
        await check(admin, 'admin', 'csv-confirm', width);

        await goto(page, '/users');
        await search(page, { userId: f.locked.userId });
        await openDetail(page, f.locked.userId);
        await withoutDialog(page);
        await clickAndWait(page, button(page, 'ユーザロック解除'));
        await check(admin, 'admin', 'unlock-confirm', width);
        await clickAndWait(page, button(page, 'OK'));
        await check(admin, 'admin', 'unlock-complete', width);

        await goto(page, '/users');
        await search(page, { userId: f.bulk1.userId });
        await openDetail(page, f.bulk1.userId);
        await withoutDialog(page);
        await clickAndWait(page, button(page, 'パスワード再発行'));
        await check(admin, 'admin', 'reissue-confirm', width);
        await clickAndWait(page, button(page, 'OK'));
        await check(admin, 'admin', 'reissue-complete', width);

        await goto(page, '/users');
        await search(page, { userId: f.toDelete.userId });
        await openDetail(page, f.toDelete.userId);
        await clickAndWait(page, link(page, '削除'));
        await check(admin, 'admin', 'delete', width);
        await withoutDialog(page);
        await clickAndWait(page, button(page, '実行'));
        await check(admin, 'admin', 'delete-confirm', width);
        await clickAndWait(page, button(page, 'OK'));
        await check(admin, 'admin', 'delete-complete', width);

        await goto(page, '/users');
        await search(page, {});
        // An admin among the ticked: refused, the list shown again with its ticks.
        await page.locator(`table.results input[name="userIds"][value="${f.admin.userId}"]`).check();
        await withoutDialog(page);
        await clickAndWait(page, button(page, '一括削除'));
        await check(admin, 'admin', 'bulk-delete-refused', width);
        await search(page, {});
        for (const u of [f.bulk1, f.bulk2]) {
          await page.locator(`table.results input[name="userIds"][value="${u.userId}"]`).check();
        }
        await withoutDialog(page);
        await clickAndWait(page, button(page, '一括削除'));
        await check(admin, 'admin', 'bulk-delete-confirm', width);
        await clickAndWait(page, button(page, 'OK'));
        await check(admin, 'admin', 'bulk-delete-complete', width);
      });

      it('admin: bulk register upload, its error page, confirmation, completion', async () => {
        const { page } = admin;
        await goto(page, '/users/bulk-register');
        await check(admin, 'admin', 'bulk-register', width);
        await page.locator('#file').setInputFiles({
          name: 'wrong.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from('氏名,電話\r\n山田,abc\r\n', 'utf8'),
        });
        await clickAndWait(page, button(page, '確認'));
        await check(admin, 'admin', 'bulk-register-errors', width);
        const csv =
          '所属部署,ユーザ名,電話番号,メールアドレス,適用開始日,適用終了日\r\n' +
          `営業部,一括 八郎,03-1234-5678,hachiro.${width}@example.jp,,\r\n`;
        await page.locator('#file').setInputFiles({
          name: 'users.csv',
          mimeType: 'text/csv',
          buffer: Buffer.from(csv, 'utf8'),
        });
        await clickAndWait(page, button(page, '確認'));
        await check(admin, 'admin', 'bulk-register-confirm', width);
        await clickAndWait(page, button(page, '実行'));
        await check(admin, 'admin', 'bulk-register-complete', width);
      });

      it('general user: TOP, list, detail, password change, アカウント設定; 403, 404 and 400 pages', async () => {
        const { page } = general;
        await goto(page, '/');
        await check(general, 'general', 'top', width);
        await goto(page, '/users');
        await search(page, {});
        await check(general, 'general', 'list-results', width);
        await openDetail(page, f.admin.userId);
        await check(general, 'general', 'detail', width);
        await goto(page, '/password');
        await check(general, 'general', 'password', width);
        await goto(page, '/account');
        await check(general, 'general', 'account', width);
        await goto(page, '/users/new', 403);
        await check(general, 'general', 'error-403', width);
        await goto(page, '/no-such-page', 404);
        await check(general, 'general', 'error-404', width);
        await goto(page, '/users?userId=a&userId=b', 400);
        await check(general, 'general', 'error-400', width);
      });
    });
  }

  it('every state: 0 axe violations, no console error, no page wider than the screen', () => {
    expect(checked).toBe(98);
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
