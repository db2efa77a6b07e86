import type { NoticeContext, NoticeEvent, NoticeOf, NoticeText, NoticeTexts } from './notice-types.js';
import { whoWhenActor } from './user-notices.js';

const CALL_THE_ADMIN = 'お心当たりのない場合は、直ちに登録作業者(管理者)に連絡してください。';

/**
 * A factor the user added or removed themselves (an authenticator app, a passkey): told to
 * the user and the operator's admins; the user is asked to call an admin if it was not them.
 */
function ownFactorNotice<E extends NoticeEvent>(
  subject: string,
  what: string,
  details: (notice: NoticeOf<E>) => string[] = () => [],
): NoticeText<E> {
  return {
    subject,
    body: (notice, c) => [
      c.toUser ? `容量市場システムのあなたのユーザに${what}。` : `容量市場システムで次のユーザに${what}。`,
      '',
      c.who,
      ...details(notice),
      c.when,
      ...(c.toUser ? ['', CALL_THE_ADMIN] : []),
    ],
  };
}

const passkeyName = (notice: { name: string }) => [`パスキーの名前: ${notice.name}`];

/** What the user is asked to do after a reset or a recovery code (in the user's copy only). */
function toUserOnly(c: NoticeContext, line: string): string[] {
  return c.toUser ? ['', line] : [];
}

/** SPEC D-22: the second factor's notices: the authenticator app, recovery codes, passkeys, the policy. */
export const SECOND_FACTOR_NOTICES = {
  secondFactorEnabled: ownFactorNotice(
    '二要素認証設定のお知らせ',
    '二要素認証（認証アプリ）が設定されました',
  ),
  secondFactorRemoved: ownFactorNotice(
    '二要素認証解除のお知らせ',
    '二要素認証（認証アプリ）が解除されました',
  ),
  secondFactorReset: {
    subject: '二要素認証リセットのお知らせ',
    body: (_notice, c) => [
      c.toUser
        ? '容量市場システムのあなたのユーザの二要素認証（認証アプリ、リカバリーコード、パスキー）がリセットされました。'
        : '容量市場システムで次のユーザの二要素認証（認証アプリ、リカバリーコード、パスキー）がリセットされました。',
      'ログイン中のセッションはすべて終了しました。',
      '',
      ...whoWhenActor(c),
      ...toUserOnly(
        c,
        '次回のログイン後、アカウント設定で二要素認証を設定し直してください。お心当たりのない場合は、直ちに登録作業者(管理者)に連絡してください。',
      ),
    ],
  },
  recoveryCodeUsed: {
    subject: 'リカバリーコード使用のお知らせ',
    body: (notice, c) => [
      c.toUser
        ? '容量市場システムへのログインに、あなたのリカバリーコードが使用されました。'
        : '容量市場システムで次のユーザのログインにリカバリーコードが使用されました。',
      '',
      c.who,
      c.when,
      `残りのリカバリーコード: ${notice.left}個`,
      ...toUserOnly(
        c,
        '認証アプリを使えない場合は、アカウント設定で二要素認証を設定し直してください。お心当たりのない場合は、直ちに登録作業者(管理者)に連絡してください。',
      ),
    ],
  },
  // The admin who set it is the notice's user: both admins get it, that one as the user.
  secondFactorPolicy: {
    subject: '二要素認証の必須設定変更のお知らせ',
    body: (notice, c) => [
      notice.required
        ? `事業者コード ${notice.user.operatorCode} のすべてのユーザに二要素認証を必須にしました。`
        : `事業者コード ${notice.user.operatorCode} のユーザの二要素認証を必須から任意に変更しました。`,
      '',
      `作業者: ${notice.user.userName}（${notice.user.userId}）`,
      c.when,
      ...(notice.required
        ? ['', '二要素認証を設定していないユーザは、次回のログイン時に設定が求められます。']
        : []),
    ],
  },
  passkeyAdded: ownFactorNotice<'passkeyAdded'>(
    'パスキー登録のお知らせ',
    '二要素認証のパスキーが登録されました',
    passkeyName,
  ),
  passkeyRemoved: ownFactorNotice<'passkeyRemoved'>(
    'パスキー削除のお知らせ',
    '二要素認証のパスキーが削除されました',
    passkeyName,
  ),
  // To the user alone (notices.ts), as a login notice.
  passkeyUsed: {
    subject: 'パスキーによるログインのお知らせ',
    body: (notice, c) => [
      '容量市場システムへのログインに、あなたのパスキーが使用されました。',
      '',
      c.who,
      ...passkeyName(notice),
      c.when,
      `接続元: ${notice.ip || '不明'}`,
      '',
      'お心当たりのない場合は、直ちにパスワードを変更し、登録作業者(管理者)に連絡してください。',
    ],
  },
} satisfies NoticeTexts<
  | 'secondFactorEnabled'
  | 'secondFactorRemoved'
  | 'secondFactorReset'
  | 'recoveryCodeUsed'
  | 'secondFactorPolicy'
  | 'passkeyAdded'
  | 'passkeyRemoved'
  | 'passkeyUsed'
>;
