import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumMissing, snapshot, useHarness } from './harness.js';
import { reloadShowsTheSamePage } from './history.js';
import {
  button,
  type CastOverrides,
  castWithHanako,
  detailRows,
  follow,
  listedStates,
  messages,
  openDetail,
  openDetailFromMenu,
  openUserManagement,
  outbox,
  press,
  recordDialogs,
  search,
  selectBox,
  storedUser,
} from './manual-helpers.js';

/**
 * SPEC D-15: with JavaScript off, every flow of manual ch. 3–9 still works, each browser
 * dialog being replaced by a confirmation page of the server.
 */
describe.skipIf(chromiumMissing)('ch. 3–9 without JavaScript: confirmation pages (Chromium)', () => {
  const h = useHarness();
  const dialogs: string[][] = [];
  /** The manual's cast, 花子 signed in with JavaScript off. */
  async function castWithoutJs(overrides: CastOverrides = {}) {
    const cast = await castWithHanako(h, { javaScriptEnabled: false, overrides });
    // Without JavaScript no page can open a dialog; one would mean the flag is not honoured.
    dialogs.push(recordDialogs(cast.admin));
    return cast;
  }
  afterEach(() => {
    expect(dialogs.flat()).toEqual([]);
  });

  it('ch. 3: search, detail, and CSV出力 through its confirmation page (キャンセル, then OK)', async () => {
    const { admin, jiro } = await castWithoutJs();
    const JIRO = jiro.userId;
    await openUserManagement(admin, 'menu');
    await search(admin, { userName: '事業者' });
    expect(await admin.locator('.pager-range').first().textContent()).toBe('1 - 4 件 (全4件)');
    await openDetail(admin, JIRO);
    expect((await detailRows(admin)).ユーザ名).toBe('事業者 二郎');
    await follow(admin, '戻る');

    // CSV出力 → ユーザ情報CSV出力確認画面; キャンセル returns to the same list.
    await press(admin, 'CSV出力');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報CSV出力確認画面');
    expect(await messages(admin, 'info')).toEqual([
      'info.csv.confirm : ユーザ情報をCSV出力します。よろしいですか。',
    ]);
    await snapshot(admin, 'nojs-csv-confirm');
    await follow(admin, 'キャンセル');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報一覧画面');
    expect(await admin.locator('#userName').inputValue()).toBe('事業者');

    // OK downloads the file of that search.
    await press(admin, 'CSV出力');
    const [download] = await Promise.all([admin.waitForEvent('download'), button(admin, 'OK').click()]);
    expect(download.suggestedFilename()).toMatch(/^ユーザ情報一覧_\d{14}\.csv$/);
    const lines = fs
      .readFileSync((await download.path())!, 'utf8')
      .trim()
      .split(/\r?\n/);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain('ユーザID,権限区分,事業者コード');
  });

  it('ch. 4: register → 確認 → 戻る → 確認 → 実行 → completion', async () => {
    const { admin, hanako } = await castWithoutJs();
    const SABURO = {
      department: '需給調整部',
      userName: '事業者 三郎',
      email: hanako.email.replace(/^hanako@/, 'saburo@'),
    };
    await openUserManagement(admin, 'links');
    await follow(admin, '新規登録');
    await admin.locator('#department').fill(SABURO.department);
    await admin.locator('#userName').fill(SABURO.userName);
    await admin.locator('#email').fill(SABURO.email);
    await press(admin, '確認');
    expect(await messages(admin, 'info')).toEqual([
      'info.regist.confirm : 下記の情報で登録します。よろしいですか。',
    ]);
    await press(admin, '戻る');
    expect(await admin.locator('#userName').inputValue()).toBe(SABURO.userName);
    await press(admin, '確認');
    await press(admin, '実行');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録完了画面');
    const saburoId = (await detailRows(admin)).ユーザID!;
    expect(saburoId).toMatch(/^U\d{9}$/);
    expect(await outbox(h, { event: 'registered', recipient: SABURO.email })).toHaveLength(1);
  });

  it('ch. 5: change → 確認 → 実行 → completion; the detail shows the change', async () => {
    const { admin, jiro } = await castWithoutJs();
    await openDetailFromMenu(admin, jiro.userId, { userName: '二郎' });
    await follow(admin, '変更');
    await admin.locator('#department').fill('需給管理部');
    await press(admin, '確認');
    expect(await messages(admin, 'info')).toEqual([
      'info.update.confirm : 下記の情報で変更します。よろしいですか。',
    ]);
    expect((await detailRows(admin)).所属部署).toBe('需給管理部');
    await press(admin, '実行');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更完了画面');
    await follow(admin, 'ユーザ情報詳細画面へ');
    expect((await detailRows(admin)).所属部署).toBe('需給管理部');
  });

  it('ch. 6: 削除 → 実行 → ユーザ情報削除確認画面: キャンセル deletes nothing, OK deletes', async () => {
    const { admin, jiro } = await castWithoutJs();
    const JIRO = jiro.userId;
    await openDetailFromMenu(admin, JIRO, { userName: '二郎' });
    await follow(admin, '削除');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報削除画面');
    // 実行 on the delete screen: without the dialog, the server's confirmation page asks.
    await press(admin, '実行');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報削除確認画面');
    expect(await messages(admin, 'info')).toEqual([
      'info.delete.confirm : 下記のユーザ情報を削除します。よろしいですか。',
    ]);
    await snapshot(admin, 'nojs-delete-confirm');
    expect((await storedUser(h, JIRO)).deleted).toBe(0);
    // The page stands in for the dialog (D-15): キャンセル and OK.
    await follow(admin, 'キャンセル');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報詳細画面');
    expect((await storedUser(h, JIRO)).deleted).toBe(0);

    await follow(admin, '削除');
    await press(admin, '実行');
    await press(admin, 'OK');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報削除完了画面');
    expect((await storedUser(h, JIRO)).deleted).toBe(1);
  });

  it('ch. 8: ユーザロック解除 → ユーザロック解除確認画面: キャンセル leaves the lock, OK unlocks', async () => {
    const { admin, ichiro } = await castWithoutJs({ ichiro: { locked: true } });
    const ICHIRO = ichiro.userId;
    await openDetailFromMenu(admin, ICHIRO);
    expect((await detailRows(admin)).ユーザロック).toBe('ロック中');
    await press(admin, 'ユーザロック解除');
    expect(await admin.locator('h1').textContent()).toBe('ユーザロック解除確認画面');
    expect(await messages(admin, 'info')).toEqual([
      'info.unlock.confirm : ユーザロックを解除します。よろしいですか。',
    ]);
    await follow(admin, 'キャンセル');
    expect((await storedUser(h, ICHIRO)).locked).toBe(1);
    await press(admin, 'ユーザロック解除');
    await press(admin, 'OK');
    expect(await admin.locator('h1').textContent()).toBe('ユーザロック解除完了画面');
    expect((await detailRows(admin)).ユーザロック).toBe('利用可能');
    expect((await storedUser(h, ICHIRO)).locked).toBe(0);
    // The completion is a GET of its own (PRG) without JavaScript too: a reload shows it again.
    expect(new URL(admin.url()).pathname).toBe(`/users/${ICHIRO}/unlock/done`);
    await reloadShowsTheSamePage(admin, 'ユーザロック解除完了画面');
    expect(await outbox(h, { event: 'unlocked', recipient: ichiro.email })).toHaveLength(1);
  });

  it('ch. 9: パスワード再発行 → パスワード再発行確認画面: キャンセル issues nothing, OK reissues', async () => {
    const { admin, hanako, ichiro } = await castWithoutJs();
    const ICHIRO = ichiro.userId;
    await openDetailFromMenu(admin, ICHIRO);
    await press(admin, 'パスワード再発行');
    expect(await admin.locator('h1').textContent()).toBe('パスワード再発行確認画面');
    expect(await messages(admin, 'info')).toEqual([
      'info.reissue.confirm : パスワードを再発行します。よろしいですか。',
    ]);
    await follow(admin, 'キャンセル');
    expect(await outbox(h, { event: 'passwordReissued', recipient: [ichiro.email, hanako.email] })).toEqual(
      [],
    );
    await press(admin, 'パスワード再発行');
    await press(admin, 'OK');
    expect(await admin.locator('h1').textContent()).toBe('パスワード再発行完了画面');
    expect(await outbox(h, { event: 'passwordReissued', recipient: ichiro.email })).toHaveLength(1);
  });

  it('ch. 7: 一括削除 → ユーザ情報一括削除確認画面: キャンセル deletes nothing, OK deletes; an admin ticked is refused', async () => {
    const { admin, taro, ichiro, jiro } = await castWithoutJs();
    const [TARO, ICHIRO, JIRO] = [taro.userId, ichiro.userId, jiro.userId];
    // An admin among the ticked: refused before any confirmation, nothing deleted.
    await openUserManagement(admin, 'menu');
    await search(admin);
    await selectBox(admin, TARO).check();
    await selectBox(admin, JIRO).check();
    await press(admin, '一括削除');
    const refusal = (await messages(admin, 'error')).join();
    expect(refusal).toMatch(/^error\.bulkDelete\.blocked : /);
    expect(refusal).toContain(TARO);
    expect((await storedUser(h, JIRO)).deleted).toBe(0);

    await openUserManagement(admin, 'menu');
    await search(admin);
    await selectBox(admin, ICHIRO).check();
    await selectBox(admin, JIRO).check();
    await press(admin, '一括削除');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報一括削除確認画面');
    expect(await messages(admin, 'info')).toEqual([
      'info.bulkDelete.confirm : 選択したユーザ情報（2件）を一括削除します。よろしいですか。',
    ]);
    const listed = await admin.locator('table.results tbody tr td:first-child').allTextContents();
    expect(listed.sort()).toEqual([ICHIRO, JIRO].sort());
    // Without JavaScript too, the table scrolls in a box of its own that Tab reaches.
    const box = admin.getByRole('region', { name: '一括削除するユーザ情報' });
    expect(await box.getAttribute('class')).toBe('table-scroll');
    expect(await box.getAttribute('tabindex')).toBe('0');
    expect(await box.locator('table.results').count()).toBe(1);
    await snapshot(admin, 'nojs-bulk-delete-confirm');
    await follow(admin, 'キャンセル');
    expect((await storedUser(h, ICHIRO)).deleted).toBe(0);

    await search(admin);
    await selectBox(admin, ICHIRO).check();
    await selectBox(admin, JIRO).check();
    await press(admin, '一括削除');
    await press(admin, 'OK');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報一括削除完了画面');
    await openUserManagement(admin, 'menu');
    await search(admin, { showDeleted: true });
    expect(await listedStates(admin)).toMatchObject({
      [ICHIRO]: '削除済',
      [JIRO]: '削除済',
      [TARO]: '未削除',
    });
  });
});
