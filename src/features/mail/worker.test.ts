import { describe, expect, it } from 'vitest';
import { describeSmtpUrl, emlFileName } from './transport.js';
import { backoffDelayMs, DEFAULT_RETRY, describeError, isPermanentRejection } from './worker.js';

describe('backoffDelayMs (docs/mail.md: 30 s doubling, at most 1 h, 10 attempts)', () => {
  it('doubles from 30 s and is capped at one hour', () => {
    const waits = Array.from({ length: DEFAULT_RETRY.maxAttempts - 1 }, (_, i) => backoffDelayMs(i + 1));
    expect(waits).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600, 3600].map((s) => s * 1000));
    // The last attempt comes about three hours after the first.
    expect(waits.reduce((a, b) => a + b, 0)).toBe(11_010_000);
    expect(backoffDelayMs(1_000)).toBe(3_600_000);
  });
});

describe('isPermanentRejection', () => {
  const smtpError = (code: string, responseCode?: number) =>
    Object.assign(new Error('x'), { code, responseCode });
  it('fails at once only on a 5xx to the recipient or the message', () => {
    expect(isPermanentRejection(smtpError('EENVELOPE', 550))).toBe(true);
    expect(isPermanentRejection(smtpError('EMESSAGE', 554))).toBe(true);
    expect(isPermanentRejection(smtpError('EENVELOPE', 451))).toBe(false);
    expect(isPermanentRejection(smtpError('EAUTH', 535))).toBe(false);
    expect(isPermanentRejection(smtpError('ECONNECTION'))).toBe(false);
    expect(isPermanentRejection(new Error('plain'))).toBe(false);
  });
});

describe('describeError', () => {
  it('keeps code, SMTP status and message on one bounded line', () => {
    const e = Object.assign(new Error("Can't send mail -\n all recipients were rejected"), {
      code: 'EENVELOPE',
      responseCode: 451,
    });
    expect(describeError(e)).toBe("EENVELOPE 451 Can't send mail - all recipients were rejected");
    expect(describeError(new Error('x'.repeat(2000)))).toHaveLength(500);
  });
});

describe('transport helpers', () => {
  it('describes an SMTP URL without its credentials', () => {
    expect(describeSmtpUrl('smtps://mailer:s3cret%21@mail.example.jp:465')).toBe(
      'smtps://mail.example.jp:465',
    );
  });
  it('names .eml files by Japan time of queueing and outbox id', () => {
    expect(emlFileName({ outboxId: 42, date: new Date('2026-04-01T01:00:00.000Z') })).toBe(
      '20260401100000-000042.eml',
    );
  });
});
