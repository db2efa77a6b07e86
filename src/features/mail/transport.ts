import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import type { Config } from '../../config.js';
import { compactJapanDateTime } from '../../lib/japan-time.js';

/** One mail of the outbox, ready to hand to a transport. */
export interface OutgoingMail {
  outboxId: number;
  from: string;
  to: string;
  subject: string;
  text: string;
  /** The outbox row's Message-ID: the same on every retry, so receivers can de-duplicate. */
  messageId: string;
  /** When the notice was queued (RFC 5322 Date: when the message was ready to send). */
  date: Date;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'eml';
  /** For logs: the SMTP host and port (never the credentials), or the .eml folder. */
  readonly describe: string;
  /** Resolves with where the mail went (the server's reply, or the file); rejects on failure. */
  send(mail: OutgoingMail): Promise<{ location: string }>;
  close(): void;
}

/**
 * The nodemailer message: plain text, UTF-8. nodemailer encodes the Japanese subject
 * as an RFC 2047 encoded-word and the body with a transfer encoding fit for 7-bit
 * transport; the Message-ID and Date come from the outbox row.
 */
function toMessage(mail: OutgoingMail): SendMailOptions {
  return {
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    messageId: mail.messageId,
    date: mail.date,
    // RFC 3834: a notice is machine-generated; vacation responders must not answer it.
    headers: { 'Auto-Submitted': 'auto-generated' },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The SMTP URL with its user and password removed, for logs. */
export function describeSmtpUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}`;
}

/**
 * SMTP over SMTP_URL (smtp:// with STARTTLS when the server offers it, or smtps://).
 * One pooled connection is reused from mail to mail: opening a connection (greeting,
 * EHLO, TLS) cost ~110 ms a mail against a local server, a reused one ~17 ms; it is
 * renewed every 100 mails and reopened by nodemailer when the server drops it.
 * Timeouts are short so that a hung server cannot hold a claimed mail past its lease
 * (worker.ts: DEFAULT_LEASE_MS).
 */
export function smtpTransport(url: string, options: { rejectUnauthorized: boolean }): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: 1,
    maxMessages: 100,
    tls: { rejectUnauthorized: options.rejectUnauthorized },
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  const parsed = new URL(url);
  const secrets = [parsed.password, decodeURIComponent(parsed.password)].filter((s) => s.length > 0);
  return {
    kind: 'smtp',
    describe: describeSmtpUrl(url),
    async send(mail) {
      try {
        const info = await transporter.sendMail(toMessage(mail));
        return { location: String(info.response ?? '') };
      } catch (error) {
        throw redactError(error, secrets);
      }
    },
    close: () => transporter.close(),
  };
}

/**
 * SPEC §5: with no SMTP server configured, each mail becomes an RFC 822 .eml file in
 * DATA_DIR/mail/ that a newcomer can open in any mail program. The name is derived from
 * the row alone (queue time and outbox id), so a retry after a crash rewrites the same
 * file instead of adding a second copy; temp file + rename means a reader never sees a
 * half-written message. The folder and files are private to the owner: the registration
 * and reissue mails carry temporary passwords.
 */
export function emlTransport(dir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'eml',
    describe: dir,
    async send(mail) {
      const info = await transporter.sendMail(toMessage(mail));
      const message = info.message;
      if (!Buffer.isBuffer(message)) throw new Error('stream transport did not return a buffer');
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      const file = path.join(dir, emlFileName(mail));
      const temp = path.join(dir, `.${path.basename(file)}.${crypto.randomBytes(6).toString('hex')}.tmp`);
      const handle = await fs.open(temp, 'w', 0o600);
      try {
        await handle.writeFile(message);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.rename(temp, file);
      } catch (error) {
        await fs.rm(temp, { force: true });
        throw error;
      }
      return { location: file };
    },
    close: () => transporter.close(),
  };
}

/** `20260401100000-000042.eml`: Japan time of queueing, then the outbox id; sorts by time. */
export function emlFileName(mail: Pick<OutgoingMail, 'outboxId' | 'date'>): string {
  return `${compactJapanDateTime(mail.date)}-${String(mail.outboxId).padStart(6, '0')}.eml`;
}

/** SMTP when SMTP_URL is set, otherwise .eml files under DATA_DIR/mail (SPEC §5). */
export function configuredTransport(
  config: Pick<Config, 'smtpUrl' | 'smtpTlsRejectUnauthorized' | 'dataDir'>,
) {
  return config.smtpUrl
    ? smtpTransport(config.smtpUrl, { rejectUnauthorized: config.smtpTlsRejectUnauthorized })
    : emlTransport(path.join(config.dataDir, 'mail'));
}

/** A transport error without anything of the SMTP password in its message. */
function redactError(error: unknown, secrets: string[]): unknown {
  if (!(error instanceof Error) || secrets.length === 0) return error;
  for (const secret of secrets) {
    if (error.message.includes(secret)) error.message = error.message.split(secret).join('***');
    const response = (error as { response?: unknown }).response;
    if (typeof response === 'string' && response.includes(secret)) {
      (error as { response?: unknown }).response = response.split(secret).join('***');
    }
  }
  return error;
}
