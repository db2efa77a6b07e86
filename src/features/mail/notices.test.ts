import { describe, expect, it } from 'vitest';
import {
  composeNotice,
  configureNotices,
  type Notice,
  type NoticePerson,
  noticeRecipients,
} from './notices.js';

const AT = new Date('2026-04-01T01:00:00.000Z'); // 2026/04/01 10:00 in Japan
const EXPIRES = new Date('2026-04-03T14:59:59.999Z'); // 2026/04/03 23:59 in Japan
const SECRET = 'Tmp-Secret-9x7Q';

function user(values: Partial<NoticePerson> & Pick<NoticePerson, 'userId' | 'userName'> & { role?: string }) {
  return {
    operatorCode: '0001',
    email: `${values.userId.toLowerCase()}@example.jp`,
    ...values,
  };
}

const admin1 = user({ userId: 'U000000001', userName: '管理 一郎', role: 'admin' });
const admin2 = user({ userId: 'U000000002', userName: '管理 二郎', role: 'admin' });
const general = user({ userId: 'U000000003', userName: '一般 花子' });
const admins = [admin1, admin2];

const toUser = { userName: general.userName, concerned: true, seesSecret: true };
const toActor = { userName: admin1.userName, concerned: false, seesSecret: true };
const toOther = { userName: admin2.userName, concerned: false, seesSecret: false };

const registered: Notice = {
  event: 'registered',
  at: AT,
  user: general,
  actor: admin1,
  temporaryPassword: SECRET,
  expiresAt: EXPIRES,
};
const reissued: Notice = { ...registered, event: 'passwordReissued', actor: admin1 };

/** Who gets a copy of the notice, whether as the user concerned, and whether with the secret. */
const copies = (notice: Notice) =>
  noticeRecipients(notice, admins).map((x) => [x.email, x.concerned, x.seesSecret]);

describe('noticeRecipients (SPEC §5, D-16, D-17)', () => {
  it('registration: to the user concerned and both admins; the secret to the user and the registering admin', () => {
    expect(copies(registered)).toEqual([
      [general.email, true, true],
      [admin1.email, false, true],
      [admin2.email, false, false],
    ]);
  });

  it('reissue (D-16 revised): to the user concerned and both admins; the secret to the user alone', () => {
    expect(copies(reissued)).toEqual([
      [general.email, true, true],
      [admin1.email, false, false],
      [admin2.email, false, false],
    ]);
  });

  it('reissue of an admin by the other admin: only the admin concerned gets the secret (no takeover)', () => {
    const r = noticeRecipients({ ...reissued, user: admin2, actor: admin1 }, admins);
    expect(r.map((x) => [x.userId, x.concerned, x.seesSecret])).toEqual([
      [admin2.userId, true, true],
      [admin1.userId, false, false],
    ]);
  });

  it('sends one mail to an admin who is the user concerned, as the user', () => {
    const r = noticeRecipients({ event: 'locked', at: AT, user: admin2 }, admins);
    expect(r.map((x) => [x.userId, x.concerned])).toEqual([
      [admin2.userId, true],
      [admin1.userId, false],
    ]);
  });

  it('gives no admin the temporary password when nobody acted (operator add from the CLI)', () => {
    const r = noticeRecipients({ ...registered, user: admin2, actor: null }, admins);
    expect(r.filter((x) => x.seesSecret).map((x) => x.userId)).toEqual([admin2.userId]);
  });

  it('also tells the old address when the mail address changed', () => {
    const changed = user({ ...general, email: 'new@example.jp' });
    const r = noticeRecipients(
      {
        event: 'changed',
        at: AT,
        user: changed,
        actor: admin1,
        changes: ['メールアドレス'],
        previousEmail: general.email,
      },
      admins,
    );
    expect(r.map((x) => x.email)).toEqual(['new@example.jp', general.email, admin1.email, admin2.email]);
    expect(r.every((x) => !x.seesSecret || x.email === 'new@example.jp' || x.userId === admin1.userId)).toBe(
      true,
    );
  });
});

describe('composeNotice', () => {
  it('registration: ID, temporary password and its expiry for the user', () => {
    const mail = composeNotice(registered, toUser);
    expect(mail.subject).toBe('【容量市場システム】ユーザ情報登録のお知らせ');
    expect(mail.body).toMatch(/^一般 花子 様\n\n容量市場システムのあなたのユーザ情報が登録されました。/);
    expect(mail.body).toContain('ユーザID: U000000003');
    expect(mail.body).toContain('日時: 2026/04/01 10:00');
    expect(mail.body).toContain('作業者: 管理 一郎（U000000001）');
    expect(mail.body).toContain(`仮パスワード: ${SECRET}`);
    expect(mail.body).toContain('仮パスワードの有効期限: 2026/04/03 23:59');
    expect(mail.body).toContain('パスワードを変更してください');
    expect(mail.body.endsWith('容量市場システム\n')).toBe(true);
    expect(mail.body).not.toMatch(/\n\n\n/);
  });

  it('registration: the registering admin gets the secret, the other admin does not (D-16)', () => {
    const actor = composeNotice(registered, toActor);
    expect(actor.body).toMatch(/^管理 一郎 様\n/);
    expect(actor.body).toContain(`仮パスワード: ${SECRET}`);
    expect(actor.body).toContain('仮パスワードは対象のユーザにも通知しています。');
    const other = composeNotice(registered, toOther);
    expect(other.body).toMatch(/^管理 二郎 様\n/);
    expect(other.body).toContain('ユーザID: U000000003');
    expect(other.body).not.toContain(SECRET);
    expect(other.body).not.toContain('仮パスワードの有効期限');
    expect(other.body).toContain('仮パスワードは対象のユーザと作業を行ったユーザにのみ通知しています。');
  });

  it('registration from the CLI has no actor line', () => {
    const mail = composeNotice(
      { ...registered, user: admin1, actor: null },
      { ...toUser, userName: admin1.userName },
    );
    expect(mail.body).not.toContain('作業者:');
    expect(mail.body).toContain(`仮パスワード: ${SECRET}`);
    const other = composeNotice({ ...registered, user: admin1, actor: null }, toOther);
    expect(other.body).not.toContain(SECRET);
    expect(other.body).toContain('仮パスワードは対象のユーザにのみ通知しています。');
  });

  it('reissue: temporary password and expiry for the user, subject of its own', () => {
    const mail = composeNotice(reissued, toUser);
    expect(mail.subject).toBe('【容量市場システム】パスワード再発行のお知らせ');
    expect(mail.body).toContain('あなたのパスワードが再発行されました。');
    expect(mail.body).toContain(`仮パスワード: ${SECRET}`);
    expect(mail.body).toContain('仮パスワードの有効期限: 2026/04/03 23:59');
    expect(mail.body).toContain('パスワードを変更してください');
  });

  it('reissue (D-16 revised): the acting and the other admin get a completion notice without the secret', () => {
    for (const recipient of [
      { ...toActor, seesSecret: false },
      toOther,
      // Even a caller that wrongly marks the acting admin's copy cannot put the secret in it.
      toActor,
    ]) {
      const mail = composeNotice(reissued, recipient);
      expect(mail.subject).toBe('【容量市場システム】パスワード再発行のお知らせ');
      expect(mail.body).toContain('次のユーザのパスワードが再発行されました。');
      expect(mail.body).toContain('ユーザID: U000000003');
      expect(mail.body).toContain('作業者: 管理 一郎（U000000001）');
      expect(mail.body).not.toContain(SECRET);
      expect(mail.body).not.toContain('仮パスワード:');
      expect(mail.body).not.toContain('仮パスワードの有効期限');
      expect(mail.body).toContain('仮パスワードは対象のユーザにのみ通知しています。');
      expect(mail.body).not.toContain('作業を行ったユーザ');
    }
  });

  it('reissue of an admin by the other admin: the secret only in the mail to the admin concerned', () => {
    const notice: Notice = { ...reissued, user: admin2, actor: admin1 };
    const mails = noticeRecipients(notice, admins).map((r) => ({
      to: r.userId,
      mail: composeNotice(notice, r),
    }));
    expect(mails.filter((m) => m.mail.body.includes(SECRET)).map((m) => m.to)).toEqual([admin2.userId]);
  });

  it('change lists the changed fields', () => {
    const mail = composeNotice(
      { event: 'changed', at: AT, user: general, actor: admin1, changes: ['所属部署', '電話番号'] },
      toOther,
    );
    expect(mail.subject).toBe('【容量市場システム】ユーザ情報変更のお知らせ');
    expect(mail.body).toContain('次のユーザのユーザ情報が変更されました。');
    expect(mail.body).toContain('変更項目: 所属部署、電話番号');
    expect(mail.body).toContain('作業者: 管理 一郎（U000000001）');
  });

  it('unlock, deletion and lock have their subjects and say what happened', () => {
    const unlocked = composeNotice({ event: 'unlocked', at: AT, user: general, actor: admin2 }, toUser);
    expect(unlocked.subject).toBe('【容量市場システム】ユーザロック解除のお知らせ');
    expect(unlocked.body).toContain('ユーザロックが解除されました。');
    expect(unlocked.body).toContain('作業者: 管理 二郎（U000000002）');

    const deleted = composeNotice({ event: 'deleted', at: AT, user: general, actor: admin1 }, toOther);
    expect(deleted.subject).toBe('【容量市場システム】ユーザ情報削除のお知らせ');
    expect(deleted.body).toContain('ユーザ情報が削除されました。');
    expect(deleted.body).toContain('ログインできなくなりました。');

    const lockedUser = composeNotice({ event: 'locked', at: AT, user: general }, toUser);
    expect(lockedUser.subject).toBe('【容量市場システム】ユーザロックのお知らせ');
    expect(lockedUser.body).toContain('5回連続で誤って入力したため');
    expect(lockedUser.body).toContain('ユーザロック解除を依頼してください。');
    expect(lockedUser.body).not.toContain('作業者:');
    const lockedAdmin = composeNotice({ event: 'locked', at: AT, user: general }, toOther);
    expect(lockedAdmin.body).toContain('必要に応じてユーザロック解除を行ってください。');
  });

  it('never puts a temporary password into any event without one', () => {
    const events: Notice[] = [
      { event: 'changed', at: AT, user: general, actor: admin1, changes: [] },
      { event: 'unlocked', at: AT, user: general, actor: admin1 },
      { event: 'deleted', at: AT, user: general, actor: admin1 },
      { event: 'locked', at: AT, user: general },
    ];
    for (const n of events) {
      expect(composeNotice(n, toUser).body).not.toContain('仮パスワード');
    }
  });
});

describe('the login page in every mail (SPEC §5)', () => {
  it('names the configured login URL in every event’s mail', () => {
    configureNotices({ loginUrl: 'https://capacity.example.jp/login' });
    try {
      const events: Notice[] = [
        registered,
        { event: 'unlocked', at: AT, user: general, actor: admin1 },
        { event: 'deleted', at: AT, user: general, actor: admin1 },
        { event: 'locked', at: AT, user: general },
      ];
      for (const notice of events) {
        const mail = composeNotice(notice, { userName: general.userName, concerned: true, seesSecret: true });
        expect(mail.body, notice.event).toContain('ログイン画面: https://capacity.example.jp/login');
      }
    } finally {
      configureNotices({ loginUrl: 'http://localhost:3000/login' });
    }
  });
});
