import { formatJapanDateTime } from '../../lib/japan-time.js';
import type {
  ComposedMail,
  Notice,
  NoticeEvent,
  NoticeRecipient,
  NoticeText,
  NoticeTexts,
} from './notice-types.js';
import { SECOND_FACTOR_NOTICES } from './second-factor-notices.js';
import { USER_NOTICES } from './user-notices.js';

/** Every event's subject and body: an event added to `Notice` without its text does not compile. */
const NOTICE_TEXTS = { ...USER_NOTICES, ...SECOND_FACTOR_NOTICES } satisfies NoticeTexts<NoticeEvent>;

function textOf<E extends NoticeEvent>(event: E): NoticeText<E> {
  const texts: NoticeTexts<NoticeEvent> = NOTICE_TEXTS;
  return texts[event];
}

/**
 * SPEC §5: every mail names the login page, so a new user knows where to go. The address
 * is the deployment's (PUBLIC_URL), set once at start by the app and the command line.
 */
let loginUrl = 'http://localhost:3000/login';

export function configureNotices(settings: { loginUrl: string }): void {
  loginUrl = settings.loginUrl;
}

function footer(): string {
  return [
    '',
    `ログイン画面: ${loginUrl}`,
    '',
    '※本メールは容量市場システムから自動送信しています。返信はできません。',
    '※お心当たりのない場合は、貴社の登録作業者(管理者)にお問い合わせください。',
    '',
    '容量市場システム',
  ].join('\n');
}

/** The subject and body of one notice for one recipient (pure: unit-tested). */
export function composeNotice(
  notice: Notice,
  recipient: Pick<NoticeRecipient, 'userName' | 'concerned' | 'seesSecret'>,
): ComposedMail {
  const u = notice.user;
  const acted = 'actor' in notice && notice.actor ? notice.actor : undefined;
  const text = textOf(notice.event);
  const body = text.body(notice, {
    toUser: recipient.concerned,
    seesSecret: recipient.seesSecret,
    who: `ユーザID: ${u.userId}\nユーザ名: ${u.userName}\n事業者コード: ${u.operatorCode}`,
    when: `日時: ${formatJapanDateTime(notice.at)}`,
    actor: acted ? `作業者: ${acted.userName}（${acted.userId}）` : '',
  });
  const lines = [`${recipient.userName} 様`, '', ...body, footer()];
  return {
    subject: `【容量市場システム】${text.subject}`,
    // A blank line is never doubled where two parts of a body meet.
    body: `${lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n')}\n`,
  };
}
