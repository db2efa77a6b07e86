import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, snapshot, useHarness } from './harness.js';
import {
  actionLabels,
  button,
  castWithHanako,
  clickAndWait,
  createManualCast,
  detailRows,
  link,
  listRows,
  messages,
  openDetail,
  openUserManagement,
  pressWithDialog,
  search,
} from './manual-helpers.js';

const NO_HITS = 'error.search.noHits : 検索条件に該当するユーザ情報はありません。';

/** Manual ch. 3 ユーザ情報の照会: search, list, detail, CSV出力 (SPEC §4.1–§4.3). */
describe.skipIf(chromiumMissing)('ch. 3: search, list, detail and CSV export (Chromium)', () => {
  const h = useHarness();

  it('an admin reaches the list from the menu; the conditions narrow it as the manual shows', async () => {
    const { admin, operator, taro, hanako, ichiro, jiro, ids } = await castWithHanako(h);
    await openUserManagement(admin, 'menu');
    // ① The trail and the 事業者コード prefilled with the user's own.
    expect(await admin.locator('.breadcrumbs').textContent()).toMatch(
      /TOP.*参加登録.*ユーザ情報管理.*ユーザ情報一覧画面/,
    );
    expect(await admin.locator('#operatorCode').inputValue()).toBe(operator.operatorCode);

    // ②③ 検索 with no conditions: the cast's four users (its operator's only), in ユーザID order (D-9).
    await search(admin);
    const rows = await listRows(admin);
    expect(rows.map((r) => r[0])).toEqual(ids);
    expect(rows.find((r) => r[0] === hanako.userId)).toEqual([
      hanako.userId,
      '事業者 花子',
      '登録作業者(管理者)',
      operator.operatorCode,
      operator.operatorName,
      '有効',
      '未削除',
      '未設定',
    ]);
    expect(rows.find((r) => r[0] === jiro.userId)?.[2]).toBe('登録作業者(一般)');
    // The pager above and below the table, with the manual's wording.
    const pagers = await admin.locator('.pager-range').allTextContents();
    expect(pagers).toEqual(['1 - 4 件 (全4件)', '1 - 4 件 (全4件)']);
    expect(await admin.locator('.pager').first().textContent()).toMatch(
      /<< 最初.*< 前へ.*1.*次へ >.*最後 >>/,
    );
    expect(await actionLabels(admin)).toEqual(expect.arrayContaining(['新規登録', 'CSV出力', '一括削除']));
    await snapshot(admin, 'ch03-list');

    // ユーザ名 matches by substring: 事業者 is in every name.
    await search(admin, { userName: '事業者' });
    expect((await listRows(admin)).map((r) => r[0])).toEqual(ids);
    // …and ignores full/half width (D-8): a full-width space still finds 事業者 一郎,
    // whose name has a half-width one.
    await search(admin, { userName: '事業者　一郎' });
    expect((await listRows(admin)).map((r) => r[0])).toEqual([ichiro.userId]);
    expect(await admin.locator('.pager-range').first().textContent()).toBe('1 - 1 件 (全1件)');
    // ユーザID matches by prefix (D-8), also when typed in full width.
    await search(admin, { userId: 'Ｕ２８' });
    expect((await listRows(admin)).map((r) => r[0])).toEqual([taro.userId, hanako.userId]);

    // 有効/無効: every user of the cast is enabled, so 無効 alone finds nobody and 有効 finds all.
    await search(admin, { disabled: true });
    expect(await messages(admin, 'error')).toEqual([NO_HITS]);
    expect(await admin.locator('table.results').count()).toBe(0);
    await search(admin, { enabled: true });
    expect((await listRows(admin)).map((r) => r[0])).toEqual(ids);
    await search(admin, { enabled: true, disabled: true });
    expect((await listRows(admin)).map((r) => r[0])).toEqual(ids);

    // ⑥ No hits: the error at the top of ユーザ情報一覧画面, no table.
    await search(admin, { userName: '存在しない名前' });
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報一覧画面');
    expect(await messages(admin, 'error')).toEqual([NO_HITS]);
    expect(await admin.locator('table.results').count()).toBe(0);
    await snapshot(admin, 'ch03-no-hits');
  });

  it('the detail shows every field, and the buttons the admin may use; 戻る returns to the same results', async () => {
    const { admin, operator, hanako, jiro } = await castWithHanako(h);
    await openUserManagement(admin, 'links');
    await search(admin, { userName: '事業者' });

    // ④ An admin's own detail: ロック解除 only for a locked user, no 削除 for an admin.
    await openDetail(admin, hanako.userId);
    expect(await admin.locator('.breadcrumbs').textContent()).toMatch(
      /TOP.*参加登録.*ユーザ情報管理.*ユーザ情報一覧画面.*ユーザ情報詳細画面/,
    );
    const own = await detailRows(admin);
    expect(own).toMatchObject({
      ユーザID: hanako.userId,
      権限区分: '登録作業者(管理者)',
      事業者コード: operator.operatorCode,
      参加登録申請者名: operator.operatorName,
      所属部署: '総合エネルギー事業部',
      ユーザ名: '事業者 花子',
      メールアドレス: hanako.email,
    });
    expect(own['有効/無効']).toBe('有効');
    expect(own.適用開始日).toMatch(/^\d{4}\/\d{2}\/\d{2}$/);
    expect(own.適用終了日).toBe('9999/12/31');
    expect(own.ユーザロック).toBe('利用可能');
    expect(own.削除状態).toBe('未削除');
    const ownButtons = await actionLabels(admin);
    expect(ownButtons).toEqual(expect.arrayContaining(['パスワード再発行', 'パスワード変更', '変更']));
    expect(ownButtons).not.toContain('削除');
    expect(ownButtons).not.toContain('ユーザロック解除');
    await snapshot(admin, 'ch03-detail-own');

    // 戻る keeps the search (D-9: the conditions live in the URL).
    await clickAndWait(admin, link(admin, '戻る'));
    expect(new URL(admin.url()).searchParams.get('userName')).toBe('事業者');
    expect(await admin.locator('#userName').inputValue()).toBe('事業者');

    // A general user's detail seen by an admin: 削除 is offered, パスワード変更 is not (not own).
    await openDetail(admin, jiro.userId);
    const jiroDetail = await detailRows(admin);
    expect(jiroDetail.電話番号).toBe('03-1234-5678');
    expect(jiroDetail.権限区分).toBe('登録作業者(一般)');
    const jiroButtons = await actionLabels(admin);
    expect(jiroButtons).toEqual(expect.arrayContaining(['パスワード再発行', '変更', '削除']));
    expect(jiroButtons).not.toContain('パスワード変更');
    await snapshot(admin, 'ch03-detail-general');
  });

  it('CSV出力 asks first: キャンセル downloads nothing, OK downloads ユーザ情報一覧_….csv of all rows', async () => {
    const { admin, operator, jiro, ids } = await castWithHanako(h);
    await openUserManagement(admin, 'menu');
    await search(admin, { userName: '事業者' });
    // ⑤ キャンセル: the dialog closes and nothing is sent.
    let downloads = 0;
    admin.on('download', () => {
      downloads += 1;
    });
    const question = await pressWithDialog(admin, button(admin, 'CSV出力'), 'cancel');
    expect(question).toBe('ユーザ情報をCSV出力します。よろしいですか。');
    expect(downloads).toBe(0);

    // OK: the file of the current search.
    admin.once('dialog', (d) => void d.accept());
    const [download] = await Promise.all([admin.waitForEvent('download'), button(admin, 'CSV出力').click()]);
    expect(download.suggestedFilename()).toMatch(/^ユーザ情報一覧_\d{14}\.csv$/);
    const file = fs.readFileSync((await download.path())!);
    // UTF-8 with a BOM by default (D-10).
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = file.toString('utf8').slice(1).trim().split(/\r?\n/);
    expect(lines[0]).toBe(
      'ユーザID,権限区分,事業者コード,参加登録申請者名,所属部署,ユーザ名,電話番号,メールアドレス,有効/無効,適用開始日,適用終了日,ユーザロック,削除状態,二要素認証',
    );
    expect(lines).toHaveLength(5);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(ids);
    expect(lines.find((l) => l.startsWith(jiro.userId))).toContain(
      `登録作業者(一般),${operator.operatorCode},${operator.operatorName},総合エネルギー事業部,事業者 二郎,03-1234-5678,${jiro.email},有効`,
    );
    // The page stays the list: a download is not a new screen.
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報一覧画面');
    // And CSV出力 works again without a reload (no double-submit guard on a download).
    expect(await button(admin, 'CSV出力').isEnabled()).toBe(true);
    admin.once('dialog', (d) => void d.accept());
    const [again] = await Promise.all([admin.waitForEvent('download'), button(admin, 'CSV出力').click()]);
    expect(again.suggestedFilename()).toMatch(/^ユーザ情報一覧_\d{14}\.csv$/);
  });

  it('a general user reaches the list from the 参加登録 links, sees no 変更/削除, and may export', async () => {
    const { ichiro, jiro, ids } = await createManualCast(h);
    const general = await h.signIn(jiro);
    await openUserManagement(general, 'links');
    await search(general);
    expect((await listRows(general)).map((r) => r[0])).toEqual(ids);
    // SPEC §2: registration and (bulk) deletion are admins' only.
    const listButtons = await actionLabels(general);
    expect(listButtons).toContain('CSV出力');
    expect(listButtons).not.toContain('新規登録');
    expect(listButtons).not.toContain('一括削除');

    // Own detail: only パスワード変更.
    await openDetail(general, jiro.userId);
    expect(await actionLabels(general)).toEqual(['パスワード変更']);
    await snapshot(general, 'ch03-detail-as-general');
    await clickAndWait(general, link(general, '戻る'));

    // Another user's detail: read only.
    await openDetail(general, ichiro.userId);
    expect((await detailRows(general)).ユーザ名).toBe('事業者 一郎');
    expect(await actionLabels(general)).toEqual([]);

    // SPEC §2 row 6: CSV export is for general users too.
    await clickAndWait(general, link(general, '戻る'));
    general.once('dialog', (d) => void d.accept());
    const [download] = await Promise.all([
      general.waitForEvent('download'),
      button(general, 'CSV出力').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^ユーザ情報一覧_\d{14}\.csv$/);
    expect(fs.readFileSync((await download.path())!, 'utf8')).toContain(`${ichiro.userId},登録作業者(一般)`);
  });
});
