import { describe, expect, it } from 'vitest';
import { composeNotice, type Notice, noticeRecipients } from './notices.js';

/** SPEC D-22: the second factor's notices (passkeys too), composed for the user and for an admin. */
const user = { userId: 'U100000001', userName: '試験 太郎', email: 'taro@example.jp', operatorCode: '0001' };
const admins = [
  { userId: 'U100000002', userName: '管理 一郎', email: 'a1@example.jp' },
  { userId: 'U100000003', userName: '管理 二郎', email: 'a2@example.jp' },
];
const at = new Date('2026-04-01T01:00:00.000Z');
/** The user concerned and both admins. */
const EVERYONE = ['taro@example.jp', 'a1@example.jp', 'a2@example.jp'];
const emailsOf = (notice: Notice) => noticeRecipients(notice, admins).map((r) => r.email);
const toUser = { userName: user.userName, concerned: true, seesSecret: false };
const toAdmin = { userName: '管理 一郎', concerned: false, seesSecret: false };

describe('second-factor notices', () => {
  it('tell the user and both admins of an enrolment and a removal', () => {
    const enabled = { event: 'secondFactorEnabled', at, user } as const;
    expect(emailsOf(enabled)).toEqual(EVERYONE);
    const mine = composeNotice(enabled, toUser);
    expect(mine.subject).toBe('【容量市場システム】二要素認証設定のお知らせ');
    expect(mine.body).toContain('あなたのユーザに二要素認証（認証アプリ）が設定されました');
    expect(mine.body).toContain('2026/04/01 10:00');
    expect(composeNotice({ event: 'secondFactorRemoved', at, user }, toAdmin).body).toContain(
      '次のユーザに二要素認証（認証アプリ）が解除されました',
    );
  });

  it('tell of an admin reset, with the admin who did it', () => {
    const actor = { ...admins[0]!, operatorCode: '0001' };
    const notice = { event: 'secondFactorReset', at, user, actor } as const;
    expect(noticeRecipients(notice, admins)).toHaveLength(3);
    const body = composeNotice(notice, toUser).body;
    expect(body).toContain(
      'あなたのユーザの二要素認証（認証アプリ、リカバリーコード、パスキー）がリセットされました。',
    );
    expect(body).toContain('作業者: 管理 一郎（U100000002）');
  });

  it('say how many recovery codes are left', () => {
    const body = composeNotice({ event: 'recoveryCodeUsed', at, user, left: 7 }, toUser).body;
    expect(body).toContain('リカバリーコードが使用されました');
    expect(body).toContain('残りのリカバリーコード: 7個');
  });

  it('tell both admins of the policy, the acting one as the user concerned', () => {
    const admin = { ...admins[0]!, operatorCode: '0001' };
    const notice = { event: 'secondFactorPolicy', at, user: admin, required: true } as const;
    expect(emailsOf(notice)).toEqual(['a1@example.jp', 'a2@example.jp']);
    const body = composeNotice(notice, toAdmin).body;
    expect(body).toContain('事業者コード 0001 のすべてのユーザに二要素認証を必須にしました。');
    expect(body).toContain('作業者: 管理 一郎（U100000002）');
  });
});

describe('passkey notices', () => {
  it('tell the user and both admins of a passkey registered or removed, by its name', () => {
    const added = { event: 'passkeyAdded', at, user, name: '会社のノートPC' } as const;
    expect(emailsOf(added)).toEqual(EVERYONE);
    const mine = composeNotice(added, toUser);
    expect(mine.subject).toBe('【容量市場システム】パスキー登録のお知らせ');
    expect(mine.body).toContain('あなたのユーザに二要素認証のパスキーが登録されました');
    expect(mine.body).toContain('パスキーの名前: 会社のノートPC');
    expect(mine.body).toContain('2026/04/01 10:00');
    const removed = composeNotice({ event: 'passkeyRemoved', at, user, name: '会社のノートPC' }, toAdmin);
    expect(removed.subject).toBe('【容量市場システム】パスキー削除のお知らせ');
    expect(removed.body).toContain('次のユーザに二要素認証のパスキーが削除されました');
    expect(removed.body).not.toContain('直ちに');
  });

  it('tell the user alone of a login with a passkey, with the time and address', () => {
    const used = { event: 'passkeyUsed', at, user, name: 'スマートフォン', ip: '203.0.113.7' } as const;
    expect(emailsOf(used)).toEqual(['taro@example.jp']);
    const body = composeNotice(used, toUser).body;
    expect(body).toContain('ログインに、あなたのパスキーが使用されました');
    expect(body).toContain('パスキーの名前: スマートフォン');
    expect(body).toContain('接続元: 203.0.113.7');
    expect(body).toContain('ログイン画面: ');
  });
});
