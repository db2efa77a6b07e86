import crypto from 'node:crypto';
import { formatJapanDateTime } from '../../lib/japan-time.js';
import type { User } from '../users/model.js';
import type { Db } from '../users/repository.js';

/**
 * The one place where each action's mail notice is queued (SPEC §5). Every notice is
 * written to the outbox in the caller's transaction: if the change rolls back, no mail
 * was ever queued; once it commits, the worker delivers it.
 */
export type Notice =
  | {
      event: 'registered';
      at: Date;
      user: User;
      actor: User | null;
      temporaryPassword: string;
      expiresAt: Date;
    }
  | { event: 'changed'; at: Date; user: User; actor: User; changes: string[] }
  | { event: 'unlocked'; at: Date; user: User; actor: User }
  | {
      event: 'passwordReissued';
      at: Date;
      user: User;
      actor: User;
      temporaryPassword: string;
      expiresAt: Date;
    }
  | { event: 'deleted'; at: Date; user: User; actor: User }
  | { event: 'locked'; at: Date; user: User };

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
};

const FOOTER = [
  '',
  '※本メールは容量市場システムから自動送信しています。返信はできません。',
  '※お心当たりのない場合は、貴社の登録作業者(管理者)にお問い合わせください。',
  '',
  '容量市場システム',
].join('\n');

/**
 * SPEC §5, D-16: each notice goes to the user concerned and to the operator's two
 * admins; the temporary password only to the user and to the admin who acted.
 */
export async function queueNotice(db: Db, notice: Notice): Promise<void> {
  const admins = await db
    .selectFrom('users')
    .select(['user_id', 'email'])
    .where('operator_code', '=', notice.user.operatorCode)
    .where('role', '=', 'admin')
    .where('deleted', '=', 0)
    .orderBy('user_id')
    .execute();
  const actorId = 'actor' in notice && notice.actor ? notice.actor.userId : undefined;
  const recipients: { userId: string; email: string; seesSecret: boolean }[] = [
    { userId: notice.user.userId, email: notice.user.email, seesSecret: true },
  ];
  for (const admin of admins) {
    if (admin.user_id === notice.user.userId) continue;
    recipients.push({ userId: admin.user_id, email: admin.email, seesSecret: admin.user_id === actorId });
  }
  for (const r of recipients) {
    const mail = composeNotice(notice, r.seesSecret, r.userId === notice.user.userId);
    await db
      .insertInto('mail_outbox')
      .values({
        created_at: notice.at.toISOString(),
        event: notice.event,
        recipient: r.email,
        subject: mail.subject,
        body: mail.body,
        status: 'pending',
        attempts: 0,
        next_attempt_at: notice.at.toISOString(),
        locked_until: null,
        last_error: null,
        sent_at: null,
        message_id: `<${crypto.randomUUID()}@capacity-market.user-management>`,
      })
      .execute();
  }
}

/** The subject and body of one notice for one recipient (pure: unit-tested). */
export function composeNotice(
  notice: Notice,
  includeSecret: boolean,
  toUserConcerned: boolean,
): ComposedMail {
  const u = notice.user;
  const lines: string[] = [];
  lines.push(toUserConcerned ? `${u.userName} 様` : `${u.operatorCode} 登録作業者(管理者) 各位`);
  lines.push('');
  const who = `ユーザID: ${u.userId}\nユーザ名: ${u.userName}\n事業者コード: ${u.operatorCode}`;
  const when = `日時: ${formatJapanDateTime(notice.at)}`;
  const actor =
    'actor' in notice && notice.actor ? `作業者: ${notice.actor.userName}（${notice.actor.userId}）` : '';
  switch (notice.event) {
    case 'registered':
    case 'passwordReissued': {
      lines.push(
        notice.event === 'registered'
          ? '容量市場システムにユーザ情報が登録されました。'
          : '容量市場システムのパスワードが再発行されました。',
      );
      lines.push('', who, when);
      if (actor) lines.push(actor);
      if (includeSecret) {
        lines.push(
          '',
          `仮パスワード: ${notice.temporaryPassword}`,
          `仮パスワードの有効期限: ${formatJapanDateTime(notice.expiresAt)}（通知日の翌々日まで）`,
          '',
          '有効期限内にログインし、パスワードを変更してください。',
          '有効期限を過ぎた場合は、登録作業者(管理者)にパスワードの再発行を依頼してください。',
        );
      } else {
        lines.push('', '仮パスワードは対象のユーザと作業を行ったユーザにのみ通知しています。');
      }
      break;
    }
    case 'changed':
      lines.push('容量市場システムのユーザ情報が変更されました。', '', who, when, actor);
      if (notice.changes.length > 0) lines.push('', `変更項目: ${notice.changes.join('、')}`);
      break;
    case 'unlocked':
      lines.push('容量市場システムのユーザロックが解除されました。', '', who, when, actor);
      break;
    case 'deleted':
      lines.push(
        '容量市場システムのユーザ情報が削除されました。このユーザはログインできなくなりました。',
        '',
        who,
        when,
        actor,
      );
      break;
    case 'locked':
      lines.push(
        'パスワードを5回連続で誤って入力したため、ユーザがロックされました。',
        '',
        who,
        when,
        '',
        'ログインするには、登録作業者(管理者)にユーザロック解除を依頼してください。',
      );
      break;
  }
  lines.push(FOOTER);
  return {
    subject: `【容量市場システム】${SUBJECTS[notice.event]}`,
    body: `${lines.filter((l, i, all) => !(l === '' && all[i - 1] === '')).join('\n')}\n`,
  };
}
