import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD } from '../helpers/factories.js';
import { chromiumMissing, type Harness, snapshot, useHarness } from './harness.js';
import {
  actionLabels,
  button,
  castWithHanako,
  detailRows,
  follow,
  listedStates,
  messages,
  openDetail,
  openDetailFromMenu,
  openUserManagement,
  pressWithDialog,
  search,
  storedUser,
  tryLogin,
} from './manual-helpers.js';

async function isDeleted(h: Harness, userId: string): Promise<boolean> {
  return (await storedUser(h, userId)).deleted === 1;
}

/** Manual ch. 6 ユーザ情報の削除 (SPEC §4.6). */
describe.skipIf(chromiumMissing)('ch. 6: delete a user (Chromium)', () => {
  const h = useHarness();

  it('detail → 削除 → 実行 → dialog: キャンセル keeps the user, OK deletes; the open session ends at once', async () => {
    const cast = await castWithHanako(h);
    const { admin } = cast;
    const JIRO = cast.jiro.userId;
    // 二郎 is signed in elsewhere while an admin deletes him.
    const jiro = await h.signIn(cast.jiro);
    await jiro.goto('/users');
    expect(await jiro.locator('h1').textContent()).toBe('ユーザ情報一覧画面');

    // ①–④ menu, search, the ユーザID, [削除].
    await openDetailFromMenu(admin, JIRO, { userName: '二郎' });
    await follow(admin, '削除');

    // ⑤ ユーザ情報削除画面: the user read-only, [戻る] and [実行].
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報削除画面');
    expect(await detailRows(admin)).toMatchObject({
      ユーザID: JIRO,
      権限区分: '登録作業者(一般)',
      ユーザ名: '事業者 二郎',
      削除状態: '未削除',
    });
    expect(await admin.locator('main input:not([type="hidden"])').count()).toBe(0);
    expect(await actionLabels(admin)).toEqual(['戻る', '実行']);
    await snapshot(admin, 'ch06-delete-screen');

    // ⑥ [実行] asks in the browser's dialog; キャンセル: nothing happens.
    const question = await pressWithDialog(admin, button(admin, '実行'), 'cancel');
    expect(question).toBe('下記のユーザ情報を削除します。よろしいですか。');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報削除画面');
    expect(await isDeleted(h, JIRO)).toBe(false);
    await jiro.reload();
    expect(new URL(jiro.url()).pathname).toBe('/users');

    // ⑥ OK → ⑧ the completion screen.
    await pressWithDialog(admin, button(admin, '実行'), 'ok');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報削除完了画面');
    expect((await messages(admin, 'info'))[0]).toBe(
      'info.delete.complete : ユーザ情報の削除が完了しました。',
    );
    expect(await detailRows(admin)).toEqual({ ユーザID: JIRO, ユーザ名: '事業者 二郎' });
    await snapshot(admin, 'ch06-delete-complete');
    expect(await isDeleted(h, JIRO)).toBe(true);

    // His open session ended at once: the next click lands on the login screen.
    await jiro.reload();
    expect(new URL(jiro.url()).pathname).toBe('/login');
    expect((await messages(jiro, 'error')).join()).toContain('error.session.expired');
    // …and he can no longer log in (manual ch. 6 ⑥).
    const again = await tryLogin(h, JIRO, DEFAULT_PASSWORD);
    expect(again.path).toBe('/login');
    expect(again.errors).not.toEqual([]);
  });

  it('the deleted user shows as 削除済 only with 削除済みの情報を表示, and offers no 変更 or 削除', async () => {
    // 二郎 deleted before (his deletion through the screens is the test above).
    const { admin, jiro } = await castWithHanako(h, { overrides: { jiro: { deleted: true } } });
    const JIRO = jiro.userId;
    await openUserManagement(admin, 'menu');
    await search(admin, { userName: '事業者' });
    expect(await listedStates(admin)).not.toHaveProperty(JIRO);
    await search(admin, { userName: '事業者', showDeleted: true });
    expect((await listedStates(admin))[JIRO]).toBe('削除済');
    await snapshot(admin, 'ch06-list-with-deleted');
    await openDetail(admin, JIRO);
    expect((await detailRows(admin)).削除状態).toBe('削除済');
    const buttons = await actionLabels(admin);
    expect(buttons).not.toContain('変更');
    expect(buttons).not.toContain('削除');
  });

  it('an admin has no 削除 button, and the delete screen of an admin refuses at the top', async () => {
    const { admin, taro } = await castWithHanako(h);
    const TARO = taro.userId;
    await openUserManagement(admin, 'links');
    await search(admin);
    await openDetail(admin, TARO);
    expect(await actionLabels(admin)).not.toContain('削除');
    // Typed into the address bar anyway: the error at the top and no 実行 (manual ch. 6 ⑦).
    await admin.goto(`/users/${TARO}/delete`);
    expect(await messages(admin, 'error')).toEqual([
      'error.user.adminCannotBeDeleted : 登録作業者(管理者)のユーザ情報は削除できません。',
    ]);
    expect(await actionLabels(admin)).toEqual(['戻る']);
    expect(await isDeleted(h, TARO)).toBe(false);
  });
});
