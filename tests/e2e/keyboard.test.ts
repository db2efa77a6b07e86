import fs from 'node:fs';
import type { FileChooser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { recordAudit } from '../../src/features/audit/service.js';
import { generateTemporaryPassword } from '../../src/lib/passwords.js';
import { createOperatorWithAdmins, createUser } from '../helpers/factories.js';
import { contrast, type Rgba } from './contrast.js';
import { chromiumMissing, type Harness, NEW_PASSWORD, useHarness } from './harness.js';
import { detailRows, messages, outbox, storedUser } from './manual-helpers.js';

/**
 * Issue 9, "Done when": every flow of the manual (ch. 3–9), bulk register, the audit
 * screen, the login with its forced password change, アカウント設定 and ログアウト, done
 * with the keyboard alone in Chromium: Tab, Shift+Tab, Enter and Space, and typing into
 * the focused field. Nothing is clicked or filled. At every stop of Tab the focus must
 * show (an outline, or a box-shadow ring) and lie within the screen, not covered by
 * anything. The browser's dialogs are answered as a keyboard user does, with Enter
 * (`dialog.accept()`); without JavaScript the server's confirmation pages stand in.
 *
 * Beyond the four keys: a text field reached by Tab has its text selected, so typing
 * replaces it; a field reached through the error summary's link is emptied with
 * Ctrl+A first (an editing key). A file input opens the system's file chooser on Space
 * or Enter, which `setFiles` stands in for. A radio group takes one Tab stop and its
 * choice moves with the arrow keys, as everywhere on the platform.
 */

/** What has the focus, and whether a person can see it. */
interface Focus {
  tag: string;
  id: string;
  role: string;
  name: string;
  /** The focus is not in the page (on body, or in the browser's own controls). */
  outside: boolean;
  /** The computed outline, or the box-shadow when there is no outline. */
  ring: string;
  ringVisible: boolean;
  /** An outline's colour and what it is drawn on (the first opaque background outside the element). */
  ringColour: Rgba | null;
  behind: Rgba;
  /** Within the viewport and within every box that clips it (a scrolling table). */
  inView: boolean;
  /** What lies on top of the element's visible centre, when it is not the element. */
  coveredBy: string;
}

async function readFocus(page: Page): Promise<Focus> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const none = {
      tag: 'body',
      id: '',
      role: '',
      name: '',
      outside: true,
      ring: '',
      ringVisible: true,
      ringColour: null,
      behind: [255, 255, 255, 1] as Rgba,
      inView: true,
      coveredBy: '',
    };
    if (!el || el === document.body || el === document.documentElement) return none;
    const tag = el.tagName.toLowerCase();
    const input = el as HTMLInputElement;
    const implicitRole = (): string => {
      if (tag === 'a') return el.hasAttribute('href') ? 'link' : 'generic';
      if (tag === 'button') return 'button';
      if (tag === 'summary') return 'summary';
      if (tag === 'select') return 'combobox';
      if (tag === 'section' && (el.hasAttribute('aria-label') || el.hasAttribute('aria-labelledby')))
        return 'region';
      if (tag === 'textarea') return 'textbox';
      if (tag === 'input') {
        if (input.type === 'checkbox' || input.type === 'radio') return input.type;
        if (input.type === 'file') return 'file';
        if (input.type === 'submit' || input.type === 'button') return 'button';
        return 'textbox';
      }
      return tag;
    };
    const clean = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
    const labelledBy = el.getAttribute('aria-labelledby');
    const labels = (input.labels ? [...input.labels] : []).map((l) => l.textContent);
    const name =
      clean(el.getAttribute('aria-label')) ||
      clean(
        labelledBy
          ?.split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent ?? '')
          .join(' '),
      ) ||
      clean(labels.join(' ')) ||
      clean(el.textContent);

    const cs = getComputedStyle(el);
    const outline = cs.outlineStyle !== 'none' && Number.parseFloat(cs.outlineWidth) > 0;
    const outlineColour = (cs.outlineColor.match(/[\d.]+/g) ?? []).map(Number);
    const outlineShown = outline && (outlineColour[3] ?? 1) > 0;
    // A box-shadow ring, not a card's soft shadow: an opaque colour spread at least 2 px
    // all round (no offset, no blur), as in `0 0 0 3px #1f4e8c`.
    const shadows = cs.boxShadow === 'none' ? [] : cs.boxShadow.split(/,(?![^(]*\))/);
    const shadow = shadows.some((one) => {
      const colour = (one.match(/rgba?\(([^)]*)\)/)?.[1] ?? '').split(',').map(Number);
      const [x, y, blur, spread] = (one.replace(/rgba?\([^)]*\)/, '').match(/-?[\d.]+px/g) ?? []).map(
        Number.parseFloat,
      );
      return x === 0 && y === 0 && blur === 0 && (spread ?? 0) >= 2 && (colour[3] ?? 1) >= 0.5;
    });

    let behind = [255, 255, 255, 1];
    for (let p = el.parentElement; p; p = p.parentElement) {
      const bg = (getComputedStyle(p).backgroundColor.match(/[\d.]+/g) ?? []).map(Number);
      if (bg.length >= 3 && (bg[3] ?? 1) > 0) {
        behind = [bg[0]!, bg[1]!, bg[2]!, bg[3] ?? 1];
        break;
      }
    }

    // Within the viewport, and within each ancestor that clips its overflow.
    const rect = el.getBoundingClientRect();
    let box = { left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight };
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ps = getComputedStyle(p);
      if (ps.overflowX === 'visible' && ps.overflowY === 'visible') continue;
      const pr = p.getBoundingClientRect();
      box = {
        left: Math.max(box.left, pr.left),
        top: Math.max(box.top, pr.top),
        right: Math.min(box.right, pr.right),
        bottom: Math.min(box.bottom, pr.bottom),
      };
    }
    const seen = {
      left: Math.max(box.left, rect.left),
      top: Math.max(box.top, rect.top),
      right: Math.min(box.right, rect.right),
      bottom: Math.min(box.bottom, rect.bottom),
    };
    const inView = seen.right - seen.left >= 1 && seen.bottom - seen.top >= 1;
    let coveredBy = '';
    if (inView) {
      const hit = document.elementFromPoint((seen.left + seen.right) / 2, (seen.top + seen.bottom) / 2);
      const ownLabel = hit instanceof HTMLLabelElement && hit.control === el;
      if (hit && !el.contains(hit) && !ownLabel) {
        coveredBy = `${hit.tagName.toLowerCase()}${hit.id ? `#${hit.id}` : ''}.${hit.className}`;
      }
    }
    return {
      tag,
      id: el.id,
      role: el.getAttribute('role') ?? implicitRole(),
      name,
      outside: false,
      ring: outline
        ? `outline ${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`
        : `box-shadow ${cs.boxShadow}`,
      ringVisible: outlineShown || shadow,
      ringColour: outlineShown
        ? ([outlineColour[0], outlineColour[1], outlineColour[2], outlineColour[3] ?? 1] as Rgba)
        : null,
      behind: behind as Rgba,
      inView,
      coveredBy,
    };
  });
}

function describeFocus(f: Focus): string {
  if (f.outside) return '(outside the page)';
  return `${f.role} "${f.name.slice(0, 40)}"${f.id ? ` #${f.id}` : ''}`;
}

/** A control by its id, or by its role and name (a name exactly, or a pattern). */
type Target = { id: string } | { role: string; name: string | RegExp };

function matches(f: Focus, target: Target): boolean {
  if (f.outside) return false;
  if ('id' in target) return f.id === target.id;
  if (f.role !== target.role) return false;
  return typeof target.name === 'string' ? f.name === target.name : target.name.test(f.name);
}

function describeTarget(target: Target): string {
  return 'id' in target ? `#${target.id}` : `${target.role} "${target.name}"`;
}

/** The focus shows: a ring, within the screen, not covered by a sticky header or a notice. */
function expectFocusVisible(f: Focus): void {
  if (f.outside) return;
  const what = describeFocus(f);
  expect(f.ringVisible, `no focus ring on ${what} (${f.ring})`).toBe(true);
  // WCAG 2.4.13's 3:1 (AAA, and this project's rule): the ring stands out from what it is drawn on.
  if (f.ringColour) {
    expect(
      contrast(f.ringColour, f.behind),
      `the ring of ${what}: ${f.ring} on rgb(${f.behind})`,
    ).toBeGreaterThanOrEqual(3);
  }
  expect(f.inView, `${what} has the focus but is off screen or scrolled out of its box`).toBe(true);
  expect(f.coveredBy, `${what} has the focus but is covered`).toBe('');
}

/**
 * Presses Tab (Shift+Tab with `back`) until the focus is on `target`, checking at each
 * stop that the focus shows; fails after `max` presses naming every stop on the way.
 */
async function tabTo(
  page: Page,
  target: Target,
  options: { max?: number; back?: boolean } = {},
): Promise<Focus> {
  const key = options.back ? 'Shift+Tab' : 'Tab';
  const max = options.max ?? 40;
  const stops: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const f = await readFocus(page);
    stops.push(describeFocus(f));
    expectFocusVisible(f);
    if (matches(f, target)) return f;
  }
  throw new Error(
    `${max} × ${key} never reached ${describeTarget(target)} on ${new URL(page.url()).pathname}; the stops: ${stops.join(' → ')}`,
  );
}

/**
 * Presses Tab from the top of the page until the focus leaves it or comes round again,
 * checking every stop; returns the stops.
 */
async function tabThrough(page: Page, max = 80): Promise<string[]> {
  const stops: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await readFocus(page);
    const stop = describeFocus(f);
    if (f.outside || stop === stops[0]) return stops;
    expectFocusVisible(f);
    stops.push(stop);
  }
  throw new Error(
    `Tab did not reach the end of ${new URL(page.url()).pathname} in ${max} presses: ${stops.join(' → ')}`,
  );
}

/** The focus is on `target` now (after Enter on a link to a field, or an autofocus). */
async function expectFocusOn(page: Page, target: Target): Promise<void> {
  const f = await readFocus(page);
  expect(matches(f, target), `the focus is on ${describeFocus(f)}, not ${describeTarget(target)}`).toBe(true);
  expectFocusVisible(f);
}

/** Presses a key that loads another page, and waits for it. */
async function pressAndWait(page: Page, key: 'Enter' | 'Space'): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.keyboard.press(key)]);
}

/** Presses a key that asks in the browser's dialog, answers OK (Enter) and waits for the next page. */
async function pressConfirmAndWait(page: Page, key: 'Enter' | 'Space'): Promise<string> {
  let question = '';
  page.once('dialog', (d) => {
    question = d.message();
    void d.accept();
  });
  await pressAndWait(page, key);
  return question;
}

/**
 * Presses `key` on the focused file input and returns the file chooser it opens. Playwright
 * intercepts the system's chooser only once a listener exists, and switches that on without
 * waiting: so the listener is added when the page is made (`watchFileChoosers`), well before
 * any key, not in a race with it.
 */
function watchFileChoosers(page: Page): (key: 'Enter' | 'Space') => Promise<FileChooser> {
  const opened: FileChooser[] = [];
  page.on('filechooser', (chooser) => opened.push(chooser));
  return async (key) => {
    await page.keyboard.press(key);
    await expect.poll(() => opened.length, { message: `${key} opened no file chooser` }).toBe(1);
    return opened.shift()!;
  };
}

/** The error summary has the focus once the page is parsed (autofocus; it may come just after load). */
async function expectSummaryFocused(page: Page): Promise<void> {
  await page.waitForFunction(() => document.activeElement?.id === 'error-summary', null, { timeout: 5_000 });
  await expectFocusOn(page, { id: 'error-summary' });
}

/** Tab to a field and type into it (Tab selects what the field held, so the text replaces it). */
async function typeInto(page: Page, target: Target, text: string): Promise<void> {
  await tabTo(page, target);
  await page.keyboard.type(text);
}

async function heading(page: Page): Promise<string> {
  return ((await page.locator('h1').textContent()) ?? '').trim();
}

function path(page: Page): string {
  return new URL(page.url()).pathname;
}

const link = (name: string | RegExp): Target => ({ role: 'link', name });
const button = (name: string | RegExp): Target => ({ role: 'button', name });

/** An operator with its two admins and two general users named for the search. */
async function operatorWithStaff(h: Harness, overrides: { locked?: boolean } = {}) {
  const { operator, admin, otherAdmin } = await createOperatorWithAdmins(h);
  const shiro = await createUser(h, {
    operatorCode: operator.operatorCode,
    userName: '鍵盤 四郎',
    locked: overrides.locked ?? false,
  });
  const goro = await createUser(h, { operatorCode: operator.operatorCode, userName: '鍵盤 五郎' });
  return { operator, admin, otherAdmin, shiro, goro };
}

/** From the list's top, the search by ユーザ名: Tab to the field, type, Enter sends the form. */
async function searchByName(page: Page, userName: string): Promise<void> {
  await typeInto(page, { id: 'userName' }, userName);
  await pressAndWait(page, 'Enter');
  expect(await heading(page)).toBe('ユーザ情報一覧画面');
}

/** Opens the menu on TOP with `key` and follows one of its links with Enter. */
async function viaMenu(page: Page, key: 'Enter' | 'Space', item: string): Promise<void> {
  await tabTo(page, { role: 'summary', name: 'メニュー' });
  expect(await page.locator('nav.menu details').getAttribute('open')).toBeNull();
  await page.keyboard.press(key);
  expect(await page.locator('nav.menu details').getAttribute('open')).not.toBeNull();
  await tabTo(page, link(item));
  await pressAndWait(page, 'Enter');
}

describe.skipIf(chromiumMissing)('every flow with the keyboard alone (Chromium)', () => {
  const h = useHarness();

  it('login with the forced password change → TOP → menu → ユーザ情報管理 → search → detail → 戻る', async () => {
    const { operator } = await createOperatorWithAdmins(h);
    const temporary = generateTemporaryPassword();
    const user = await createUser(h, {
      operatorCode: operator.operatorCode,
      password: temporary,
      temporary: true,
    });
    const other = await createUser(h, { operatorCode: operator.operatorCode, userName: '鍵盤 六郎' });
    const page = await h.newPage();
    await page.goto('/login');

    // A wrong password first: the summary has the focus, the ユーザID is kept.
    await typeInto(page, { id: 'userId' }, user.userId);
    await page.keyboard.press('Tab');
    await expectFocusOn(page, { id: 'password' });
    await page.keyboard.type('not the password');
    await pressAndWait(page, 'Enter');
    await expectSummaryFocused(page);
    expect((await messages(page, 'error')).join()).toContain('ユーザIDまたはパスワードが正しくありません');
    await typeInto(page, { id: 'password' }, temporary);
    await tabTo(page, button('ログイン'));
    await pressAndWait(page, 'Enter');

    // The forced change: the two new passwords differ; after the error every password field
    // is empty again, so the user goes back up with Shift+Tab to fill them once more.
    expect(path(page)).toBe('/password');
    await typeInto(page, { id: 'currentPassword' }, temporary);
    await typeInto(page, { id: 'newPassword' }, NEW_PASSWORD);
    await typeInto(page, { id: 'confirmPassword' }, `${NEW_PASSWORD}x`);
    await pressAndWait(page, 'Enter');
    await expectSummaryFocused(page);
    expect((await messages(page, 'error')).join()).toContain('error.password.mismatch');
    await tabTo(page, { role: 'link', name: /新しいパスワード（確認）/ });
    await page.keyboard.press('Enter');
    await expectFocusOn(page, { id: 'confirmPassword' });
    await page.keyboard.type(NEW_PASSWORD);
    await tabTo(page, { id: 'newPassword' }, { back: true });
    await page.keyboard.type(NEW_PASSWORD);
    await tabTo(page, { id: 'currentPassword' }, { back: true });
    await page.keyboard.type(temporary);
    await tabTo(page, button('変更'));
    await pressAndWait(page, 'Space');
    expect(path(page)).toBe('/');

    // TOP → メニュー (Space opens it) → ユーザ情報管理.
    await viaMenu(page, 'Space', 'ユーザ情報管理');
    expect(await heading(page)).toBe('ユーザ情報一覧画面');
    // Conditions: a name, and 有効 ticked with Space; 検索 pressed with Enter.
    await typeInto(page, { id: 'userName' }, '六郎');
    await tabTo(page, { role: 'checkbox', name: /有効$/ });
    await page.keyboard.press('Space');
    await tabTo(page, button('検索'));
    await pressAndWait(page, 'Enter');
    expect(new URL(page.url()).searchParams.getAll('enabled')).toEqual(['1']);
    expect(await page.locator('table.results tbody tr').count()).toBe(1);

    // The ユーザID opens the detail; 戻る returns to the same results.
    await tabTo(page, link(other.userId));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報詳細画面');
    expect((await detailRows(page)).ユーザ名).toBe('鍵盤 六郎');
    await tabTo(page, link('戻る'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報一覧画面');
    expect(await page.locator('#userName').inputValue()).toBe('六郎');
    expect(await page.locator('table.results tbody tr').count()).toBe(1);
  });

  it('register: 新規登録 → an error → its link → 確認 → 実行 → completion', async () => {
    const { operator, admin } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await page.goto('/users');
    await tabTo(page, link('新規登録'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報登録画面');

    // The skip link first, then the form.
    await page.keyboard.press('Tab');
    expect(describeFocus(await readFocus(page))).toBe('link "本文へスキップ"');
    await page.keyboard.press('Enter');
    // main takes the focus to move the reading point; it is no control and has no ring by
    // design, which the check of every other stop would catch.
    const main = await readFocus(page);
    expect(main, main.ring).toMatchObject({ tag: 'main', ringVisible: false });
    await typeInto(page, { id: 'department' }, '需給調整部');
    await typeInto(page, { id: 'userName' }, '鍵盤 七郎');
    await typeInto(page, { id: 'phone1' }, '03');
    await page.keyboard.press('Tab');
    await page.keyboard.type('1111');
    await page.keyboard.press('Tab');
    await page.keyboard.type('2222');
    await typeInto(page, { id: 'email' }, 'shichiro at example');
    await tabTo(page, button('確認'));
    await pressAndWait(page, 'Enter');

    // The error: the summary's link leads to the field.
    expect(await heading(page)).toBe('ユーザ情報登録画面');
    await expectSummaryFocused(page);
    await tabTo(page, { role: 'link', name: /メールアドレス/ });
    await page.keyboard.press('Enter');
    await expectFocusOn(page, { id: 'email' });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('shichiro@keyboard.example');
    await tabTo(page, button('確認'));
    await pressAndWait(page, 'Space');

    expect(await heading(page)).toBe('ユーザ情報登録確認画面');
    expect(await detailRows(page)).toMatchObject({
      ユーザ名: '鍵盤 七郎',
      電話番号: '03-1111-2222',
      メールアドレス: 'shichiro@keyboard.example',
    });
    await tabTo(page, button('実行'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報登録完了画面');
    const newId = (await detailRows(page)).ユーザID!;
    expect((await storedUser(h, newId)).operator_code).toBe(operator.operatorCode);
    await tabTo(page, link('ユーザ情報一覧画面へ'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報一覧画面');
  });

  it('change: detail → 変更 → 確認 → 実行 → completion → the detail', async () => {
    const { admin, shiro } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await page.goto(`/users/${shiro.userId}`);
    await tabTo(page, link('変更'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報変更画面');
    await typeInto(page, { id: 'department' }, '需給管理部');
    await typeInto(page, { id: 'phone1' }, '06');
    await page.keyboard.press('Tab');
    await page.keyboard.type('3333');
    await page.keyboard.press('Tab');
    await page.keyboard.type('4444');
    // 有効/無効 is a radio group: Tab stops once, on the ticked 有効, and the arrow keys
    // move the choice, as in every radio group of the platform.
    await tabTo(page, { role: 'radio', name: '有効' });
    await page.keyboard.press('ArrowRight');
    await expectFocusOn(page, { role: 'radio', name: '無効' });
    await tabTo(page, button('確認'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報変更確認画面');
    expect(await detailRows(page)).toMatchObject({
      所属部署: '需給管理部',
      電話番号: '06-3333-4444',
      '有効/無効': '無効',
    });
    await tabTo(page, button('実行'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報変更完了画面');
    await tabTo(page, link('ユーザ情報詳細画面へ'));
    await pressAndWait(page, 'Enter');
    expect(await detailRows(page)).toMatchObject({ 所属部署: '需給管理部', 電話番号: '06-3333-4444' });
    expect((await storedUser(h, shiro.userId)).enabled).toBe(0);
  });

  it('delete: detail → 削除 → 実行 → the dialog answered with Enter → completion', async () => {
    const { admin, shiro } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await page.goto(`/users/${shiro.userId}`);
    await tabTo(page, link('削除'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報削除画面');
    await tabTo(page, button('実行'));
    expect(await pressConfirmAndWait(page, 'Enter')).toBe('下記のユーザ情報を削除します。よろしいですか。');
    expect(await heading(page)).toBe('ユーザ情報削除完了画面');
    expect((await storedUser(h, shiro.userId)).deleted).toBe(1);
  });

  it('bulk delete: boxes ticked with Space → 一括削除 → the dialog → completion', async () => {
    const { admin, shiro, goro } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await page.goto('/users');
    await searchByName(page, '鍵盤');
    expect(await page.locator('table.results tbody tr').count()).toBe(2);

    // Nothing ticked: 一括削除 says so beside itself, and asks nothing.
    let asked = false;
    const onDialog = () => {
      asked = true;
    };
    page.on('dialog', onDialog);
    await tabTo(page, button('一括削除'), { max: 60 });
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-selection-error]').textContent()).not.toBe('');
    page.off('dialog', onDialog);
    expect(asked).toBe(false);

    // Back up the list to the two boxes (Shift+Tab), ticking each with Space.
    for (const id of [goro.userId, shiro.userId].sort().reverse()) {
      await tabTo(page, { role: 'checkbox', name: `${id}を選択` }, { back: true });
      await page.keyboard.press('Space');
    }
    expect(await page.locator('table.results input[name="userIds"]:checked').count()).toBe(2);
    await tabTo(page, button('一括削除'));
    expect(await pressConfirmAndWait(page, 'Space')).toBe(
      '選択したユーザ情報（2件）を一括削除します。よろしいですか。',
    );
    expect(await heading(page)).toBe('ユーザ情報一括削除完了画面');
    expect((await storedUser(h, shiro.userId)).deleted).toBe(1);
    expect((await storedUser(h, goro.userId)).deleted).toBe(1);
  });

  it('unlock: the detail of a locked user → ユーザロック解除 → the dialog → completion', async () => {
    const { admin, shiro } = await operatorWithStaff(h, { locked: true });
    const page = await h.signIn(admin);
    await page.goto(`/users/${shiro.userId}`);
    await tabTo(page, button('ユーザロック解除'));
    expect(await pressConfirmAndWait(page, 'Enter')).toBe('ユーザロックを解除します。よろしいですか。');
    expect(await heading(page)).toBe('ユーザロック解除完了画面');
    expect((await storedUser(h, shiro.userId)).locked).toBe(0);
  });

  it('reissue: detail → パスワード再発行 → the dialog → completion', async () => {
    const { admin, shiro } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await page.goto(`/users/${shiro.userId}`);
    await tabTo(page, button('パスワード再発行'));
    expect(await pressConfirmAndWait(page, 'Space')).toBe('パスワードを再発行します。よろしいですか。');
    expect(await heading(page)).toBe('パスワード再発行完了画面');
    expect(await outbox(h, { event: 'passwordReissued', recipient: shiro.email })).toHaveLength(1);
  });

  it('CSV出力: the dialog answered with Enter, a download; and again without a reload', async () => {
    const { admin } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await page.goto('/users');
    await searchByName(page, '鍵盤');
    await tabTo(page, button('CSV出力'), { max: 60 });
    for (let i = 0; i < 2; i++) {
      page.once('dialog', (d) => void d.accept());
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
      expect(download.suggestedFilename()).toMatch(/^ユーザ情報一覧_\d{14}\.csv$/);
      const text = fs.readFileSync((await download.path())!, 'utf8');
      expect(text).toContain('鍵盤 四郎');
      expect(text).toContain('鍵盤 五郎');
      // The focus stays on the button, ready for the next press.
      await expectFocusOn(page, button('CSV出力'));
    }
  });

  it('bulk register: 一括登録 → the template → the file chooser (Space, then Enter) → a refused file → 確認 → 実行 → completion', async () => {
    const { admin, operator } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    const openChooser = watchFileChoosers(page);
    await page.goto('/users');
    await tabTo(page, link('一括登録'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報一括登録画面');
    // The template first, below the form; then back up to the file field.
    await tabTo(page, link('テンプレートをダウンロード'));
    const [template] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(template.suggestedFilename()).toBe('ユーザ情報一括登録テンプレート.csv');
    await tabTo(page, { id: 'file' }, { back: true });
    // A file with a wrong mail address first: the problems by line and column, the file
    // field empty again; Enter opens the chooser this time.
    const wrong = [
      '所属部署,ユーザ名,電話番号,メールアドレス,適用開始日,適用終了日',
      '需給調整部,鍵盤 八郎,03-5555-6666,hachiro at keyboard,,',
      '',
    ].join('\r\n');
    const first = await openChooser('Space');
    await first.setFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(wrong, 'utf8') });
    await tabTo(page, button('確認'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報一括登録画面');
    await expectSummaryFocused(page);
    expect(await page.locator('table.bulk-register-issues tbody tr').count()).toBe(1);
    await tabTo(page, { id: 'file' });
    const csv = [
      '所属部署,ユーザ名,電話番号,メールアドレス,適用開始日,適用終了日',
      '需給調整部,鍵盤 八郎,03-5555-6666,hachiro@keyboard.example,,',
      '需給調整部,鍵盤 九郎,,kuro@keyboard.example,,',
      '',
    ].join('\r\n');
    const chooser = await openChooser('Enter');
    await chooser.setFiles({ name: 'users.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await expectFocusOn(page, { id: 'file' });
    await tabTo(page, button('確認'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報一括登録確認画面');
    await tabTo(page, button('実行'), { max: 60 });
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報一括登録完了画面');
    const registered = await h.store.db
      .selectFrom('users')
      .select('user_name')
      .where('operator_code', '=', operator.operatorCode)
      .where('user_name', 'in', ['鍵盤 八郎', '鍵盤 九郎'])
      .execute();
    expect(registered).toHaveLength(2);
  });

  it('audit: menu (Enter) → 監査ログ → a wrong date, corrected → filtered by ユーザID → the records box takes the focus', async () => {
    const { admin, operator, shiro } = await operatorWithStaff(h);
    for (const action of ['unlock', 'reissuePassword'] as const) {
      await recordAudit(h.store.db, {
        at: h.clock.now(),
        action,
        outcome: 'success',
        actorUserId: admin.userId,
        operatorCode: operator.operatorCode,
        targetUserId: shiro.userId,
      });
    }
    const page = await h.signIn(admin);
    await viaMenu(page, 'Enter', '監査ログ');
    expect(await heading(page)).toBe('監査ログ一覧画面');

    await typeInto(page, { id: 'from' }, '2026/13/01');
    await typeInto(page, { id: 'userId' }, shiro.userId);
    await pressAndWait(page, 'Enter');
    await expectSummaryFocused(page);
    const fromRow = page.locator('tr.field', { has: page.locator('#from') });
    expect(await fromRow.locator('.field-error').count()).toBe(1);
    // The field is tied to its error, and the summary's link leads to it.
    expect(await page.locator('#from').getAttribute('aria-invalid')).toBe('true');
    await tabTo(page, { role: 'link', name: '期間（開始）はyyyy/mm/dd形式の正しい日付で入力してください。' });
    await page.keyboard.press('Enter');
    await expectFocusOn(page, { id: 'from' });
    await page.keyboard.press('Control+A');
    await page.keyboard.type('2020/01/01');
    await tabTo(page, button('検索'));
    await pressAndWait(page, 'Enter');
    expect(await messages(page, 'error')).toEqual([]);
    const rows = await page.locator('table.audit-table > tbody > tr').count();
    expect(rows).toBe(2);
    // The records' box is a stop of its own (it may scroll; nothing in it takes the focus).
    await tabTo(page, { role: 'region', name: '監査ログ一覧' });
  });

  it('アカウント設定 from the header → every stop of the page shows its focus → ログアウト', async () => {
    const { admin } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await tabTo(page, link('アカウント設定'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('アカウント設定');
    // Through the whole page to its end, each stop checked; then round to ログアウト in the header.
    const stops = await tabThrough(page);
    expect(stops).toEqual(expect.arrayContaining(['link "パスワード変更"', 'link "二要素認証を設定"']));
    await tabTo(page, button('ログアウト'));
    await pressAndWait(page, 'Enter');
    expect(path(page)).toBe('/login');
    expect((await messages(page, 'info')).join()).toContain('info.logout');
    await page.goto('/users');
    expect(path(page)).toBe('/login');
  });

  it('every screen at 1280 and 390 px, and without JavaScript: each Tab stop from the top of the page to its end shows its focus', async () => {
    const { admin, operator, shiro } = await operatorWithStaff(h, { locked: true });
    await recordAudit(h.store.db, {
      at: h.clock.now(),
      action: 'lock',
      outcome: 'success',
      operatorCode: operator.operatorCode,
      targetUserId: shiro.userId,
    });
    const page = await h.signIn(admin);
    const screens = [
      '/',
      '/participation',
      '/users?search=1',
      `/users/${shiro.userId}`,
      `/users/${shiro.userId}/change`,
      `/users/${shiro.userId}/delete`,
      '/users/new',
      '/users/bulk-register',
      '/audit',
      '/account',
      '/password',
    ];
    const login = await h.newPage();
    for (const width of [1280, 390]) {
      for (const [p, screen] of [...screens.map((s) => [page, s] as const), [login, '/login'] as const]) {
        await p.setViewportSize({ width, height: width > 400 ? 720 : 844 });
        await p.goto(screen);
        const stops = await tabThrough(p);
        expect(stops.length, `${screen} at ${width} px`).toBeGreaterThan(3);
      }
    }
    // Without JavaScript (no 表示 toggles, the server's own boxes), at 1280 px.
    const plain = await h.signIn(admin, { javaScriptEnabled: false });
    for (const screen of screens) {
      await plain.goto(screen);
      expect((await tabThrough(plain)).length, `${screen} without JavaScript`).toBeGreaterThan(3);
    }
  });

  it('a long list: Tab and Shift+Tab through every row, each stop in view and not under the sticky header', async () => {
    const { admin, operator } = await operatorWithStaff(h);
    for (let i = 0; i < 6; i++) await createUser(h, { operatorCode: operator.operatorCode });
    const page = await h.signIn(admin);
    // Low enough that the table scrolls in its own box under its sticky header; at 800 px
    // it scrolls sideways as well.
    for (const width of [1280, 800]) {
      await page.setViewportSize({ width, height: 480 });
      await page.goto('/users?search=1');
      expect(await page.locator('table.results tbody tr').count()).toBe(10);
      const box = page.locator('.table-scroll').first();
      expect(await box.evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true);
      const forward = await tabThrough(page);
      expect(forward.filter((s) => s.startsWith('checkbox "U'))).toHaveLength(10);
      // Back up from the end of the page to the header box of 選択.
      await tabTo(
        page,
        { role: 'checkbox', name: 'このページのユーザをすべて選択' },
        { back: true, max: 80 },
      );
    }
  });

  it('at 390 px: the menu opens with Enter, its links show their focus, 参加登録 leads on', async () => {
    const { admin } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await page.setViewportSize({ width: 390, height: 844 });
    await viaMenu(page, 'Enter', '参加登録');
    expect(await heading(page)).toBe('参加登録');
    await tabTo(page, link('ユーザ情報管理'));
    await pressAndWait(page, 'Enter');
    expect(await heading(page)).toBe('ユーザ情報一覧画面');
  });

  it('the 延長 notice before the idle limit: no field slides under it, and Shift+Tab reaches 延長', async () => {
    const { admin } = await operatorWithStaff(h);
    const page = await h.signIn(admin);
    await page.setViewportSize({ width: 1280, height: 600 });
    await page.clock.install();
    await page.goto('/users/new');
    const idleMinutes = h.app.appConfig.sessionIdleMs / 60_000;
    await page.clock.fastForward((idleMinutes - Math.min(5, idleMinutes / 3)) * 60_000 + 1_000);
    const notice = page.locator('.session-warning');
    await expect.poll(() => notice.isVisible()).toBe(true);
    // Down the form to its end and back up: the notice stays at the top of the screen.
    const stops = await tabThrough(page);
    expect(stops).toEqual(expect.arrayContaining(['textbox "メールアドレス" #email', 'button "確認"']));
    await tabTo(page, button('延長'), { back: true, max: 60 });
    await page.keyboard.press('Enter');
    await expect.poll(() => notice.isVisible()).toBe(false);
    expect(await page.evaluate(() => document.documentElement.style.scrollPaddingTop)).toBe('');
    // The button gone, the focus is back where it was before 延長 (the skip link here).
    await expectFocusOn(page, link('本文へスキップ'));
    await page.keyboard.press('Tab');
    await expectFocusOn(page, link('容量市場システム'));
  });

  describe('without JavaScript: the confirmation pages', () => {
    it('delete: 実行 → ユーザ情報削除確認画面 → OK → completion', async () => {
      const { admin, shiro } = await operatorWithStaff(h);
      const page = await h.signIn(admin, { javaScriptEnabled: false });
      page.on('dialog', () => {
        throw new Error('a dialog without JavaScript');
      });
      await page.goto('/users');
      await searchByName(page, '四郎');
      await tabTo(page, link(shiro.userId));
      await pressAndWait(page, 'Enter');
      await tabTo(page, link('削除'));
      await pressAndWait(page, 'Enter');
      await tabTo(page, button('実行'));
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('ユーザ情報削除確認画面');
      await tabTo(page, button('OK'));
      await pressAndWait(page, 'Space');
      expect(await heading(page)).toBe('ユーザ情報削除完了画面');
      expect((await storedUser(h, shiro.userId)).deleted).toBe(1);
    });

    it('unlock and reissue: キャンセル, then OK on each confirmation page', async () => {
      const { admin, shiro } = await operatorWithStaff(h, { locked: true });
      const page = await h.signIn(admin, { javaScriptEnabled: false });
      await page.goto(`/users/${shiro.userId}`);
      await tabTo(page, button('ユーザロック解除'));
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('ユーザロック解除確認画面');
      await tabTo(page, link('キャンセル'));
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('ユーザ情報詳細画面');
      expect((await storedUser(h, shiro.userId)).locked).toBe(1);
      await tabTo(page, button('ユーザロック解除'));
      await pressAndWait(page, 'Enter');
      await tabTo(page, button('OK'));
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('ユーザロック解除完了画面');
      expect((await storedUser(h, shiro.userId)).locked).toBe(0);

      await tabTo(page, link('ユーザ情報詳細画面へ'));
      await pressAndWait(page, 'Enter');
      await tabTo(page, button('パスワード再発行'));
      await pressAndWait(page, 'Space');
      expect(await heading(page)).toBe('パスワード再発行確認画面');
      await tabTo(page, button('OK'));
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('パスワード再発行完了画面');
      expect(await outbox(h, { event: 'passwordReissued', recipient: shiro.email })).toHaveLength(1);
    });

    it('bulk delete and CSV出力 through their confirmation pages', async () => {
      const { admin, shiro, goro } = await operatorWithStaff(h);
      const page = await h.signIn(admin, { javaScriptEnabled: false });
      await page.goto('/users');
      await searchByName(page, '鍵盤');
      await tabTo(page, button('CSV出力'), { max: 60 });
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('ユーザ情報CSV出力確認画面');
      await tabTo(page, button('OK'));
      const [download] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
      expect(download.suggestedFilename()).toMatch(/^ユーザ情報一覧_\d{14}\.csv$/);
      await tabTo(page, link('キャンセル'), { back: true });
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('ユーザ情報一覧画面');

      for (const id of [shiro.userId, goro.userId]) {
        await tabTo(page, { role: 'checkbox', name: `${id}を選択` }, { max: 60 });
        await page.keyboard.press('Space');
      }
      await tabTo(page, button('一括削除'));
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('ユーザ情報一括削除確認画面');
      await tabTo(page, button('OK'));
      await pressAndWait(page, 'Enter');
      expect(await heading(page)).toBe('ユーザ情報一括削除完了画面');
      expect((await storedUser(h, shiro.userId)).deleted).toBe(1);
      expect((await storedUser(h, goro.userId)).deleted).toBe(1);
    });
  });
});
