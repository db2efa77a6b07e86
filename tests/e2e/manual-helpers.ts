import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { type Harness, logIn } from './harness.js';

/**
 * Steps the manual repeats in every chapter (3–9): reach ユーザ情報管理, search, open a
 * detail, read the screens' tables and messages, answer the browser's dialog, and read
 * the mail outbox. Built only on the harness's exports and the pages' visible structure.
 */

/** The manual's demo users (operator 0001 株式会社0001). */
export const TARO = 'U280003303'; // 事業者 太郎, 登録作業者(管理者)
export const HANAKO = 'U280003304'; // 事業者 花子, 登録作業者(管理者): the manual's operator
export const ICHIRO = 'U520008303'; // 事業者 一郎, 登録作業者(一般)
export const JIRO = 'U040008304'; // 事業者 二郎, 登録作業者(一般)

/** A fresh browser context signed in as a demo user (first login: through the forced change). */
export async function signedInPage(
  h: Harness,
  userId: string,
  options: { javaScriptEnabled?: boolean } = {},
): Promise<Page> {
  const page = await (await h.newContext(options)).newPage();
  await logIn(page, userId, h.demo.get(userId)!.temporaryPassword);
  expect(new URL(page.url()).pathname).toBe('/');
  return page;
}

/** Clicks something that loads a new page and waits for that page. */
export async function clickAndWait(page: Page, target: Locator): Promise<void> {
  await Promise.all([page.waitForNavigation({ waitUntil: 'domcontentloaded' }), target.click()]);
}

/** A button of the page's main area by its exact label (the header also has ログアウト). */
export function button(page: Page, name: string): Locator {
  return page.locator('main').getByRole('button', { name, exact: true });
}

/** A link of the page's main area by its exact label. */
export function link(page: Page, name: string): Locator {
  return page.locator('main').getByRole('link', { name, exact: true });
}

/**
 * Manual step ①: from TOP, [ユーザ情報管理] in the menu at the top left, or in the link
 * page of 参加登録 (reached from the menu's 参加登録).
 */
export async function openUserManagement(page: Page, via: 'menu' | 'links'): Promise<void> {
  await page.goto('/');
  const menu = page.locator('nav.menu');
  await menu.locator('summary').click();
  if (via === 'menu') {
    await clickAndWait(page, menu.getByRole('link', { name: 'ユーザ情報管理' }));
  } else {
    await clickAndWait(page, menu.getByRole('link', { name: '参加登録' }));
    expect(await page.locator('h1').textContent()).toBe('参加登録');
    await clickAndWait(page, link(page, 'ユーザ情報管理'));
  }
  expect(new URL(page.url()).pathname).toBe('/users');
  expect(await page.locator('h1').textContent()).toBe('ユーザ情報一覧画面');
}

export interface Conditions {
  userId?: string;
  userName?: string;
  /** The 有効 and 無効 boxes; unset leaves both unticked (both states). */
  enabled?: boolean;
  disabled?: boolean;
  showDeleted?: boolean;
}

/** Manual step ②: enter the conditions and press [検索]. */
export async function search(page: Page, c: Conditions = {}): Promise<void> {
  // The search form only: the CSV form below carries the same names as hidden fields.
  const form = page.locator('form.search-form');
  await form.locator('#userId').fill(c.userId ?? '');
  await form.locator('#userName').fill(c.userName ?? '');
  await form.locator('input[type="checkbox"][name="enabled"][value="1"]').setChecked(c.enabled ?? false);
  await form.locator('input[type="checkbox"][name="enabled"][value="0"]').setChecked(c.disabled ?? false);
  await form.locator('#showDeleted').setChecked(c.showDeleted ?? false);
  await clickAndWait(page, button(page, '検索'));
}

/** The result rows of ユーザ情報一覧画面: the cells after 選択, in the manual's columns. */
export async function listRows(page: Page): Promise<string[][]> {
  const rows = page.locator('table.results tbody tr');
  const out: string[][] = [];
  for (let i = 0; i < (await rows.count()); i++) {
    // The 選択 column is an admin's only (general users cannot bulk delete).
    const cells = await rows.nth(i).locator('td:not(.col-select)').allTextContents();
    out.push(cells.map((c) => c.trim()));
  }
  return out;
}

/** ユーザID → 削除状態 of the listed rows. */
export async function listedStates(page: Page): Promise<Record<string, string>> {
  return Object.fromEntries((await listRows(page)).map((r) => [r[0]!, r[6]!]));
}

/** Manual step ③: click the ユーザID in the list to open ユーザ情報詳細画面. */
export async function openDetail(page: Page, userId: string): Promise<void> {
  await clickAndWait(page, page.locator('table.results').getByRole('link', { name: userId, exact: true }));
  expect(await page.locator('h1').textContent()).toBe('ユーザ情報詳細画面');
}

/** The label → value rows of a detail, confirmation or completion screen. */
export async function detailRows(page: Page): Promise<Record<string, string>> {
  const labels = await page.locator('table.detail th').allTextContents();
  const values = await page.locator('table.detail td').allTextContents();
  return Object.fromEntries(labels.map((l, i) => [l.trim(), (values[i] ?? '').trim()]));
}

/** The messages at the top of the screen as shown (`ID : text`), whitespace normalised. */
export async function messages(page: Page, kind: 'info' | 'error'): Promise<string[]> {
  const lines = await page.locator(`.messages-${kind} li`).allTextContents();
  return lines.map((l) => l.replace(/\s+/g, ' ').trim());
}

/** The labels of the buttons (and button-like links) in the main area's action rows (not 戻る below them). */
export async function actionLabels(page: Page): Promise<string[]> {
  const labels = await page.locator('main .actions').locator('button, a.button').allTextContents();
  return labels.map((l) => l.trim());
}

/**
 * Presses a button that asks in the browser's dialog (public/app.js) and answers it:
 * OK (accept) or キャンセル (dismiss). Returns the dialog's question. With OK the form
 * is sent and the next page is awaited; with キャンセル nothing may be sent.
 */
export async function pressWithDialog(page: Page, target: Locator, answer: 'ok' | 'cancel'): Promise<string> {
  let question = '';
  let type = '';
  page.once('dialog', (dialog) => {
    question = dialog.message();
    type = dialog.type();
    void (answer === 'ok' ? dialog.accept() : dialog.dismiss());
  });
  if (answer === 'ok') {
    await clickAndWait(page, target);
  } else {
    const before = page.url();
    await target.click();
    // Give a wrongly sent form the time to start loading before looking.
    await page.waitForTimeout(300);
    expect(page.url()).toBe(before);
  }
  expect(type).toBe('confirm');
  return question;
}

export interface OutboxRow {
  id: number;
  event: string;
  recipient: string;
  subject: string;
  body: string;
}

/** The mails queued in the outbox (SPEC §5), oldest first; the harness runs no mail worker. */
export async function outbox(h: Harness, where: { event?: string; recipient?: string } = {}) {
  let q = h.store.db.selectFrom('mail_outbox').select(['id', 'event', 'recipient', 'subject', 'body']);
  if (where.event) q = q.where('event', '=', where.event);
  if (where.recipient) q = q.where('recipient', '=', where.recipient);
  return (await q.orderBy('id').execute()) as OutboxRow[];
}

/** The temporary password a mail carries (`仮パスワード: XXXXXXXXXXXXXXXX`). */
export function temporaryPasswordIn(body: string): string {
  const match = /^仮パスワード: (\S+)$/m.exec(body);
  if (!match) throw new Error(`no temporary password in the mail:\n${body}`);
  return match[1]!;
}

/** Five wrong passwords in a context of its own lock the user (SPEC §4.11). */
export async function lockByWrongPasswords(h: Harness, userId: string): Promise<void> {
  const page = await (await h.newContext()).newPage();
  for (let i = 0; i < 5; i++) {
    await page.goto('/login');
    await page.getByLabel('ユーザID').fill(userId);
    await page.getByLabel('パスワード', { exact: true }).fill(`not the password ${i}`);
    await clickAndWait(page, page.getByRole('button', { name: 'ログイン' }));
    expect((await messages(page, 'error')).join()).toContain('ユーザIDまたはパスワードが正しくありません');
  }
  await page.close();
}

/** Tries a login in a fresh context; returns where it ended and the error shown, if any. */
export async function tryLogin(
  h: Harness,
  userId: string,
  password: string,
): Promise<{ page: Page; path: string; errors: string[] }> {
  const page = await (await h.newContext()).newPage();
  await page.goto('/login');
  await page.getByLabel('ユーザID').fill(userId);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await clickAndWait(page, page.getByRole('button', { name: 'ログイン' }));
  return { page, path: new URL(page.url()).pathname, errors: await messages(page, 'error') };
}
