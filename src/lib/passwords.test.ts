import argon2 from 'argon2';
import { describe, expect, it } from 'vitest';
import { generateTemporaryPassword, hashPassword, verifyPassword } from './passwords.js';

describe('password hashing', () => {
  it('verifies argon2id hashes and refuses a wrong password', async () => {
    const hash = await hashPassword('a long passphrase here');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(hash, 'a long passphrase here')).toBe(true);
    expect(await verifyPassword(hash, 'a long passphrase herE')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('hashes the NFKC form: full-width and half-width forms verify against one hash (D-13)', async () => {
    const fullWidth = 'Ｋａｋｕｎｉｎｙｏｕ－Ｐａｓｓ\u30002026！';
    const halfWidth = 'Kakuninyou-Pass 2026!';
    expect(fullWidth.normalize('NFKC')).toBe(halfWidth);
    for (const [typed, other] of [
      [fullWidth, halfWidth],
      [halfWidth, fullWidth],
    ] as const) {
      const hash = await hashPassword(typed);
      expect(await argon2.verify(hash, halfWidth)).toBe(true);
      expect(await verifyPassword(hash, typed)).toBe(true);
      expect(await verifyPassword(hash, other)).toBe(true);
      expect(await verifyPassword(hash, 'Kakuninyou-Pass 2025!')).toBe(false);
    }
    // A kana with its voicing mark composed or apart is the same password.
    const hash = await hashPassword('はるがきたよ、はるがきた');
    expect(await verifyPassword(hash, 'はるか\u3099きたよ、はるか\u3099きた')).toBe(true);
    expect(await verifyPassword(hash, 'ﾊﾙｶﾞｷﾀﾖ､ﾊﾙｶﾞｷﾀ')).toBe(false);
  });

  it('still verifies a hash made before normalisation from the password as typed', async () => {
    const typed = 'ｐａｓｓｐｈｒａｓｅ\u3000ｏｆ\u3000ｏｌｄ';
    const legacy = await argon2.hash(typed, {
      type: argon2.argon2id,
      memoryCost: 19_456,
      timeCost: 2,
      parallelism: 1,
    });
    expect(await verifyPassword(legacy, typed)).toBe(true);
    expect(await verifyPassword(legacy, 'ｐａｓｓｐｈｒａｓｅ\u3000ｏｆ\u3000ｎｅｗ')).toBe(false);
  });

  it('draws random temporary passwords of 16 characters', () => {
    const seen = new Set(Array.from({ length: 200 }, generateTemporaryPassword));
    expect(seen.size).toBe(200);
    for (const p of seen) expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
  });
});
