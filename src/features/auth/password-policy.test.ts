import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy } from './password-policy.js';
import { generateTemporaryPassword, hashPassword, verifyPassword } from './passwords.js';

const context = { userId: 'U520008303', userName: '事業者 一郎', email: 'ichiro.j@example.jp' };

describe('password policy (SPEC D-13)', () => {
  it('takes 12 to 128 characters, counted as characters, not bytes', () => {
    expect(checkPasswordPolicy(`${'a'.repeat(11).replace(/a/g, 'q')}z`, context)).toBeUndefined();
    expect(checkPasswordPolicy('qwzxqwzxqwz', context)).toBe('error.password.tooShort');
    expect(checkPasswordPolicy('葉'.repeat(12), context)).toBeUndefined();
    expect(checkPasswordPolicy('🍣'.repeat(128), context)).toBeUndefined();
    expect(checkPasswordPolicy('🍣'.repeat(129), context)).toBe('error.password.tooLong');
  });

  it('has no composition rules: spaces and any printable characters are fine', () => {
    expect(checkPasswordPolicy('correct horse battery staple', context)).toBeUndefined();
    expect(checkPasswordPolicy('すべてひらがなのながいぱすわーど', context)).toBeUndefined();
  });

  it('refuses control characters', () => {
    expect(checkPasswordPolicy('long enough\u0007password', context)).toBe('error.password.unprintable');
  });

  it('refuses the most common passwords, whatever their case', () => {
    expect(checkPasswordPolicy('unbelievable', context)).toBe('error.password.common');
    expect(checkPasswordPolicy('UNBELIEVABLE', context)).toBe('error.password.common');
  });

  it('refuses the user ID, the name and the local part of the mail address', () => {
    expect(checkPasswordPolicy('my u520008303 password', context)).toBe('error.password.containsUserId');
    expect(checkPasswordPolicy('一郎のパスワードですけれども', context)).toBe(
      'error.password.containsUserName',
    );
    expect(checkPasswordPolicy('事業者のパスワードですけれども', context)).toBe(
      'error.password.containsUserName',
    );
    expect(checkPasswordPolicy('x-ICHIRO.J-password', context)).toBe('error.password.containsEmail');
    // Full-width letters are the same letters (NFKC).
    expect(checkPasswordPolicy('ｉｃｈｉｒｏ.ｊ and more', context)).toBe('error.password.containsEmail');
  });
});

describe('password hashing', () => {
  it('verifies argon2id hashes and refuses a wrong password', async () => {
    const hash = await hashPassword('a long passphrase here');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await verifyPassword(hash, 'a long passphrase here')).toBe(true);
    expect(await verifyPassword(hash, 'a long passphrase herE')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });

  it('draws random temporary passwords of 16 characters', () => {
    const seen = new Set(Array.from({ length: 200 }, generateTemporaryPassword));
    expect(seen.size).toBe(200);
    for (const p of seen) expect(p).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
  });
});
