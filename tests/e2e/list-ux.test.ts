import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/features/users/model.js';
import { createGeneralUser, createOperatorWithAdmins } from '../helpers/factories.js';
import { contrast } from './contrast.js';
import { chromiumMissing, snapshot, useHarness } from './harness.js';
import { button, messages, pressWithDialog, search, selectBox } from './manual-helpers.js';

const NONE_SELECTED = '一括削除するユーザ情報を選択してください。';
const question = (n: number) => `選択したユーザ情報（${n}件）を一括削除します。よろしいですか。`;

/**
 * The list screen's UX (SPEC §4.1, §4.7, manual ch. 3 and 7): 新規登録 at the top right
 * with the room left, CSV出力 and 一括削除 in one row, badges, the dialog with the number
 * ticked and none with nothing ticked, and a page no wider than a phone at 390 px.
 */
describe.skipIf(chromiumMissing)('list screen UX (Chromium, 1280 and 390 px)', () => {
  const h = useHarness();
  let page: Page;
  let otherAdmin: User;
  let plain: User;
  let locked: User;
  let disabled: User;
  let deleted: User;

  // No test here changes a user (the bulk deletes are refused or cancelled): one
  // operator serves them all.
  beforeAll(async () => {
    // A factory-made operator: two admins, and general users in every state the badges
    // show (the deleted one does not count toward eight).
    const made = await createOperatorWithAdmins(h);
    otherAdmin = made.otherAdmin;
    const operatorCode = made.operator.operatorCode;
    plain = await createGeneralUser(h, { operatorCode, userName: '一般 一郎' });
    locked = await createGeneralUser(h, { operatorCode, userName: '一般 施錠', locked: true });
    disabled = await createGeneralUser(h, { operatorCode, userName: '一般 無効', enabled: false });
    deleted = await createGeneralUser(h, { operatorCode, userName: '一般 削除', deleted: true });
    page = await h.signIn(made.admin);
  });

  async function openList(width: number): Promise<void> {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/users');
    await search(page, { showDeleted: true });
  }

  it('at 1280 px: 新規登録 top right with the room left, CSV出力 and 一括削除 in one row, badges', async () => {
    await openList(1280);
    const main = (await page.locator('main').boundingBox())!;
    const register = (await page
      .locator('main')
      .getByRole('link', { name: '新規登録', exact: true })
      .boundingBox())!;
    const searchForm = (await page.locator('form.search-form').boundingBox())!;
    // Top right: above the search conditions, at the right edge of the content.
    expect(register.y + register.height).toBeLessThanOrEqual(searchForm.y);
    expect(main.x + main.width - (register.x + register.width)).toBeLessThan(200);
    // SPEC §1: 3 undeleted general users of 8 (the deleted one does not count).
    expect(await page.locator('.registration-room').textContent()).toBe(
      '登録作業者(一般)はあと5名登録できます。',
    );

    // One row: CSV出力 and 一括削除 side by side, vertically centred alike, CSV出力 first.
    const csv = (await button(page, 'CSV出力').boundingBox())!;
    const bulk = (await button(page, '一括削除').boundingBox())!;
    expect(Math.abs(csv.y + csv.height / 2 - (bulk.y + bulk.height / 2))).toBeLessThanOrEqual(2);
    expect(bulk.x).toBeGreaterThan(csv.x + csv.width);
    const table = (await page.locator('table.results').boundingBox())!;
    expect(csv.y).toBeGreaterThan(table.y + table.height);

    // Badges: the word stays the cell's text; each readable (WCAG AA, ≥ 4.5:1).
    const row = (u: User) => page.locator('table.results tbody tr').filter({ hasText: u.userId });
    expect(await row(locked).locator('.badge-locked').textContent()).toBe('ロック中');
    expect((await row(locked).locator('td.col-state').first().textContent())?.trim()).toBe('有効 ロック中');
    expect(await row(disabled).locator('.badge-disabled').textContent()).toBe('無効');
    expect(await row(deleted).locator('.badge-deleted').textContent()).toBe('削除済');
    expect(await row(plain).locator('.badge').count()).toBe(0);
    for (const kind of ['locked', 'disabled', 'deleted']) {
      const colours = await page
        .locator(`table.results .badge-${kind}`)
        .first()
        .evaluate((el) => {
          const s = getComputedStyle(el);
          return { color: s.color, background: s.backgroundColor };
        });
      expect(contrast(colours.color, colours.background), kind).toBeGreaterThanOrEqual(4.5);
    }
    await snapshot(page, 'list-ux-1280');
  });

  it('with JavaScript: nothing ticked → no dialog but a message; ticked → the dialog gives the number', async () => {
    await openList(1280);
    const dialogs: string[] = [];
    const record = (d: { message(): string; dismiss(): Promise<void> }) => {
      dialogs.push(d.message());
      void d.dismiss();
    };
    page.on('dialog', record);
    const before = page.url();
    await button(page, '一括削除').click();
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
    expect(page.url()).toBe(before);
    const inline = page.locator('.bulk-delete-form [data-selection-error]');
    expect(await inline.textContent()).toBe(NONE_SELECTED);
    expect(await inline.getAttribute('role')).toBe('alert');
    await snapshot(page, 'list-ux-none-selected');
    page.off('dialog', record);

    // Ticking a box clears the message; the dialog says how many are ticked.
    await selectBox(page, plain.userId).check();
    expect(await inline.textContent()).toBe('');
    await selectBox(page, disabled.userId).check();
    expect(await pressWithDialog(page, button(page, '一括削除'), 'cancel')).toBe(question(2));
    // The header box ticks the page: all six rows.
    await page.locator('table.results input[data-select-all]').check();
    expect(await pressWithDialog(page, button(page, '一括削除'), 'cancel')).toBe(question(6));
    await page.locator('table.results input[data-select-all]').uncheck();
    expect(await page.locator('table.results input[name="userIds"]:checked').count()).toBe(0);
  });

  it('a refused bulk delete shows the list again with the same boxes ticked', async () => {
    await openList(1280);
    await selectBox(page, otherAdmin.userId).check();
    await selectBox(page, plain.userId).check();
    expect(await pressWithDialog(page, button(page, '一括削除'), 'ok')).toBe(question(2));
    expect((await messages(page, 'error')).join()).toMatch(/^error\.bulkDelete\.blocked : .*/);
    expect(await page.locator('h1').textContent()).toBe('ユーザ情報一覧画面');
    const ticked = await page
      .locator('table.results input[name="userIds"]:checked')
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect(ticked.sort()).toEqual([otherAdmin.userId, plain.userId].sort());
    // The header box shows "some", not "all".
    const header = page.locator('table.results input[data-select-all]');
    expect(await header.isChecked()).toBe(false);
    expect(await header.evaluate((el) => (el as HTMLInputElement).indeterminate)).toBe(true);
    // Untick the admin and go again: the dialog counts what is left.
    await selectBox(page, otherAdmin.userId).uncheck();
    expect(await pressWithDialog(page, button(page, '一括削除'), 'cancel')).toBe(question(1));
    const rows = await h.store.db
      .selectFrom('users')
      .select('user_id')
      .where('user_id', '=', plain.userId)
      .where('deleted', '=', 0)
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('at 390 px: no page wider than the viewport, the table scrolls in its box, the brand on one line', async () => {
    await openList(390);
    const width = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      viewport: window.innerWidth,
    }));
    expect(width.viewport).toBe(390);
    expect(width.scroll).toBeLessThanOrEqual(width.viewport);

    // The results scroll inside .table-scroll, which fits the page.
    const scroller = await page.locator('.table-scroll').evaluate((el) => ({
      overflowX: getComputedStyle(el).overflowX,
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
      right: el.getBoundingClientRect().right,
    }));
    expect(scroller.overflowX).toBe('auto');
    expect(scroller.scrollWidth).toBeGreaterThan(scroller.clientWidth);
    expect(scroller.right).toBeLessThanOrEqual(390);

    // IDs never break: the ID cell's link is one line.
    const idLines = await page
      .locator('table.results td.col-id a')
      .first()
      .evaluate((el) => el.getClientRects().length);
    expect(idLines).toBe(1);

    // 容量市場システム on one line: its text makes one line box, one line high (measured
    // against a one-character probe in the same font; the link's own box may be taller,
    // as a tap target).
    const brand = await page.locator('.site-header .brand').evaluate((el) => {
      const range = document.createRange();
      range.selectNodeContents(el);
      const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
      const probe = document.createElement('span');
      probe.textContent = '容';
      probe.style.font = getComputedStyle(el).font;
      probe.style.position = 'absolute';
      document.body.appendChild(probe);
      const oneLine = probe.getBoundingClientRect().height;
      const oneChar = probe.getBoundingClientRect().width;
      probe.remove();
      return {
        text: el.textContent,
        lines: lines.size,
        height: range.getBoundingClientRect().height,
        width: range.getBoundingClientRect().width,
        oneLine,
        oneChar,
      };
    });
    expect(brand.text?.trim()).toBe('容量市場システム');
    expect(brand.lines).toBe(1);
    expect(brand.height).toBeLessThanOrEqual(brand.oneLine + 1);
    // All eight characters side by side.
    expect(brand.width).toBeGreaterThanOrEqual(brand.oneChar * 8 - 1);

    // The buttons stay on the page too.
    for (const name of ['CSV出力', '一括削除']) {
      const b = (await button(page, name).boundingBox())!;
      expect(b.x + b.width, name).toBeLessThanOrEqual(390);
    }
    await snapshot(page, 'list-ux-390');
  });
});
