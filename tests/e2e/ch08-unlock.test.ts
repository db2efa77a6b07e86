import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumMissing, type Harness, snapshot, startHarness } from './harness.js';
import {
  actionLabels,
  button,
  clickAndWait,
  detailRows,
  HANAKO,
  ICHIRO,
  link,
  lockByWrongPasswords,
  messages,
  openDetail,
  openUserManagement,
  outbox,
  pressWithDialog,
  search,
  signedInPage,
  tryLogin,
} from './manual-helpers.js';

async function lockState(h: Harness, userId: string) {
  return h.store.db
    .selectFrom('users')
    .select(['locked', 'failed_login_count'])
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
}

/** Manual ch. 8 ユーザ情報のユーザロック解除 (SPEC §4.8). */
describe.skipIf(chromiumMissing)('ch. 8: unlock a user (Chromium)', () => {
  let h: Harness;
  let admin: Page;
  beforeAll(async () => {
    h = await startHarness();
    admin = await signedInPage(h, HANAKO);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('five wrong passwords lock 一郎; the detail shows ロック中 and offers ユーザロック解除', async () => {
    await lockByWrongPasswords(h, ICHIRO);
    const locked = await tryLogin(h, ICHIRO, h.demo.get(ICHIRO)!.temporaryPassword);
    expect(locked.errors.join()).toContain('error.login.locked');

    // ①–④ menu, search, the ユーザID: ユーザロック ロック中 and [ユーザロック解除].
    await openUserManagement(admin, 'menu');
    await search(admin, { userId: ICHIRO });
    await openDetail(admin, ICHIRO);
    expect((await detailRows(admin)).ユーザロック).toBe('ロック中');
    expect(await actionLabels(admin)).toEqual(['ユーザロック解除', 'パスワード再発行', '変更', '削除']);
    await snapshot(admin, 'ch08-locked-detail');
  });

  it('ユーザロック解除 → dialog: キャンセル leaves the lock, OK unlocks → completion; 一郎 logs in again', async () => {
    // ⑤ キャンセル: nothing is sent.
    const question = await pressWithDialog(admin, button(admin, 'ユーザロック解除'), 'cancel');
    expect(question).toBe('ユーザロックを解除します。よろしいですか。');
    expect((await lockState(h, ICHIRO)).locked).toBe(1);
    expect((await detailRows(admin)).ユーザロック).toBe('ロック中');

    // ⑤ OK → ⑦ the completion screen; the failure count is reset too.
    await pressWithDialog(admin, button(admin, 'ユーザロック解除'), 'ok');
    expect(await admin.locator('h1').textContent()).toBe('ユーザロック解除完了画面');
    expect((await messages(admin, 'info'))[0]).toBe(
      'info.unlock.complete : ユーザロックの解除が完了しました。',
    );
    expect(await detailRows(admin)).toMatchObject({ ユーザID: ICHIRO, ユーザロック: '利用可能' });
    await snapshot(admin, 'ch08-unlock-complete');
    expect(await lockState(h, ICHIRO)).toEqual({ locked: 0, failed_login_count: 0 });

    // The detail: 利用可能, and nothing left to unlock.
    await clickAndWait(admin, link(admin, 'ユーザ情報詳細画面へ'));
    expect((await detailRows(admin)).ユーザロック).toBe('利用可能');
    expect(await actionLabels(admin)).not.toContain('ユーザロック解除');

    // ⑦ The user and the acting admin are told by mail.
    const mails = await outbox(h, { event: 'unlocked' });
    expect(mails.map((m) => m.recipient)).toEqual(
      expect.arrayContaining(['ichiro@operator0001.example', 'hanako@operator0001.example']),
    );

    // 一郎 logs in with his (still valid) temporary password and reaches TOP.
    const ichiro = await signedInPage(h, ICHIRO);
    expect(await ichiro.locator('.session-info').textContent()).toContain('ユーザ名: 事業者 一郎');
  });
});
