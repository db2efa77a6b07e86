import { describe, expect, it } from 'vitest';
import { DEFAULT_PASSWORD } from '../helpers/factories.js';
import { chromiumMissing, snapshot, submitPasswordChange, useHarness } from './harness.js';
import {
  button,
  castWithHanako,
  detailRows,
  messages,
  openDetailFromMenu,
  outbox,
  pressWithDialog,
  temporaryPasswordIn,
  tryLogin,
} from './manual-helpers.js';

// Not one of 二郎's previous passwords (SPEC D-13 refuses reuse).
const ANOTHER_PASSWORD = 'a quiet winter morning 2027';

/** Manual ch. 9 ユーザ情報のパスワード再発行 (SPEC §4.9). */
describe.skipIf(chromiumMissing)('ch. 9: reissue a password (Chromium)', () => {
  const h = useHarness();

  it('パスワード再発行 → dialog: キャンセル changes nothing, OK reissues → completion without the password', async () => {
    const cast = await castWithHanako(h);
    const { admin, hanako } = cast;
    const [JIRO, JIRO_MAIL] = [cast.jiro.userId, cast.jiro.email];
    // 二郎 has his own password and is signed in elsewhere.
    const jiro = await h.signIn(cast.jiro);

    // ①–④ menu, search, the ユーザID, [パスワード再発行].
    await openDetailFromMenu(admin, JIRO, { userName: '二郎' });

    // ⑤ キャンセル: no new password, no mail.
    const question = await pressWithDialog(admin, button(admin, 'パスワード再発行'), 'cancel');
    expect(question).toBe('パスワードを再発行します。よろしいですか。');
    expect(await outbox(h, { event: 'passwordReissued', recipient: [JIRO_MAIL, hanako.email] })).toEqual([]);

    // ⑤ OK → ⑦ the completion screen.
    await pressWithDialog(admin, button(admin, 'パスワード再発行'), 'ok');
    expect(await admin.locator('h1').textContent()).toBe('パスワード再発行完了画面');
    expect((await messages(admin, 'info'))[0]).toBe(
      'info.reissue.complete : パスワードの再発行が完了しました。',
    );
    expect((await detailRows(admin)).ユーザID).toBe(JIRO);
    const mails = await outbox(h, { event: 'passwordReissued', recipient: JIRO_MAIL });
    expect(mails).toHaveLength(1);
    const temporary = temporaryPasswordIn(mails[0]!.body);
    // The password travels by mail only (SPEC §4.9, D-16).
    expect(await admin.content()).not.toContain(temporary);
    await snapshot(admin, 'ch09-reissue-complete');
    const actorMail = await outbox(h, { event: 'passwordReissued', recipient: hanako.email });
    // SPEC D-16 (revised): the acting admin is told of the reissue, never the password.
    expect(actorMail).toHaveLength(1);
    expect(actorMail[0]!.body).not.toContain(temporary);
    expect(actorMail[0]!.body).toContain('仮パスワードは対象のユーザにのみ通知しています。');

    // 二郎's open session ended with the reissue (SPEC §4.11).
    await jiro.goto('/users');
    expect(new URL(jiro.url()).pathname).toBe('/login');
  });

  it('the old password fails; the mailed temporary one logs in and forces a change', async () => {
    const { admin, jiro } = await castWithHanako(h);
    const [JIRO, JIRO_MAIL] = [jiro.userId, jiro.email];
    // An admin reissues 二郎's password (the screens' steps are the test above).
    await admin.goto(`/users/${JIRO}`);
    await pressWithDialog(admin, button(admin, 'パスワード再発行'), 'ok');
    expect(await admin.locator('h1').textContent()).toBe('パスワード再発行完了画面');

    const old = await tryLogin(h, JIRO, DEFAULT_PASSWORD);
    expect(old.path).toBe('/login');
    expect(old.errors.join()).toContain('error.login.failed');

    const [mail] = await outbox(h, { event: 'passwordReissued', recipient: JIRO_MAIL });
    const temporary = temporaryPasswordIn(mail!.body);
    const { page, path } = await tryLogin(h, JIRO, temporary);
    // SPEC §4.10: forced before any other screen.
    expect(path).toBe('/password');
    expect((await messages(page, 'info')).join()).toContain('info.password.mustChange');
    await page.goto('/users');
    expect(new URL(page.url()).pathname).toBe('/password');
    await snapshot(page, 'ch09-forced-change');
    await submitPasswordChange(page, temporary, ANOTHER_PASSWORD);
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('.session-info').textContent()).toContain('ユーザ名: 事業者 二郎');
  });
});
