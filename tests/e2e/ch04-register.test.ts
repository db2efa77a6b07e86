import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumMissing, type Harness, logIn, snapshot, useHarness } from './harness.js';
import { backToExecutedConfirmation, backToForm, reloadShowsTheSamePage } from './history.js';
import {
  castWithHanako,
  detailRows,
  fillPhone,
  follow,
  listRows,
  type ManualCast,
  messages,
  openDetail,
  openUserManagement,
  outbox,
  press,
  recordDialogs,
  search,
  temporaryPasswordIn,
} from './manual-helpers.js';

interface NewUser {
  department: string;
  userName: string;
  phone: readonly [string, string, string];
  email: string;
}

/** 事業者 三郎, to be registered under the cast's operator (his mail at its domain). */
function saburo(cast: ManualCast): NewUser {
  return {
    department: '需給調整部',
    userName: '事業者 三郎',
    phone: ['03', '9876', '5432'],
    email: cast.hanako.email.replace(/^hanako@/, 'saburo@'),
  };
}

async function fillRegisterForm(page: Page, values: NewUser): Promise<void> {
  await page.locator('#department').fill(values.department);
  await page.locator('#userName').fill(values.userName);
  await fillPhone(page, values.phone);
  await page.locator('#email').fill(values.email);
}

/** ①–④ and 実行 without a stop: the completion screen's new ユーザID. */
async function register(page: Page, values: NewUser): Promise<string> {
  await openUserManagement(page, 'menu');
  await follow(page, '新規登録');
  await fillRegisterForm(page, values);
  await press(page, '確認');
  await press(page, '実行');
  expect(await page.locator('h1').textContent()).toBe('ユーザ情報登録完了画面');
  return (await detailRows(page)).ユーザID!;
}

async function usersNamed(h: Harness, operatorCode: string, userName: string) {
  return h.store.db
    .selectFrom('users')
    .select('user_id')
    .where('operator_code', '=', operatorCode)
    .where('user_name', '=', userName)
    .execute();
}

/** Manual ch. 4 ユーザ情報の登録 (SPEC §4.4). */
describe.skipIf(chromiumMissing)('ch. 4: register a user (Chromium)', () => {
  const h = useHarness();

  it('新規登録 → an error next to the field → 確認 → 戻る keeps the values → 実行 → completion', async () => {
    const cast = await castWithHanako(h);
    const { admin, operator } = cast;
    const NEW_USER = saburo(cast);
    // ①② ユーザ情報管理 from the menu, then [新規登録] at the top right of the list.
    await openUserManagement(admin, 'menu');
    await follow(admin, '新規登録');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録画面');
    // ③ 権限区分 offers only 7:登録作業者(一般); 事業者コード is the admin's own, read-only.
    expect(await admin.locator('#role option').allTextContents()).toEqual(['7:登録作業者(一般)']);
    expect(await admin.locator('#operatorCode').inputValue()).toBe(operator.operatorCode);
    expect(await admin.locator('#operatorCode').getAttribute('readonly')).not.toBeNull();

    // ⑤ A wrong mail address: the form again, the message at the top and next to the field.
    await fillRegisterForm(admin, { ...NEW_USER, email: 'saburo at operator0001' });
    await press(admin, '確認');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録画面');
    expect((await messages(admin, 'error'))[0]).toMatch(/^error\.form\.invalid : 入力内容に誤りがあります/);
    const emailRow = admin.locator('tr.field', { has: admin.locator('#email') });
    expect(await emailRow.locator('.field-error').textContent()).toBe(
      '正しいメールアドレスを入力してください。',
    );
    expect(await admin.locator('.field-error').count()).toBe(1);
    // What was typed stays, so only the wrong field needs retyping.
    expect(await admin.locator('#userName').inputValue()).toBe(NEW_USER.userName);
    expect(await admin.locator('#email').inputValue()).toBe('saburo at operator0001');
    await snapshot(admin, 'ch04-register-error');

    // ③→④ Corrected: ユーザ情報登録確認画面 with the manual's message and 参加登録申請者名.
    await admin.locator('#email').fill(NEW_USER.email);
    await press(admin, '確認');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録確認画面');
    expect(await messages(admin, 'info')).toEqual([
      'info.regist.confirm : 下記の情報で登録します。よろしいですか。',
    ]);
    const confirmation = {
      権限区分: '登録作業者(一般)',
      事業者コード: operator.operatorCode,
      参加登録申請者名: operator.operatorName,
      所属部署: NEW_USER.department,
      ユーザ名: NEW_USER.userName,
      電話番号: '03-9876-5432',
      メールアドレス: NEW_USER.email,
    };
    expect(await detailRows(admin)).toEqual(confirmation);
    await snapshot(admin, 'ch04-register-confirm');

    // ④ 戻る: the form with the confirmed values, nothing registered.
    await press(admin, '戻る');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録画面');
    expect(await admin.locator('#department').inputValue()).toBe(NEW_USER.department);
    expect(await admin.locator('#userName').inputValue()).toBe(NEW_USER.userName);
    expect(await admin.locator('input[name="phone2"]').inputValue()).toBe('9876');
    expect(await admin.locator('#email').inputValue()).toBe(NEW_USER.email);
    expect(await usersNamed(h, operator.operatorCode, NEW_USER.userName)).toEqual([]);

    // ④ again, then [実行]: ⑥ the completion screen with the new ユーザID.
    await press(admin, '確認');
    expect(await detailRows(admin)).toEqual(confirmation);
    await press(admin, '実行');
    expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録完了画面');
    const infos = await messages(admin, 'info');
    expect(infos[0]).toBe('info.regist.complete : ユーザ情報の登録が完了しました。');
    expect(infos.join()).toContain('メールで通知');
    const done = await detailRows(admin);
    expect(done.ユーザID).toMatch(/^U\d{9}$/);
    expect(done.ユーザ名).toBe(NEW_USER.userName);
    expect(done['有効/無効']).toBe('有効');
    expect(done.適用終了日).toBe('9999/12/31');
    const newUserId = done.ユーザID!;
    // The temporary password goes by mail only, never onto the screen.
    const mail = (await outbox(h, { event: 'registered', recipient: NEW_USER.email }))[0];
    expect(await admin.locator('main').textContent()).not.toContain(temporaryPasswordIn(mail!.body));
    await snapshot(admin, 'ch04-register-complete');

    // The new user in the list, and its detail from there.
    await follow(admin, 'ユーザ情報一覧画面へ');
    await search(admin, { userName: '三郎' });
    expect(await listRows(admin)).toEqual([
      [
        newUserId,
        NEW_USER.userName,
        '登録作業者(一般)',
        operator.operatorCode,
        operator.operatorName,
        '有効',
        '未削除',
        '未設定',
      ],
    ]);
    await openDetail(admin, newUserId);
    expect(await detailRows(admin)).toMatchObject({
      所属部署: NEW_USER.department,
      電話番号: '03-9876-5432',
      ユーザロック: '利用可能',
      削除状態: '未削除',
    });
  });

  it('the registration is mailed: ID and temporary password to the user and the acting admin only', async () => {
    const cast = await castWithHanako(h);
    const NEW_USER = saburo(cast);
    const newUserId = await register(cast.admin, NEW_USER);
    const toUser = await outbox(h, { event: 'registered', recipient: NEW_USER.email });
    expect(toUser).toHaveLength(1);
    expect(toUser[0]!.body).toContain(`ユーザID: ${newUserId}`);
    expect(temporaryPasswordIn(toUser[0]!.body)).toMatch(/^\S{16,}$/);
    // SPEC D-16: the acting admin (花子) gets the password too, the other admin (太郎) not.
    const aboutNewUser = (rows: { body: string }[]) =>
      rows.filter((m) => m.body.includes(`ユーザID: ${newUserId}`));
    const toActor = aboutNewUser(await outbox(h, { event: 'registered', recipient: cast.hanako.email }));
    expect(toActor).toHaveLength(1);
    expect(temporaryPasswordIn(toActor[0]!.body)).toBe(temporaryPasswordIn(toUser[0]!.body));
    const toOther = aboutNewUser(await outbox(h, { event: 'registered', recipient: cast.taro.email }));
    expect(toOther).toHaveLength(1);
    expect(toOther[0]!.body).not.toContain('仮パスワード:');

    // The mailed password works: the new user logs in and must change it (manual ch. 4 ⑥).
    const page = await h.newPage();
    await logIn(page, newUserId, temporaryPasswordIn(toUser[0]!.body));
    expect(await page.locator('.session-info').textContent()).toContain(`ユーザ名: ${NEW_USER.userName}`);
  });

  it('実行 runs once: the completion is a page of its own (PRG) that reloads without a prompt or an error', async () => {
    const cast = await castWithHanako(h);
    const { admin, operator } = cast;
    const again = { ...saburo(cast), userName: '事業者 四郎' };
    const dialogs = recordDialogs(admin);
    const newUserId = await register(admin, again);
    const completion = new URL(admin.url());
    expect(completion.pathname).toBe('/users/new/done');
    expect(completion.searchParams.get('receipt')).toBeTruthy();

    // Reload: the same completion page, no resubmission prompt, no error, nobody registered twice.
    for (let i = 0; i < 2; i++) {
      await reloadShowsTheSamePage(admin, 'ユーザ情報登録完了画面');
      expect(admin.url()).toBe(completion.href);
      expect((await detailRows(admin)).ユーザID).toBe(newUserId);
    }
    expect(dialogs).toEqual([]);
    expect(await usersNamed(h, operator.operatorCode, again.userName)).toHaveLength(1);
    expect(await outbox(h, { event: 'registered', recipient: again.email })).toHaveLength(1);
    await snapshot(admin, 'ch04-register-complete-reloaded');
  });

  for (const javaScriptEnabled of [true, false]) {
    it(`back from the completion shows the confirmation (a GET, no resubmission prompt), back again the form (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
      const cast = await castWithHanako(h, { javaScriptEnabled });
      const { admin, operator } = cast;
      const values = { ...saburo(cast), userName: javaScriptEnabled ? '事業者 五郎' : '事業者 六郎' };
      await openUserManagement(admin, 'menu');
      await follow(admin, '新規登録');
      await fillRegisterForm(admin, values);
      await press(admin, '確認');
      // The confirmation is a page of its own: its URL carries a sealed token, no typed value.
      const confirmation = new URL(admin.url());
      expect(confirmation.pathname).toBe('/users/new/confirm');
      expect(decodeURIComponent(confirmation.href)).not.toContain(values.userName);
      expect(confirmation.href).not.toContain(encodeURIComponent(values.email));
      expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録確認画面');
      await press(admin, '実行');
      expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録完了画面');

      // Back: the confirmation again, fetched by a GET (no "Confirm Form Resubmission",
      // no net::ERR_CACHE_MISS), telling that it was executed and offering no 実行.
      await backToExecutedConfirmation(admin, confirmation, 'ユーザ情報登録確認画面');
      expect((await detailRows(admin)).ユーザ名).toBe(values.userName);
      await snapshot(admin, `ch04-register-confirm-after-back-js-${javaScriptEnabled ? 'on' : 'off'}`);

      // Back again: the form.
      await backToForm(admin, '/users/new', 'ユーザ情報登録画面');
      // Forward twice: the confirmation and the completion again, nobody registered twice.
      await admin.goForward({ waitUntil: 'domcontentloaded' });
      expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録確認画面');
      await admin.goForward({ waitUntil: 'domcontentloaded' });
      expect(await admin.locator('h1').textContent()).toBe('ユーザ情報登録完了画面');
      expect(await usersNamed(h, operator.operatorCode, values.userName)).toHaveLength(1);
    });
  }
});
