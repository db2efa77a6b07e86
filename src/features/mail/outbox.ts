import { type Kysely, sql } from 'kysely';
import type { Store } from '../../db/connect.js';
import type { Database, MailOutboxTable } from '../../db/schema.js';

/**
 * All SQL on table mail_outbox outside of queueNotice (SPEC §5: the outbox). Rows are
 * written by queueNotice in the transaction of the change they report; from then on
 * only the functions here touch them.
 *
 * Life of a row: pending → (claimed) sending → sent, or back to pending with a later
 * next_attempt_at, or failed once the retry limit is reached. A claim is a lease:
 * locked_until says when a claim that was never finished (a crashed worker) lapses and
 * the row can be claimed again. The lease value is also the claim's token: only the
 * worker that set it may finish the row (see finishSent / finishFailed).
 */
export type OutboxStatus = MailOutboxTable['status'];
export const OUTBOX_STATUSES: readonly OutboxStatus[] = ['pending', 'sending', 'sent', 'failed'];

/** A claimed mail, as the worker sends it. */
export interface OutboxMail {
  id: number;
  createdAt: Date;
  event: string;
  recipient: string;
  subject: string;
  body: string;
  attempts: number;
  messageId: string;
  /** The lease this claim holds; finishing the row requires it to be unchanged. */
  lockedUntil: string;
}

/** What `outbox list` shows: never the body (it may hold a temporary password, D-16). */
export interface OutboxEntry {
  id: number;
  createdAt: string;
  event: string;
  recipient: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  sentAt: string | null;
}

const CLAIM_COLUMNS = [
  'id',
  'created_at',
  'event',
  'recipient',
  'subject',
  'body',
  'attempts',
  'message_id',
  'locked_until',
] as const;

/**
 * Claims up to `limit` due mails for one worker: pending rows whose next attempt is due,
 * and rows left in 'sending' by a worker whose lease has lapsed. Each claimed row gets
 * status 'sending' and locked_until = now + lease.
 *
 * PostgreSQL: several server processes share the outbox; SELECT … FOR UPDATE SKIP LOCKED
 * in a short transaction lets each take rows no other worker holds, without waiting on
 * them. SQLite: one connection serialises every statement, so one UPDATE … WHERE id IN
 * (SELECT … LIMIT n) RETURNING is atomic on its own.
 */
export async function claimDueMails(
  store: Pick<Store, 'db' | 'dialect'>,
  options: { now: Date; leaseMs: number; limit: number },
): Promise<OutboxMail[]> {
  const now = options.now.toISOString();
  const lockedUntil = new Date(options.now.getTime() + options.leaseMs).toISOString();
  const due = (db: Kysely<Database>) =>
    db
      .selectFrom('mail_outbox')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', now)]),
          eb.and([eb('status', '=', 'sending'), eb('locked_until', '<=', now)]),
        ]),
      )
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(options.limit);

  const claim = async (db: Kysely<Database>, ids: number[] | null) => {
    let query = db
      .updateTable('mail_outbox')
      .set({ status: 'sending', locked_until: lockedUntil })
      .returning(CLAIM_COLUMNS);
    query = ids === null ? query.where('id', 'in', due(db)) : query.where('id', 'in', ids);
    return query.execute();
  };

  const rows =
    store.dialect === 'postgres'
      ? await store.db.transaction().execute(async (tx) => {
          const locked = await due(tx).forUpdate().skipLocked().execute();
          if (locked.length === 0) return [];
          return claim(
            tx,
            locked.map((r) => Number(r.id)),
          );
        })
      : await claim(store.db, null);

  return rows
    .map((r) => ({
      id: Number(r.id),
      createdAt: new Date(r.created_at),
      event: r.event,
      recipient: r.recipient,
      subject: r.subject,
      body: r.body,
      attempts: Number(r.attempts),
      messageId: r.message_id,
      lockedUntil: r.locked_until ?? lockedUntil,
    }))
    .sort((a, b) => a.id - b.id);
}

/** What stays of a delivered mail's body in the outbox. */
export const SENT_BODY_PLACEHOLDER = '（送信済みのため本文は保存していません）';

/** Marks a claimed mail as delivered; false when the claim had lapsed and was taken over. */
export async function finishSent(db: Kysely<Database>, mail: OutboxMail, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('mail_outbox')
    // A sent body is not needed again and may hold a temporary password: keep none at rest.
    .set({
      status: 'sent',
      sent_at: now.toISOString(),
      locked_until: null,
      last_error: null,
      body: SENT_BODY_PLACEHOLDER,
    })
    .where('id', '=', mail.id)
    .where('status', '=', 'sending')
    .where('locked_until', '=', mail.lockedUntil)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records a failed attempt: back to pending with `nextAttemptAt`, or failed for good
 * (`nextAttemptAt` null). `error` must already be free of secrets.
 */
export async function finishFailed(
  db: Kysely<Database>,
  mail: OutboxMail,
  outcome: { error: string; nextAttemptAt: Date | null; now: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('mail_outbox')
    .set({
      status: outcome.nextAttemptAt ? 'pending' : 'failed',
      attempts: mail.attempts + 1,
      next_attempt_at: (outcome.nextAttemptAt ?? outcome.now).toISOString(),
      locked_until: null,
      last_error: outcome.error,
    })
    .where('id', '=', mail.id)
    .where('status', '=', 'sending')
    .where('locked_until', '=', mail.lockedUntil)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Hands claimed mails that this worker will not send now back to the queue unchanged
 * (a worker that stops, or whose lease is running out), so that they need not wait for
 * the lease to lapse.
 */
export async function releaseClaims(db: Kysely<Database>, mails: OutboxMail[]): Promise<void> {
  for (const mail of mails) {
    await db
      .updateTable('mail_outbox')
      .set({ status: 'pending', locked_until: null })
      .where('id', '=', mail.id)
      .where('status', '=', 'sending')
      .where('locked_until', '=', mail.lockedUntil)
      .execute();
  }
}

/** Newest first; the body is never read here (it may hold a temporary password, D-16). */
export async function listOutbox(
  db: Kysely<Database>,
  options: { status?: OutboxStatus; limit: number },
): Promise<OutboxEntry[]> {
  let query = db
    .selectFrom('mail_outbox')
    .select([
      'id',
      'created_at',
      'event',
      'recipient',
      'status',
      'attempts',
      'next_attempt_at',
      'last_error',
      'sent_at',
    ])
    .orderBy('id', 'desc')
    .limit(options.limit);
  if (options.status) query = query.where('status', '=', options.status);
  const rows = await query.execute();
  return rows.map((r) => ({
    id: Number(r.id),
    createdAt: r.created_at,
    event: r.event,
    recipient: r.recipient,
    status: r.status,
    attempts: Number(r.attempts),
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    sentAt: r.sent_at,
  }));
}

/**
 * `outbox retry`: failed mails go back to pending with their attempts reset, due now.
 * Only failed rows move: a pending, sending or sent mail is left alone (retrying a sent
 * mail would deliver it twice). Returns the ids that were requeued.
 */
export async function retryFailedMails(
  db: Kysely<Database>,
  target: { ids: number[] } | { allFailed: true },
  now: Date,
): Promise<number[]> {
  if ('ids' in target && target.ids.length === 0) return [];
  let query = db
    .updateTable('mail_outbox')
    .set({ status: 'pending', attempts: 0, next_attempt_at: now.toISOString(), locked_until: null })
    .where('status', '=', 'failed')
    .returning('id');
  if ('ids' in target) query = query.where('id', 'in', target.ids);
  const rows = await query.execute();
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Counts by status, for the worker's start-up log line and for tests. */
export async function countOutbox(db: Kysely<Database>): Promise<Record<OutboxStatus, number>> {
  const rows = await db
    .selectFrom('mail_outbox')
    .select(['status', sql<number>`count(*)`.as('n')])
    .groupBy('status')
    .execute();
  const counts: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}
