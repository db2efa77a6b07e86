import { describe, expect, it } from 'vitest';
import { asRecoveryCode, newRecoveryCode } from './recovery-codes.js';
import { groupSecret, matchTotp, normaliseCodeInput, totpStep } from './totp.js';

describe('recovery codes', () => {
  it('are 12 characters of Crockford base32 in three groups, read back as typed', () => {
    const code = newRecoveryCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(asRecoveryCode(normaliseCodeInput(code.toLowerCase()))).toBe(code.replace(/-/g, ''));
    expect(asRecoveryCode(normaliseCodeInput('ｏｉｌ２-3456 789a'))).toBe('011234567 89A'.replace(' ', ''));
    expect(asRecoveryCode('123456')).toBeUndefined();
    expect(asRecoveryCode('ABCDEFGHJKMU')).toBeUndefined();
  });
});

describe('TOTP (RFC 6238 test vector, SHA-1)', () => {
  // RFC 6238 appendix B: the ASCII secret 12345678901234567890, 8 digits 94287082 at 59 s;
  // the 6-digit code is its last six digits.
  const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
  it('accepts the code of the step, the one before and after, and no other', () => {
    const at = new Date(59_000);
    expect(matchTotp(secret, '287082', at)).toBe(totpStep(at));
    expect(matchTotp(secret, '287082', new Date(59_000 + 30_000))).toBe(totpStep(at));
    expect(matchTotp(secret, '287082', new Date(59_000 + 60_000))).toBeUndefined();
    expect(matchTotp(secret, '28708', at)).toBeUndefined();
    expect(groupSecret(secret)).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
  });
});
