import { describe, expect, it } from 'vitest';
import {
  keyRing,
  newSecretKeyText,
  openSecret,
  parseSecretKey,
  SecretUnreadable,
  sealedKeyId,
  sealSecret,
} from './secret-box.js';

describe('secret box (AES-256-GCM)', () => {
  const a = parseSecretKey(newSecretKeyText())!;
  const b = parseSecretKey(newSecretKeyText())!;

  it('seals and opens a value bound to its row; a new IV every time', () => {
    const ring = keyRing(a);
    const one = sealSecret(ring, 'JBSWY3DPEHPK3PXP', 'totp:U000000001');
    const two = sealSecret(ring, 'JBSWY3DPEHPK3PXP', 'totp:U000000001');
    expect(one).not.toBe(two);
    expect(one).not.toContain('JBSWY3DPEHPK3PXP');
    expect(openSecret(ring, one, 'totp:U000000001')).toBe('JBSWY3DPEHPK3PXP');
    expect(sealedKeyId(one)).toBe(a.id);
  });

  it('refuses another binding, a tampered value and an unknown key', () => {
    const sealed = sealSecret(keyRing(a), 'secret', 'totp:U000000001');
    expect(() => openSecret(keyRing(a), sealed, 'totp:U000000002')).toThrow(SecretUnreadable);
    const parts = sealed.split('.');
    parts[3] = Buffer.from('sec8et').toString('base64url');
    expect(() => openSecret(keyRing(a), parts.join('.'), 'totp:U000000001')).toThrow(SecretUnreadable);
    expect(() => openSecret(keyRing(b), sealed, 'totp:U000000001')).toThrow(SecretUnreadable);
    // A ring that still holds the old key opens it.
    expect(openSecret(keyRing(b, [a]), sealed, 'totp:U000000001')).toBe('secret');
  });

  it('reads keys as 32 bytes of base64 or base64url only', () => {
    expect(parseSecretKey('short')).toBeUndefined();
    expect(parseSecretKey(Buffer.alloc(32, 7).toString('base64'))?.key).toEqual(Buffer.alloc(32, 7));
    expect(parseSecretKey(Buffer.alloc(31, 7).toString('base64'))).toBeUndefined();
  });
});
