import { describe, expect, it } from 'vitest';
import { chromiumMissing, snapshot, useHarness } from './harness.js';
import {
  button,
  castWithHanako,
  deletedIds,
  detailRows,
  listedStates,
  messages,
  openUserManagement,
  pressWithDialog,
  search,
  selectBox,
} from './manual-helpers.js';

/** The dialog names how many users are ticked. */
const question = (count: number) => `選択したユーザ情報（${count}件）を一括削除します。よろしいですか。`;

/** Manual ch. 7 ユーザ情報の一括削除 (SPEC §4.7, D-11: all or nothing). */
describe.skipIf(chromiumMissing)('ch. 7: bulk delete (Chromium)', () => {
  const h = useHarness();

  it('the header box ticks every row; with the admins among them the bulk delete is refused, naming them, and deletes nothing', async () => {
    const { admin, operator, taro, hanako, ichiro, ids } = await castWithHanako(h);
    const [TARO, HANAKO, ICHIRO] = [taro.userId, hanako.userId, ichiro.userId];
    await openUserManagement(admin, 'menu');
    await search(admin);
    // ③ The header's [選択] ticks every row of the list.
    await admin.locator('table.results input[data-select-all]').check();
    for (const id of ids) expect(await selectBox(admin, id).isChecked()).toBe(true);
    await snapshot(admin, 'ch07-all-ticked');

    // ④ [一括削除] → OK → ⑤ refused: the admins cannot be deleted, so nobody is.
    const asked = await pressWithDialog(admin, button(admin, '一括削除'), 'ok');
    expect(asked).toBe(question(4));
    const errors = await messages(admin, 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error\.bulkDelete\.blocked : 次のユーザ情報は削除できないため、一括削除を中止しました: /,
    );
    expect(errors[0]).toContain(TARO);
    expect(errors[0]).toContain(HANAKO);
    expect(errors[0]).not.toContain(ICHIRO);
    await snapshot(admin, 'ch07-refused');
    expect(await deletedIds(h, operator.operatorCode)).toEqual([]);
  });

  it('the refusal shows at the top of ユーザ情報一覧画面 (manual ch. 7 ⑤), here with one admin ticked by hand', async () => {
    const { admin, operator, taro, ichiro } = await castWithHanako(h);
    const [TARO, ICHIRO] = [taro.userId, ichiro.userId];
    await openUserManagement(admin, 'menu');
    await search(admin);
    await selectBox(admin, ICHIRO).check();
    await selectBox(admin, TARO).check();
    await pressWithDialog(admin, button(admin, '一括削除'), 'ok');
    const errors = await messages(admin, 'error');
    expect(errors[0]).toContain(TARO);
    expect(errors[0]).not.toContain(ICHIRO);
    expect(await deletedIds(h, operator.operatorCode)).toEqual([]);
    // The manual: 「ユーザ情報一覧画面上部にエラーメッセージが出力されます」.
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報一覧画面');
  });

  it('two general users ticked → 一括削除 → キャンセル changes nothing → OK → completion; both 削除済', async () => {
    const { admin, operator, taro, hanako, ichiro, jiro } = await castWithHanako(h);
    const [TARO, HANAKO, ICHIRO, JIRO] = [taro.userId, hanako.userId, ichiro.userId, jiro.userId];
    await openUserManagement(admin, 'links');
    await search(admin);
    await selectBox(admin, ICHIRO).check();
    await selectBox(admin, JIRO).check();

    // ④ キャンセル: nothing is sent, the boxes stay ticked.
    await pressWithDialog(admin, button(admin, '一括削除'), 'cancel');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報一覧画面');
    expect(await selectBox(admin, JIRO).isChecked()).toBe(true);
    expect(await deletedIds(h, operator.operatorCode)).toEqual([]);

    // ④ OK → ⑥ the completion screen with the two users.
    await pressWithDialog(admin, button(admin, '一括削除'), 'ok');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報一括削除完了画面');
    expect((await messages(admin, 'info'))[0]).toBe(
      'info.bulkDelete.complete : ユーザ情報の一括削除が完了しました（2件）。',
    );
    expect(await detailRows(admin)).toEqual({ [ICHIRO]: '事業者 一郎', [JIRO]: '事業者 二郎' });
    await snapshot(admin, 'ch07-complete');
    expect(await deletedIds(h, operator.operatorCode)).toEqual([JIRO, ICHIRO].sort());

    // The list: gone by default, 削除済 with 削除済みの情報を表示; the admins untouched.
    await openUserManagement(admin, 'menu');
    await search(admin);
    expect(Object.keys(await listedStates(admin))).toEqual([TARO, HANAKO]);
    await search(admin, { showDeleted: true });
    expect(await listedStates(admin)).toEqual({
      [TARO]: '未削除',
      [HANAKO]: '未削除',
      [ICHIRO]: '削除済',
      [JIRO]: '削除済',
    });
  });
});
