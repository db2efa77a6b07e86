import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD } from '../helpers/factories.js';
import { chromiumMissing, logIn, snapshot, useHarness } from './harness.js';
import { reloadShowsTheSamePage } from './history.js';
import {
  actionLabels,
  button,
  castWithHanako,
  detailRows,
  follow,
  lockByWrongPasswords,
  messages,
  openDetailFromMenu,
  outbox,
  pressWithDialog,
  recordDialogs,
  storedUser,
  tryLogin,
} from './manual-helpers.js';

/** Manual ch. 8 ユーザ情報のユーザロック解除 (SPEC §4.8). */
describe.skipIf(chromiumMissing)('ch. 8: unlock a user (Chromium)', () => {
  const h = useHarness();

  it('five wrong passwords lock 一郎; the detail shows ロック中 and offers ユーザロック解除', async () => {
    const { admin, ichiro } = await castWithHanako(h);
    const ICHIRO = ichiro.userId;
    await lockByWrongPasswords(h, ICHIRO);
    const locked = await tryLogin(h, ICHIRO, DEFAULT_PASSWORD);
    expect(locked.errors.join()).toContain('error.login.locked');

    // ①–④ menu, search, the ユーザID: ユーザロック ロック中 and [ユーザロック解除].
    await openDetailFromMenu(admin, ICHIRO);
    expect((await detailRows(admin)).ユーザロック).toBe('ロック中');
    expect(await actionLabels(admin)).toEqual(['ユーザロック解除', 'パスワード再発行', '変更', '削除']);
    await snapshot(admin, 'ch08-locked-detail');
  });

  it('ユーザロック解除 → dialog: キャンセル leaves the lock, OK unlocks → completion; 一郎 logs in again', async () => {
    // 一郎 locked before (his lock by five wrong passwords is the test above).
    const { admin, hanako, ichiro } = await castWithHanako(h, { overrides: { ichiro: { locked: true } } });
    const ICHIRO = ichiro.userId;
    await admin.goto(`/users/${ICHIRO}`);
    // ⑤ キャンセル: nothing is sent.
    const question = await pressWithDialog(admin, button(admin, 'ユーザロック解除'), 'cancel');
    expect(question).toBe('ユーザロックを解除します。よろしいですか。');
    expect((await storedUser(h, ICHIRO)).locked).toBe(1);
    expect((await detailRows(admin)).ユーザロック).toBe('ロック中');

    // ⑤ OK → ⑦ the completion screen; the failure count is reset too.
    await pressWithDialog(admin, button(admin, 'ユーザロック解除'), 'ok');
    expect(await admin.locator('h1').textContent()).toBe('ユーザロック解除完了画面');
    expect((await messages(admin, 'info'))[0]).toBe(
      'info.unlock.complete : ユーザロックの解除が完了しました。',
    );
    expect(await detailRows(admin)).toMatchObject({ ユーザID: ICHIRO, ユーザロック: '利用可能' });
    await snapshot(admin, 'ch08-unlock-complete');
    expect(await storedUser(h, ICHIRO)).toMatchObject({ locked: 0, failed_login_count: 0 });

    // The completion is a GET of its own (PRG): reloading it asks nothing, shows the same
    // page and unlocks nothing again; back returns to the detail, forward to the completion.
    const completion = admin.url();
    expect(new URL(completion).pathname).toBe(`/users/${ICHIRO}/unlock/done`);
    const dialogs = recordDialogs(admin);
    for (let i = 0; i < 2; i++) await reloadShowsTheSamePage(admin, 'ユーザロック解除完了画面');
    await admin.goBack({ waitUntil: 'domcontentloaded' });
    expect(new URL(admin.url()).pathname).toBe(`/users/${ICHIRO}`);
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報詳細画面');
    expect((await detailRows(admin)).ユーザロック).toBe('利用可能');
    await admin.goForward({ waitUntil: 'domcontentloaded' });
    expect(admin.url()).toBe(completion);
    expect(await admin.locator('h1').textContent()).toBe('ユーザロック解除完了画面');
    expect(await messages(admin, 'error')).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(await outbox(h, { event: 'unlocked' })).toHaveLength(3);
    const audits = await h.store.db
      .selectFrom('audit_records')
      .select('id')
      .where('action', '=', 'unlock')
      .where('target_user_id', '=', ICHIRO)
      .execute();
    expect(audits).toHaveLength(1);

    // The detail: 利用可能, and nothing left to unlock.
    await follow(admin, 'ユーザ情報詳細画面へ');
    expect((await detailRows(admin)).ユーザロック).toBe('利用可能');
    expect(await actionLabels(admin)).not.toContain('ユーザロック解除');

    // ⑦ The user and the acting admin are told by mail.
    const mails = await outbox(h, { event: 'unlocked' });
    expect(mails.map((m) => m.recipient)).toEqual(expect.arrayContaining([ichiro.email, hanako.email]));

    // 一郎 logs in through the login screen again and reaches TOP.
    const page = await h.newPage();
    await logIn(page, ICHIRO, DEFAULT_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('.session-info').textContent()).toContain('ユーザ名: 事業者 一郎');
  });
});
