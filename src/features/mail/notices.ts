import crypto from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { formatJapanDateTime } from '../../lib/japan-time.js';

/**
 * The one place where each action's mail notice is queued (SPEC §5). Every notice is
 * written to the outbox in the caller's transaction: if the change rolls back, no mail
 * was ever queued; once it commits, the worker delivers it.
 */
/**
 * Who a notice is about, or who acted: what a mail names. Mail is a service every feature
 * calls, so it takes this shape rather than importing a feature's model.
 */
export interface NoticePerson {
  userId: string;
  userName: string;
  email: string;
  operatorCode: string;
}

export type Notice =
  | {
      event: 'registered';
      at: Date;
      user: NoticePerson;
      actor: NoticePerson | null;
      temporaryPassword: string;
      expiresAt: Date;
    }
  | {
      event: 'changed';
      at: Date;
      /** The user after the change. */
      user: NoticePerson;
      actor: NoticePerson;
      /** The labels of the changed fields (e.g. メールアドレス). */
      changes: string[];
      /** The mail address before the change, when it changed: it is told too. */
      previousEmail?: string;
    }
  | { event: 'unlocked'; at: Date; user: NoticePerson; actor: NoticePerson }
  | {
      event: 'passwordReissued';
      at: Date;
      user: NoticePerson;
      actor: NoticePerson;
      temporaryPassword: string;
      expiresAt: Date;
    }
  | { event: 'deleted'; at: Date; user: NoticePerson; actor: NoticePerson }
  | { event: 'locked'; at: Date; user: NoticePerson }
  /** SPEC D-22: the user enrolled an authenticator app, or removed it. */
  | { event: 'secondFactorEnabled'; at: Date; user: NoticePerson }
  | { event: 'secondFactorRemoved'; at: Date; user: NoticePerson }
  /** An admin of the operator reset the user's second factor (the user lost it). */
  | { event: 'secondFactorReset'; at: Date; user: NoticePerson; actor: NoticePerson }
  /** A recovery code was used to log in: the user learns how many are left. */
  | { event: 'recoveryCodeUsed'; at: Date; user: NoticePerson; left: number }
  /** An admin (the user of the notice) set whether the operator requires a second factor. */
  | { event: 'secondFactorPolicy'; at: Date; user: NoticePerson; required: boolean }
  /** SPEC D-22: the user registered or removed a passkey (by the name they gave it). */
  | { event: 'passkeyAdded'; at: Date; user: NoticePerson; name: string }
  | { event: 'passkeyRemoved'; at: Date; user: NoticePerson; name: string }
  /** A passkey was used to log in: told to the user alone, as a login notice. */
  | { event: 'passkeyUsed'; at: Date; user: NoticePerson; name: string; ip: string };

export interface ComposedMail {
  subject: string;
  body: string;
}

const SUBJECTS: Record<Notice['event'], string> = {
  registered: 'ユーザ情報登録のお知らせ',
  changed: 'ユーザ情報変更のお知らせ',
  unlocked: 'ユーザロック解除のお知らせ',
  passwordReissued: 'パスワード再発行のお知らせ',
  deleted: 'ユーザ情報削除のお知らせ',
  locked: 'ユーザロックのお知らせ',
  secondFactorEnabled: '二要素認証設定のお知らせ',
  secondFactorRemoved: '二要素認証解除のお知らせ',
  secondFactorReset: '二要素認証リセットのお知らせ',
  recoveryCodeUsed: 'リカバリーコード使用のお知らせ',
  secondFactorPolicy: '二要素認証の必須設定変更のお知らせ',
  passkeyAdded: 'パスキー登録のお知らせ',
  passkeyRemoved: 'パスキー削除のお知らせ',
  passkeyUsed: 'パスキーによるログインのお知らせ',
};

/** Notices for the user concerned only: the admins need no mail at each of their logins. */
const USER_ONLY_EVENTS: ReadonlySet<Notice['event']> = new Set(['passkeyUsed']);

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

/** Message-IDs are ours to mint; the right-hand side names this system. */
const MESSAGE_ID_DOMAIN = 'user-management.capacity-market';

/** Who gets one copy of a notice, and what that copy may say (SPEC §5, D-16). */
export interface NoticeRecipient {
  userId: string;
  userName: string;
  email: string;
  /** The user the notice is about (as opposed to one of the operator's admins). */
  concerned: boolean;
  /**
   * D-16 (revised): whether this copy carries the temporary password: always the user
   * concerned; at a registration also the admin who registered; at a reissue nobody else.
   */
  seesSecret: boolean;
}

/**
 * SPEC §5, D-16 (revised), D-17: each notice goes to the user concerned and to the
 * operator's two admins, one mail each (an admin who is the user concerned gets one
 * mail, as the user). The temporary password goes to the user concerned, and at a
 * registration also to the admin who registered (manual ch. 4); a registration from the
 * command line (no actor) sends it to the user alone. At a reissue it goes to the user
 * concerned only (manual ch. 9): were the acting admin to receive it, an admin could
 * reissue the other admin's password, read it and take that account over.
 */
export function noticeRecipients(
  notice: Notice,
  admins: readonly { userId: string; userName: string; email: string }[],
): NoticeRecipient[] {
  const u = notice.user;
  const actorId = 'actor' in notice && notice.actor ? notice.actor.userId : undefined;
  const recipients: NoticeRecipient[] = [
    { userId: u.userId, userName: u.userName, email: u.email, concerned: true, seesSecret: true },
  ];
  // A changed mail address: the old address learns of the change too, so that a
  // hijacked account cannot silently redirect its mail.
  if (notice.event === 'changed' && notice.previousEmail && notice.previousEmail !== u.email) {
    recipients.push({
      userId: u.userId,
      userName: u.userName,
      email: notice.previousEmail,
      concerned: true,
      seesSecret: false,
    });
  }
  if (USER_ONLY_EVENTS.has(notice.event)) return recipients;
  for (const admin of admins) {
    if (admin.userId === u.userId) continue;
    recipients.push({
      userId: admin.userId,
      userName: admin.userName,
      email: admin.email,
      concerned: false,
      seesSecret: notice.event === 'registered' && admin.userId === actorId,
    });
  }
  return recipients;
}

/**
 * Writes one outbox row per recipient, in the caller's transaction (`db` is the open
 * transaction): if the change rolls back, no mail was ever queued.
 */
export async function queueNotice(db: Db, notice: Notice): Promise<void> {
  const admins = await db
    .selectFrom('users')
    .select(['user_id', 'user_name', 'email'])
    .where('operator_code', '=', notice.user.operatorCode)
    .where('role', '=', 'admin')
    .where('deleted', '=', 0)
    .orderBy('user_id')
    .execute();
  const recipients = noticeRecipients(
    notice,
    admins.map((a) => ({ userId: a.user_id, userName: a.user_name, email: a.email })),
  );
  const at = notice.at.toISOString();
  for (const recipient of recipients) {
    const mail = composeNotice(notice, recipient);
    await db
      .insertInto('mail_outbox')
      .values({
        created_at: at,
        event: notice.event,
        recipient: recipient.email,
        subject: mail.subject,
        body: mail.body,
        status: 'pending',
        attempts: 0,
        next_attempt_at: at,
        locked_until: null,
        last_error: null,
        sent_at: null,
        // Minted once, here: every retry sends the same Message-ID (receivers de-duplicate).
        message_id: `<${crypto.randomUUID()}@${MESSAGE_ID_DOMAIN}>`,
      })
      .execute();
  }
}

/** The subject and body of one notice for one recipient (pure: unit-tested). */
export function composeNotice(
  notice: Notice,
  recipient: Pick<NoticeRecipient, 'userName' | 'concerned' | 'seesSecret'>,
): ComposedMail {
  const u = notice.user;
  const toUser = recipient.concerned;
  const lines: string[] = [`${recipient.userName} 様`, ''];
  const who = `ユーザID: ${u.userId}\nユーザ名: ${u.userName}\n事業者コード: ${u.operatorCode}`;
  const when = `日時: ${formatJapanDateTime(notice.at)}`;
  const actor =
    'actor' in notice && notice.actor ? `作業者: ${notice.actor.userName}（${notice.actor.userId}）` : '';
  const withActor = (...rest: string[]) => (actor ? [...rest, actor] : rest);
  switch (notice.event) {
    case 'registered':
    case 'passwordReissued': {
      const what =
        notice.event === 'registered' ? 'ユーザ情報が登録されました' : 'パスワードが再発行されました';
      lines.push(
        toUser ? `容量市場システムのあなたの${what}。` : `容量市場システムで次のユーザの${what}。`,
        '',
        ...withActor(who, when),
      );
      // D-16: a reissued password is never in an admin's copy, whatever the caller says.
      const withSecret = recipient.seesSecret && (toUser || notice.event === 'registered');
      if (withSecret) {
        lines.push(
          '',
          `仮パスワード: ${notice.temporaryPassword}`,
          `仮パスワードの有効期限: ${formatJapanDateTime(notice.expiresAt)}（通知日の翌々日まで）`,
          '',
        );
        if (toUser) {
          lines.push(
            '有効期限内にログインし、パスワードを変更してください。',
            '有効期限を過ぎた場合は、登録作業者(管理者)にパスワードの再発行を依頼してください。',
          );
        } else {
          lines.push(
            '仮パスワードは対象のユーザにも通知しています。第三者に知られないよう取り扱ってください。',
          );
        }
      } else if (notice.event === 'registered' && actor) {
        lines.push('', '仮パスワードは対象のユーザと作業を行ったユーザにのみ通知しています。');
      } else {
        lines.push('', '仮パスワードは対象のユーザにのみ通知しています。');
      }
      break;
    }
    case 'changed':
      lines.push(
        toUser
          ? '容量市場システムのあなたのユーザ情報が変更されました。'
          : '容量市場システムで次のユーザのユーザ情報が変更されました。',
        '',
        ...withActor(who, when),
      );
      if (notice.changes.length > 0) lines.push('', `変更項目: ${notice.changes.join('、')}`);
      break;
    case 'unlocked':
      lines.push(
        toUser
          ? '容量市場システムのあなたのユーザロックが解除されました。'
          : '容量市場システムで次のユーザのユーザロックが解除されました。',
        '',
        ...withActor(who, when),
      );
      break;
    case 'deleted':
      lines.push(
        toUser
          ? '容量市場システムのあなたのユーザ情報が削除されました。'
          : '容量市場システムで次のユーザのユーザ情報が削除されました。',
        'このユーザはログインできなくなりました。',
        '',
        ...withActor(who, when),
      );
      break;
    case 'locked':
      // SPEC §4.11: the fifth consecutive wrong password locks the user.
      lines.push(
        'パスワードを5回連続で誤って入力したため、ユーザがロックされました。',
        '',
        who,
        when,
        '',
        toUser
          ? 'ログインするには、登録作業者(管理者)にユーザロック解除を依頼してください。'
          : '対象のユーザに確認のうえ、必要に応じてユーザロック解除を行ってください。心当たりのない場合は、不正なログインの試みのおそれがあります。',
      );
      break;
    case 'secondFactorEnabled':
    case 'secondFactorRemoved': {
      const what =
        notice.event === 'secondFactorEnabled'
          ? '二要素認証（認証アプリ）が設定されました'
          : '二要素認証（認証アプリ）が解除されました';
      lines.push(
        toUser ? `容量市場システムのあなたのユーザに${what}。` : `容量市場システムで次のユーザに${what}。`,
        '',
        who,
        when,
      );
      if (toUser) lines.push('', 'お心当たりのない場合は、直ちに登録作業者(管理者)に連絡してください。');
      break;
    }
    case 'secondFactorReset':
      lines.push(
        toUser
          ? '容量市場システムのあなたのユーザの二要素認証（認証アプリ、リカバリーコード、パスキー）がリセットされました。'
          : '容量市場システムで次のユーザの二要素認証（認証アプリ、リカバリーコード、パスキー）がリセットされました。',
        'ログイン中のセッションはすべて終了しました。',
        '',
        ...withActor(who, when),
      );
      if (toUser) {
        lines.push(
          '',
          '次回のログイン後、アカウント設定で二要素認証を設定し直してください。お心当たりのない場合は、直ちに登録作業者(管理者)に連絡してください。',
        );
      }
      break;
    case 'recoveryCodeUsed':
      lines.push(
        toUser
          ? '容量市場システムへのログインに、あなたのリカバリーコードが使用されました。'
          : '容量市場システムで次のユーザのログインにリカバリーコードが使用されました。',
        '',
        who,
        when,
        `残りのリカバリーコード: ${notice.left}個`,
      );
      if (toUser) {
        lines.push(
          '',
          '認証アプリを使えない場合は、アカウント設定で二要素認証を設定し直してください。お心当たりのない場合は、直ちに登録作業者(管理者)に連絡してください。',
        );
      }
      break;
    case 'secondFactorPolicy':
      lines.push(
        notice.required
          ? `事業者コード ${u.operatorCode} のすべてのユーザに二要素認証を必須にしました。`
          : `事業者コード ${u.operatorCode} のユーザの二要素認証を必須から任意に変更しました。`,
        '',
        `作業者: ${u.userName}（${u.userId}）`,
        when,
      );
      if (notice.required) {
        lines.push('', '二要素認証を設定していないユーザは、次回のログイン時に設定が求められます。');
      }
      break;
    case 'passkeyAdded':
    case 'passkeyRemoved': {
      const what =
        notice.event === 'passkeyAdded'
          ? '二要素認証のパスキーが登録されました'
          : '二要素認証のパスキーが削除されました';
      lines.push(
        toUser ? `容量市場システムのあなたのユーザに${what}。` : `容量市場システムで次のユーザに${what}。`,
        '',
        who,
        `パスキーの名前: ${notice.name}`,
        when,
      );
      if (toUser) lines.push('', 'お心当たりのない場合は、直ちに登録作業者(管理者)に連絡してください。');
      break;
    }
    case 'passkeyUsed':
      lines.push(
        '容量市場システムへのログインに、あなたのパスキーが使用されました。',
        '',
        who,
        `パスキーの名前: ${notice.name}`,
        when,
        `接続元: ${notice.ip || '不明'}`,
        '',
        'お心当たりのない場合は、直ちにパスワードを変更し、登録作業者(管理者)に連絡してください。',
      );
      break;
  }
  lines.push(footer());
  return {
    subject: `【容量市場システム】${SUBJECTS[notice.event]}`,
    body: `${lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n')}\n`,
  };
}
