import crypto from 'node:crypto';
import { hashPassword, verifyPassword } from '../../lib/passwords.js';

/** SPEC D-22: ten one-time recovery codes per enrolment. */
export const RECOVERY_CODE_COUNT = 10;

// Crockford's base32 without I, L, O, U: read from paper and typed by hand. 12 characters,
// 60 bits each; below 112 bits, so they are stored as salted argon2id hashes (ASVS V6.5.2).
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const LENGTH = 12;

/** A new recovery code, shown as XXXX-XXXX-XXXX. */
export function newRecoveryCode(): string {
  let out = '';
  for (let i = 0; i < LENGTH; i++) out += ALPHABET[crypto.randomInt(ALPHABET.length)];
  return `${out.slice(0, 4)}-${out.slice(4, 8)}-${out.slice(8)}`;
}

/**
 * Typed input (already without spaces or hyphens, upper case) in the stored form, or
 * undefined. As Crockford's base32 reads them, O is 0 and I or L is 1: letters a person
 * may read off paper for the digits.
 */
export function asRecoveryCode(normalised: string): string | undefined {
  const code = normalised.replace(/O/g, '0').replace(/[IL]/g, '1');
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

export function hashRecoveryCode(code: string): Promise<string> {
  return hashPassword(code.replace(/-/g, ''));
}

export function recoveryCodeMatches(hash: string, normalised: string): Promise<boolean> {
  return verifyPassword(hash, normalised);
}
