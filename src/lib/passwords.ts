import crypto from 'node:crypto';
import argon2 from 'argon2';

/**
 * Password hashing with argon2id at the OWASP Password Storage Cheat Sheet's first
 * recommended setting: m = 19 MiB, t = 2, p = 1.
 */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/**
 * SPEC D-13 (NIST SP 800-63B 3.1.1.2): passwords are hashed in their NFKC form, so that the
 * same password typed on another device or keyboard (full-width ｐａｓｓ１２３ from a Japanese
 * IME, U+3000 for a space, a composed or decomposed が) gives the same hash. The policy
 * (password-policy.ts) checks the same form.
 */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password.normalize('NFKC'), ARGON2_OPTIONS);
}

async function verifyExactly(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

/**
 * Constant-time verification (argon2 compares digests in constant time) of the NFKC form.
 * Hashes made before D-13 normalised passwords were made of the password as typed: when the
 * NFKC form fails and differs from what was typed, what was typed is tried too, so that such
 * users can still log in (and change their password to the normalised form).
 */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const normalized = password.normalize('NFKC');
  if (await verifyExactly(hash, normalized)) return true;
  return normalized !== password && verifyExactly(hash, password);
}

/**
 * A hash of a random password that nobody knows, verified when the user ID is unknown so
 * that an unknown ID and a wrong password take the same time (SPEC D-14).
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(crypto.randomBytes(32).toString('base64url'));
  return decoyHash;
}

// No 0/O, 1/l/I: a temporary password is read from a mail and typed by hand.
const TEMPORARY_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const TEMPORARY_LENGTH = 16;

/** SPEC D-13: temporary passwords are random, at least 16 characters, never chosen by an admin. */
export function generateTemporaryPassword(): string {
  let out = '';
  for (let i = 0; i < TEMPORARY_LENGTH; i++)
    out += TEMPORARY_ALPHABET[crypto.randomInt(TEMPORARY_ALPHABET.length)];
  return out;
}
