import crypto from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { User } from '../../src/features/users/model.js';
import { findUser } from '../../src/features/users/repository.js';
import {
  createOperator,
  createUser,
  type FactoryContext,
  type TestOperator,
  type UserValues,
} from '../helpers/factories.js';
import { type ContextOptions, type Harness, submitLogin } from './harness.js';

/**
 * Steps the manual repeats in every chapter (3–9): reach ユーザ情報管理, search, open a
 * detail, read the screens' tables and messages, answer the browser's dialog, and read
 * the mail outbox; and the manual's cast of users, made afresh for each test.
 */

export interface ManualCast {
  operator: TestOperator;
  /** 事業者 太郎 and 事業者 花子, 登録作業者(管理者); 花子 is the manual's operator. */
  taro: User;
  hanako: User;
  /** 事業者 一郎 and 事業者 二郎, 登録作業者(一般). */
  ichiro: User;
  jiro: User;
  /** The four ユーザID in the list's order (D-9). */
  ids: string[];
}

/** What differs from the manual's cast, by person: `{ ichiro: { locked: true } }`. */
export type CastOverrides = Partial<Record<'taro' | 'hanako' | 'ichiro' | 'jiro', Omit<UserValues, 'role'>>>;

/**
 * The manual's cast (ch. 3–9) under a new operator of its own: its two admins 事業者 太郎
 * and 事業者 花子 and the general users 事業者 一郎 and 事業者 二郎, each with the known
 * password `DEFAULT_PASSWORD`. Their IDs keep the manual's shape: both admins start with
 * U28 and sort between 二郎 (U04…) and 一郎 (U52…).
 */
export async function createManualCast(
  ctx: FactoryContext,
  overrides: CastOverrides = {},
): Promise<ManualCast> {
  const operator = await createOperator(ctx);
  const domain = `operator${operator.operatorCode.toLowerCase()}.example`;
  let ids: [string, string, string, string];
  do {
    const n = String(crypto.randomInt(1_000_000)).padStart(6, '0');
    ids = [`U28${n}3`, `U28${n}4`, `U52${n}3`, `U04${n}4`];
  } while ((await Promise.all(ids.map((id) => findUser(ctx.store.db, id)))).some(Boolean));
  const person = (i: number, userName: string, who: keyof CastOverrides, extra: UserValues) =>
    createUser(ctx, {
      operatorCode: operator.operatorCode,
      userId: ids[i],
      userName,
      department: '総合エネルギー事業部',
      email: `${who}@${domain}`,
      ...extra,
      ...overrides[who],
    });
  const general = { role: 'general', phone: '03-1234-5678' } as const;
  const cast = {
    operator,
    taro: await person(0, '事業者 太郎', 'taro', { role: 'admin' }),
    hanako: await person(1, '事業者 花子', 'hanako', { role: 'admin' }),
    ichiro: await person(2, '事業者 一郎', 'ichiro', general),
    jiro: await person(3, '事業者 二郎', 'jiro', general),
  };
  return { ...cast, ids: [...ids].sort() };
}

/** The manual's cast of a new operator, with 花子 (its admin, as in the manual) signed in on `admin`. */
export async function castWithHanako(
  h: Harness,
  options: ContextOptions & { overrides?: CastOverrides } = {},
): Promise<ManualCast & { admin: Page }> {
  const cast = await createManualCast(h, options.overrides);
  return { ...cast, admin: await h.signIn(cast.hanako, options) };
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

/** Presses a button of the main area by its exact label and waits for the page it loads. */
export async function press(page: Page, name: string): Promise<void> {
  await clickAndWait(page, button(page, name));
}

/** Follows a link of the main area by its exact label and waits for the page it loads. */
export async function follow(page: Page, name: string): Promise<void> {
  await clickAndWait(page, link(page, name));
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
    await follow(page, 'ユーザ情報管理');
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
  await press(page, '検索');
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

/** Manual steps ①–③: ユーザ情報管理 from the menu, a search (by the ユーザID unless given), the user's detail. */
export async function openDetailFromMenu(
  page: Page,
  userId: string,
  conditions: Conditions = { userId },
): Promise<void> {
  await openUserManagement(page, 'menu');
  await search(page, conditions);
  await openDetail(page, userId);
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

/** Records the message of each dialog the page opens, dismissing it: for pages where none may open. */
export function recordDialogs(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return dialogs;
}

export interface OutboxRow {
  id: number;
  event: string;
  recipient: string;
  subject: string;
  body: string;
}

/** The mails queued in the outbox (SPEC §5), oldest first; the harness runs no mail worker. */
export async function outbox(h: Harness, where: { event?: string; recipient?: string | string[] } = {}) {
  let q = h.store.db.selectFrom('mail_outbox').select(['id', 'event', 'recipient', 'subject', 'body']);
  if (where.event) q = q.where('event', '=', where.event);
  if (where.recipient) q = q.where('recipient', 'in', [where.recipient].flat());
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
  const page = await h.newPage();
  for (let i = 0; i < 5; i++) {
    await page.goto('/login');
    await submitLogin(page, userId, `not the password ${i}`);
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
  const page = await h.newPage();
  await page.goto('/login');
  await submitLogin(page, userId, password);
  return { page, path: new URL(page.url()).pathname, errors: await messages(page, 'error') };
}

/** The 選択 box of a user's row in ユーザ情報一覧画面. */
export function selectBox(page: Page, userId: string): Locator {
  return page.locator(`table.results input[name="userIds"][value="${userId}"]`);
}

/** The three parts of 電話番号 on the register and change forms. */
export async function fillPhone(page: Page, parts: readonly [string, string, string]): Promise<void> {
  for (const [i, part] of parts.entries()) await page.locator(`input[name="phone${i + 1}"]`).fill(part);
}

/** A user's row as stored, to check what a screen did. */
export async function storedUser(h: Harness, userId: string) {
  return h.store.db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
}

/** The deleted users of an operator, by ユーザID. */
export async function deletedIds(h: Harness, operatorCode: string): Promise<string[]> {
  const rows = await h.store.db
    .selectFrom('users')
    .select('user_id')
    .where('operator_code', '=', operatorCode)
    .where('deleted', '=', 1)
    .execute();
  return rows.map((r) => r.user_id).sort();
}
