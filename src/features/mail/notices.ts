import crypto from 'node:crypto';
import type { Db } from '../../db/connect.js';
import { composeNotice } from './compose-notice.js';
import type { Notice, NoticeRecipient } from './notice-types.js';

export { composeNotice, configureNotices } from './compose-notice.js';
export type { ComposedMail, Notice, NoticePerson, NoticeRecipient } from './notice-types.js';

/**
 * The one place where each action's mail notice is queued (SPEC §5). Every notice is
 * written to the outbox in the caller's transaction: if the change rolls back, no mail
 * was ever queued; once it commits, the worker delivers it. Each event's text is in
 * user-notices.ts or second-factor-notices.ts, put together by compose-notice.ts.
 */

/** Notices for the user concerned only: the admins need no mail at each of their logins. */
const USER_ONLY_EVENTS: ReadonlySet<Notice['event']> = new Set(['passkeyUsed']);

/** Message-IDs are ours to mint; the right-hand side names this system. */
const MESSAGE_ID_DOMAIN = 'user-management.capacity-market';

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
