import { z } from 'zod';
import { parseCalendarDate } from './japan-time.js';
import type { MessageId } from './messages.js';

/**
 * Field rules shared by every form and by the command-line tool (SPEC §3, D-3..D-6).
 * Each rule reports a message ID of the catalog as its zod issue message.
 */

/**
 * Characters that have no place in a name: controls, the line and paragraph separators
 * U+2028/U+2029 (which break lines in mails and CSV viewers), lone surrogates, and the
 * bidirectional overrides and isolates that can make a name read backwards on screen.
 */
const CONTROL_CHARACTERS = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u202a-\u202e\u2066-\u2069]/u;

/** SPEC D-3: 4 half-width characters of 0-9A-Z. */
export const ZOperatorCode = z
  .string()
  .trim()
  .regex(/^[0-9A-Z]{4}$/, 'error.field.operatorCode' satisfies MessageId);

/** SPEC D-4: required, 1–50 characters after trimming, no control characters, stored NFC. */
export function zText(requiredMessage: MessageId = 'error.field.required') {
  return z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .superRefine((s, ctx) => {
      if (s.length === 0) ctx.addIssue({ code: 'custom', message: requiredMessage });
      else if ([...s].length > 50 || CONTROL_CHARACTERS.test(s))
        ctx.addIssue({ code: 'custom', message: 'error.field.text' satisfies MessageId });
    });
}

/** The syntax an HTML `<input type=email>` accepts (WHATWG "valid e-mail address"). */
const EMAIL =
  /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

/** SPEC D-6: at most 254 characters. */
export const ZEmail = z
  .string()
  .trim()
  .superRefine((s, ctx) => {
    if (s.length === 0) ctx.addIssue({ code: 'custom', message: 'error.field.required' satisfies MessageId });
    else if (s.length > 254 || !EMAIL.test(s))
      ctx.addIssue({ code: 'custom', message: 'error.field.email' satisfies MessageId });
  });

/**
 * SPEC D-5: three parts of 1–5 half-width digits (all empty or all filled), 10–11 digits
 * in all; stored and shown as `03-1234-5678`, or null when empty.
 */
export const ZPhoneParts = z
  .tuple([z.string(), z.string(), z.string()])
  .transform((parts) => parts.map((p) => p.trim()))
  .superRefine((parts, ctx) => {
    if (parts.every((p) => p === '')) return;
    const digits = parts.join('');
    if (!parts.every((p) => /^[0-9]{1,5}$/.test(p)) || digits.length < 10 || digits.length > 11) {
      ctx.addIssue({ code: 'custom', message: 'error.field.phone' satisfies MessageId });
    }
  })
  .transform((parts) => (parts.every((p) => p === '') ? null : parts.join('-')));

/** A `yyyy/mm/dd` real calendar date, as an ISO date. */
export const ZCalendarDate = z.string().transform((s, ctx) => {
  const date = parseCalendarDate(s);
  if (!date) {
    ctx.addIssue({ code: 'custom', message: 'error.field.date' satisfies MessageId });
    return z.NEVER;
  }
  return date;
});

/** First message ID per field of a failed parse: what a form shows next to each field. */
export function fieldErrors(error: z.ZodError): Record<string, MessageId> {
  const out: Record<string, MessageId> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? '_form');
    if (!(key in out)) out[key] = issue.message as MessageId;
  }
  return out;
}
