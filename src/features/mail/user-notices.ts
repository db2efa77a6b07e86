import { formatJapanDateTime } from '../../lib/japan-time.js';
import type { NoticeContext, NoticeOf, NoticeText, NoticeTexts } from './notice-types.js';

/** The user, when and, if an admin acted, who: the lines that identify most notices. */
export function whoWhenActor(c: NoticeContext): string[] {
  return c.actor ? [c.who, c.when, c.actor] : [c.who, c.when];
}

/**
 * A registration or a reissue: the temporary password and its expiry in the copies that
 * may carry it, and where it went in the others.
 */
function temporaryPasswordNotice<E extends 'registered' | 'passwordReissued'>(
  subject: string,
  what: string,
): NoticeText<E> {
  return {
    subject,
    body(notice, c) {
      const headline = c.toUser
        ? `容量市場システムのあなたの${what}。`
        : `容量市場システムで次のユーザの${what}。`;
      return [headline, '', ...whoWhenActor(c), ...temporaryPasswordLines(notice, c)];
    },
  };
}

function temporaryPasswordLines(
  notice: NoticeOf<'registered' | 'passwordReissued'>,
  c: NoticeContext,
): string[] {
  // D-16: a reissued password is never in an admin's copy, whatever the caller says.
  const withSecret = c.seesSecret && (c.toUser || notice.event === 'registered');
  if (!withSecret) {
    return notice.event === 'registered' && c.actor
      ? ['', '仮パスワードは対象のユーザと作業を行ったユーザにのみ通知しています。']
      : ['', '仮パスワードは対象のユーザにのみ通知しています。'];
  }
  return [
    '',
    `仮パスワード: ${notice.temporaryPassword}`,
    `仮パスワードの有効期限: ${formatJapanDateTime(notice.expiresAt)}（通知日の翌々日まで）`,
    '',
    ...(c.toUser
      ? [
          '有効期限内にログインし、パスワードを変更してください。',
          '有効期限を過ぎた場合は、登録作業者(管理者)にパスワードの再発行を依頼してください。',
        ]
      : ['仮パスワードは対象のユーザにも通知しています。第三者に知られないよう取り扱ってください。']),
  ];
}

/** SPEC §5: the notices of what an admin (or the command line) did to a user, and a lock. */
export const USER_NOTICES = {
  registered: temporaryPasswordNotice('ユーザ情報登録のお知らせ', 'ユーザ情報が登録されました'),
  passwordReissued: temporaryPasswordNotice('パスワード再発行のお知らせ', 'パスワードが再発行されました'),
  changed: {
    subject: 'ユーザ情報変更のお知らせ',
    body: (notice, c) => [
      c.toUser
        ? '容量市場システムのあなたのユーザ情報が変更されました。'
        : '容量市場システムで次のユーザのユーザ情報が変更されました。',
      '',
      ...whoWhenActor(c),
      ...(notice.changes.length > 0 ? ['', `変更項目: ${notice.changes.join('、')}`] : []),
    ],
  },
  unlocked: {
    subject: 'ユーザロック解除のお知らせ',
    body: (_notice, c) => [
      c.toUser
        ? '容量市場システムのあなたのユーザロックが解除されました。'
        : '容量市場システムで次のユーザのユーザロックが解除されました。',
      '',
      ...whoWhenActor(c),
    ],
  },
  deleted: {
    subject: 'ユーザ情報削除のお知らせ',
    body: (_notice, c) => [
      c.toUser
        ? '容量市場システムのあなたのユーザ情報が削除されました。'
        : '容量市場システムで次のユーザのユーザ情報が削除されました。',
      'このユーザはログインできなくなりました。',
      '',
      ...whoWhenActor(c),
    ],
  },
  // SPEC §4.11: the fifth consecutive wrong password locks the user.
  locked: {
    subject: 'ユーザロックのお知らせ',
    body: (_notice, c) => [
      'パスワードを5回連続で誤って入力したため、ユーザがロックされました。',
      '',
      c.who,
      c.when,
      '',
      c.toUser
        ? 'ログインするには、登録作業者(管理者)にユーザロック解除を依頼してください。'
        : '対象のユーザに確認のうえ、必要に応じてユーザロック解除を行ってください。心当たりのない場合は、不正なログインの試みのおそれがあります。',
    ],
  },
} satisfies NoticeTexts<'registered' | 'passwordReissued' | 'changed' | 'unlocked' | 'deleted' | 'locked'>;
