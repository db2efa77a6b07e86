import { describe, expect, it } from 'vitest';
import { chromiumMissing, snapshot, useHarness } from './harness.js';
import { backToExecutedConfirmation, backToForm } from './history.js';
import {
  actionLabels,
  castWithHanako,
  detailRows,
  fillPhone,
  follow,
  messages,
  openDetailFromMenu,
  outbox,
  press,
  storedUser,
} from './manual-helpers.js';

const STALE =
  'error.user.staleUpdate : ほかの操作によりユーザ情報が更新されています。入力内容はそのままです。各項目の現在の値を確認し、必要なら修正してから、もう一度[確認]をクリックしてください。';

/** Manual ch. 5 ユーザ情報の変更 (SPEC §4.5). */
describe.skipIf(chromiumMissing)('ch. 5: change a user (Chromium)', () => {
  const h = useHarness();

  it('detail → 変更 → 確認 shows the new values → 戻る keeps them → 実行 → completion; the detail shows them', async () => {
    const { admin, operator, hanako, ichiro } = await castWithHanako(h);
    const ICHIRO = ichiro.userId;
    // ①–④ menu, search, the ユーザID, then [変更] at the bottom right of the detail.
    await openDetailFromMenu(admin, ICHIRO);
    await follow(admin, '変更');

    // ⑤ ユーザ情報変更画面: ユーザID, 権限区分, 事業者コード, 参加登録申請者名 read-only.
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更画面');
    expect(await admin.locator('.breadcrumbs').textContent()).toMatch(
      /ユーザ情報一覧画面.*ユーザ情報詳細画面.*ユーザ情報変更画面/,
    );
    expect(await admin.locator('form.form td > span').allTextContents()).toEqual([
      ICHIRO,
      '登録作業者(一般)',
      operator.operatorCode,
      operator.operatorName,
    ]);
    expect(await admin.locator('#department').inputValue()).toBe('総合エネルギー事業部');
    expect(await admin.locator('input[name="phone2"]').inputValue()).toBe('1234');
    expect(await admin.locator('#enabled').isChecked()).toBe(true);
    expect(await admin.locator('#validTo').inputValue()).toBe('9999/12/31');

    // The form's [戻る] abandons the change: back on the detail, nothing changed.
    await admin.locator('#department').fill('捨てる値');
    await follow(admin, '戻る');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報詳細画面');
    expect((await detailRows(admin)).所属部署).toBe('総合エネルギー事業部');

    // ⑤ change 所属部署 and 電話番号, [確認] → ⑥ ユーザ情報変更確認画面.
    await follow(admin, '変更');
    await admin.locator('#department').fill('需給管理部');
    await fillPhone(admin, ['06', '1111', '2222']);
    await press(admin, '確認');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更確認画面');
    expect(await messages(admin, 'info')).toEqual([
      'info.update.confirm : 下記の情報で変更します。よろしいですか。',
    ]);
    const confirmed = await detailRows(admin);
    expect(confirmed).toMatchObject({
      ユーザID: ICHIRO,
      所属部署: '需給管理部',
      ユーザ名: '事業者 一郎',
      電話番号: '06-1111-2222',
      メールアドレス: ichiro.email,
      '有効/無効': '有効',
      適用終了日: '9999/12/31',
    });
    await snapshot(admin, 'ch05-change-confirm');

    // ⑥ [戻る]: the form with the new values; nothing saved yet.
    await press(admin, '戻る');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更画面');
    expect(await admin.locator('#department').inputValue()).toBe('需給管理部');
    expect(await admin.locator('input[name="phone1"]').inputValue()).toBe('06');
    expect((await storedUser(h, ICHIRO)).department).toBe('総合エネルギー事業部');

    // ⑤→⑥→ [実行] → ⑧ completion.
    await press(admin, '確認');
    await press(admin, '実行');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更完了画面');
    expect((await messages(admin, 'info'))[0]).toBe(
      'info.update.complete : ユーザ情報の変更が完了しました。',
    );
    expect(await detailRows(admin)).toMatchObject({ 所属部署: '需給管理部', 電話番号: '06-1111-2222' });
    await snapshot(admin, 'ch05-change-complete');

    // The detail, reached again from the completion screen, shows the new values.
    await follow(admin, 'ユーザ情報詳細画面へ');
    expect(await detailRows(admin)).toMatchObject({
      ユーザID: ICHIRO,
      所属部署: '需給管理部',
      電話番号: '06-1111-2222',
    });
    // Manual ch. 5 ⑧: the user and the acting admin are told by mail.
    const mails = await outbox(h, { event: 'changed' });
    expect(mails.map((m) => m.recipient)).toEqual(expect.arrayContaining([ichiro.email, hanako.email]));
  });

  it('a change made by someone else after the form was shown is refused (no lost update), the newer values shown beside the typed ones', async () => {
    const { admin, taro, jiro } = await castWithHanako(h);
    const JIRO = jiro.userId;
    // 花子 opens 二郎's form and gets as far as the confirmation…
    await openDetailFromMenu(admin, JIRO);
    await follow(admin, '変更');
    await admin.locator('#department').fill('花子の入力した部署');
    await press(admin, '確認');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更確認画面');

    // …while 太郎, in another browser, changes 二郎's name and executes first.
    const other = await h.signIn(taro);
    await other.goto(`/users/${JIRO}`);
    await follow(other, '変更');
    await other.locator('#userName').fill('事業者 次郎');
    await press(other, '確認');
    await press(other, '実行');
    expect(await other.locator('h1').textContent()).toBe('ユーザ情報変更完了画面');

    // 花子's 実行 is refused with a message; 太郎's change stands, hers is not applied.
    await press(admin, '実行');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更画面');
    expect(await messages(admin, 'error')).toEqual([STALE]);
    // The form again: what she typed kept, the name 太郎 stored beside the name field.
    expect(await admin.locator('#department').inputValue()).toBe('花子の入力した部署');
    expect(await admin.locator('#userName-hint').textContent()).toContain('現在の値: 事業者 次郎');
    expect(await admin.locator('#department-hint').textContent()).toContain('現在の値: 総合エネルギー事業部');
    expect(await admin.locator('#email-hint').textContent()).not.toContain('現在の値');
    await snapshot(admin, 'ch05-change-stale');
    await admin.goto(`/users/${JIRO}`);
    expect(await detailRows(admin)).toMatchObject({
      ユーザ名: '事業者 次郎',
      所属部署: '総合エネルギー事業部',
    });

    // The same when the other change lands between the form and 確認.
    await follow(admin, '変更');
    await admin.locator('#department').fill('花子の二度目の部署');
    await other.goto(`/users/${JIRO}/change`);
    await fillPhone(other, ['011', '222', '3333']);
    await press(other, '確認');
    await press(other, '実行');
    await press(admin, '確認');
    expect(await messages(admin, 'error')).toEqual([STALE]);
    expect(await admin.locator('#phone1-hint').textContent()).toContain('現在の値: 011-222-3333');
    // She takes the newer phone, keeps her department, and goes through deliberately.
    await fillPhone(admin, ['011', '222', '3333']);
    await press(admin, '確認');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更確認画面');
    await press(admin, '実行');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更完了画面');
    await admin.goto(`/users/${JIRO}`);
    expect(await detailRows(admin)).toMatchObject({
      ユーザ名: '事業者 次郎',
      所属部署: '花子の二度目の部署',
      電話番号: '011-222-3333',
    });
    expect(await actionLabels(admin)).toContain('変更');
  });

  for (const javaScriptEnabled of [true, false]) {
    it(`back from the completion shows the confirmation (a GET, no resubmission prompt), back again the form (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const { admin, ichiro } = await castWithHanako(h, { javaScriptEnabled });
      const ICHIRO = ichiro.userId;
      const department = javaScriptEnabled ? '戻る確認部' : '戻る確認課';
      await openDetailFromMenu(admin, ICHIRO);
      await follow(admin, '変更');
      await admin.locator('#department').fill(department);
      await press(admin, '確認');
      const confirmation = new URL(admin.url());
      expect(confirmation.pathname).toBe(`/users/${ICHIRO}/change/confirm`);
      expect(decodeURIComponent(confirmation.href)).not.toContain(department);
      expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更確認画面');
      await press(admin, '実行');
      expect(await admin.locator('h1').textContent()).toBe('ユーザ情報変更完了画面');

      await backToExecutedConfirmation(admin, confirmation, 'ユーザ情報変更確認画面');
      expect((await detailRows(admin)).所属部署).toBe(department);
      await snapshot(admin, `ch05-change-confirm-after-back-js-${javaScriptEnabled ? 'on' : 'off'}`);

      await backToForm(admin, `/users/${ICHIRO}/change`, 'ユーザ情報変更画面');
      expect((await storedUser(h, ICHIRO)).department).toBe(department);
    });
  }
});
