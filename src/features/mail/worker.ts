import type { Store } from '../../db/connect.js';
import { type Clock, systemClock } from '../../lib/clock.js';
import { claimDueMails, finishFailed, finishSent, type OutboxMail, releaseClaims } from './outbox.js';
import type { MailTransport } from './transport.js';

/**
 * The outbox worker (SPEC §5): sends the mails that queueNotice wrote, in the
 * background, never in a request. A mail server that is down or refuses delays mail:
 * the row goes back to pending with a later attempt and the change it reports stays
 * committed. After `maxAttempts` the row is marked failed, shown by `outbox list` and
 * requeued by `outbox retry` (docs/mail.md).
 */
export interface RetryPolicy {
  /** Attempts in all, the first included; the last failure marks the mail failed. */
  maxAttempts: number;
  /** Wait after the first failure; doubles after each further failure. */
  baseDelayMs: number;
  /** Upper bound of one wait. */
  maxDelayMs: number;
}

/**
 * 10 attempts, 30 s doubling, capped at 1 h: waits of 30 s, 1, 2, 4, 8, 16, 32 min, then
 * 1 h, 1 h, so the last attempt comes about 3 h after the first: long enough to ride
 * out a mail server's restart or maintenance window, short enough that an admin learns
 * the same day that a notice did not go out.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 30_000, maxDelayMs: 3_600_000 };

/**
 * A claim lapses after 10 minutes. It must outlast one batch; a worker stops starting
 * new sends once less than SEND_BUDGET_MS of its lease is left and hands the rest back.
 */
export const DEFAULT_LEASE_MS = 10 * 60_000;
const SEND_BUDGET_MS = 2 * 60_000;
export const DEFAULT_POLL_INTERVAL_MS = 5_000;
export const DEFAULT_BATCH_SIZE = 10;

/** The wait after the `attempts`-th failed attempt (1-based). */
export function backoffDelayMs(attempts: number, policy: RetryPolicy = DEFAULT_RETRY): number {
  const exponent = Math.max(0, attempts - 1);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
}

/** The subset of a pino logger the worker uses (Fastify's `app.log` fits). */
export interface MailLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const silentLogger: MailLogger = { info() {}, warn() {}, error() {} };

export interface MailWorkerOptions {
  store: Pick<Store, 'db' | 'dialect'>;
  transport: MailTransport;
  /** MAIL_FROM. */
  from: string;
  clock?: Clock;
  logger?: MailLogger;
  pollIntervalMs?: number;
  batchSize?: number;
  leaseMs?: number;
  retry?: Partial<RetryPolicy>;
}

export interface RunResult {
  claimed: number;
  sent: number;
  /** Failed attempts that will be retried. */
  retrying: number;
  /** Mails marked failed by this run (limit reached, or refused permanently). */
  failed: number;
  /** Claimed mails handed back unsent (the worker is stopping or its lease runs out). */
  released: number;
}

/**
 * Permanent refusals: a 5xx reply to the recipient (EENVELOPE) or to the message itself
 * (EMESSAGE), e.g. 550 "no such mailbox". Retrying cannot change the answer, so the mail
 * is failed at once and an admin sees it the same hour instead of after three. Every
 * other error (connection refused, timeouts, 4xx, and also 5xx to the login, which a
 * configuration fix cures) counts as one attempt and is retried.
 */
export function isPermanentRejection(error: unknown): boolean {
  const e = error as { code?: unknown; responseCode?: unknown };
  const status = typeof e?.responseCode === 'number' ? e.responseCode : 0;
  return status >= 500 && status < 600 && (e.code === 'EENVELOPE' || e.code === 'EMESSAGE');
}

/**
 * The error text kept in last_error and logged: code, SMTP status and message, bounded.
 * The transport has already removed the SMTP password; a mail's body never appears in
 * a transport error.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 500);
  const e = error as Error & { code?: unknown; responseCode?: unknown };
  const parts = [
    typeof e.code === 'string' ? e.code : '',
    typeof e.responseCode === 'number' ? String(e.responseCode) : '',
    e.message.replace(/\s+/g, ' ').trim(),
  ].filter((p) => p !== '');
  return parts.join(' ').slice(0, 500);
}

export class MailWorker {
  readonly #store: Pick<Store, 'db' | 'dialect'>;
  readonly #transport: MailTransport;
  readonly #from: string;
  readonly #clock: Clock;
  readonly #log: MailLogger;
  readonly #pollIntervalMs: number;
  readonly #batchSize: number;
  readonly #leaseMs: number;
  readonly #retry: RetryPolicy;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #stopping = false;
  /** The run in progress: runs never overlap within one worker. */
  #current: Promise<RunResult> = Promise.resolve(emptyResult());

  constructor(options: MailWorkerOptions) {
    this.#store = options.store;
    this.#transport = options.transport;
    this.#from = options.from;
    this.#clock = options.clock ?? systemClock;
    this.#log = options.logger ?? silentLogger;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.#batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    this.#leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  get retryPolicy(): RetryPolicy {
    return { ...this.#retry };
  }

  /** Polls in the background until stop(); a full batch is followed at once by the next. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#stopping = false;
    const tick = async () => {
      this.#timer = undefined;
      let full = false;
      try {
        full = (await this.runOnce()).claimed >= this.#batchSize;
      } catch (error) {
        // The database is unreachable: nothing was claimed or the claim lapses; try later.
        this.#log.error({ error: describeError(error) }, 'mail worker: outbox run failed');
      }
      if (!this.#stopping) this.#timer = setTimeout(tick, full ? 0 : this.#pollIntervalMs);
    };
    this.#timer = setTimeout(tick, 0);
  }

  /** Stops polling and waits for the mail being sent; unsent claimed mails are handed back. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#current.catch(() => undefined);
    this.#started = false;
  }

  /** Claims one batch of due mails and tries each once (tests call it directly). */
  runOnce(): Promise<RunResult> {
    const next = this.#current.catch(() => undefined).then(() => this.#run());
    this.#current = next;
    return next;
  }

  async #run(): Promise<RunResult> {
    const result = emptyResult();
    const mails = await claimDueMails(this.#store, {
      now: this.#clock.now(),
      leaseMs: this.#leaseMs,
      limit: this.#batchSize,
    });
    result.claimed = mails.length;
    for (const [i, mail] of mails.entries()) {
      const leaseLeft = new Date(mail.lockedUntil).getTime() - this.#clock.now().getTime();
      if (this.#stopping || leaseLeft < SEND_BUDGET_MS) {
        const rest = mails.slice(i);
        await releaseClaims(this.#store.db, rest);
        result.released = rest.length;
        break;
      }
      await this.#sendOne(mail, result);
    }
    return result;
  }

  async #sendOne(mail: OutboxMail, result: RunResult): Promise<void> {
    const db = this.#store.db;
    let location: string;
    try {
      ({ location } = await this.#transport.send({
        outboxId: mail.id,
        from: this.#from,
        to: mail.recipient,
        subject: mail.subject,
        text: mail.body,
        messageId: mail.messageId,
        date: mail.createdAt,
      }));
    } catch (error) {
      await this.#recordFailure(mail, error, result);
      return;
    }
    result.sent += 1;
    const where = this.#transport.kind === 'eml' ? { file: location } : { smtpResponse: location };
    // Names the mail and where it went; never the body (it may hold a temporary password).
    this.#log.info(
      { outboxId: mail.id, event: mail.event, messageId: mail.messageId, ...where },
      'mail sent',
    );
    // Should this update not land (database gone), the claim lapses and the mail is sent
    // again with the same Message-ID: at least once, and receivers can de-duplicate.
    if (!(await finishSent(db, mail, this.#clock.now()))) {
      this.#log.warn({ outboxId: mail.id }, 'mail sent after its claim lapsed; it may be sent again');
    }
  }

  async #recordFailure(mail: OutboxMail, error: unknown, result: RunResult): Promise<void> {
    const attempts = mail.attempts + 1;
    const permanent = isPermanentRejection(error);
    const exhausted = attempts >= this.#retry.maxAttempts;
    const now = this.#clock.now();
    const nextAttemptAt =
      permanent || exhausted ? null : new Date(now.getTime() + backoffDelayMs(attempts, this.#retry));
    const text = describeError(error);
    await finishFailed(this.#store.db, mail, { error: text, nextAttemptAt, now });
    if (nextAttemptAt) {
      result.retrying += 1;
      this.#log.warn(
        {
          outboxId: mail.id,
          event: mail.event,
          attempts,
          nextAttemptAt: nextAttemptAt.toISOString(),
          error: text,
        },
        'mail not sent; will retry',
      );
    } else {
      result.failed += 1;
      this.#log.error(
        { outboxId: mail.id, event: mail.event, attempts, permanent, error: text },
        'mail failed: see `outbox list --status failed`, requeue with `outbox retry`',
      );
    }
  }
}

function emptyResult(): RunResult {
  return { claimed: 0, sent: 0, retrying: 0, failed: 0, released: 0 };
}
