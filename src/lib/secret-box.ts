import crypto from 'node:crypto';

/**
 * Secrets kept at rest (the TOTP seeds of SPEC D-22) are sealed with AES-256-GCM from
 * node:crypto: a random 96-bit IV per value, the 128-bit tag checked on opening, and
 * additional data that binds a value to its row (`totp:U123456789`), so that a sealed
 * value copied to another user's row does not open there.
 *
 * A sealed value names the key that sealed it (`v1.<key id>.<iv>.<ciphertext>.<tag>`),
 * so that a key ring can hold the current key and the ones being rotated out
 * (`npm run cli -- secrets rotate-key`, docs/security.md).
 */

export interface SecretKey {
  /** 16 hex characters derived from the key (not secret): which key sealed a value. */
  id: string;
  key: Buffer;
}

export interface KeyRing {
  /** Seals every new value. */
  current: SecretKey;
  /** Every key that may open a stored value, the current one included. */
  byId: Map<string, SecretKey>;
}

const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;

/** A key from its text form: 32 bytes as base64 or base64url. */
export function parseSecretKey(text: string): SecretKey | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) return undefined;
  const key = Buffer.from(trimmed, 'base64');
  return key.length === KEY_BYTES ? secretKey(key) : undefined;
}

export function secretKey(key: Buffer): SecretKey {
  if (key.length !== KEY_BYTES) throw new Error('a secret key is 32 bytes');
  const id = crypto
    .createHash('sha256')
    .update('cmus secret key id\0')
    .update(key)
    .digest('hex')
    .slice(0, 16);
  return { id, key };
}

/** 32 random bytes, base64url: a new key in its text form. */
export function newSecretKeyText(): string {
  return crypto.randomBytes(KEY_BYTES).toString('base64url');
}

export function keyRing(current: SecretKey, others: SecretKey[] = []): KeyRing {
  const byId = new Map<string, SecretKey>();
  for (const k of [current, ...others]) if (!byId.has(k.id)) byId.set(k.id, k);
  return { current, byId };
}

export function sealSecret(ring: KeyRing, plaintext: string, boundTo: string): string {
  return sealBytes(ring, Buffer.from(plaintext, 'utf8'), boundTo);
}

/** `sealSecret` for bytes (a compressed value). */
export function sealBytes(ring: KeyRing, plaintext: Buffer, boundTo: string): string {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', ring.current.key, iv);
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, ring.current.id, iv, body, tag]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export class SecretUnreadable extends Error {}

/** The id of the key that sealed a value (rotation re-seals the values of other keys). */
export function sealedKeyId(sealed: string): string | undefined {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === VERSION ? parts[1] : undefined;
}

/** Opens a sealed value; throws SecretUnreadable for an unknown key, a wrong binding or tampering. */
export function openSecret(ring: KeyRing, sealed: string, boundTo: string): string {
  return openBytes(ring, sealed, boundTo).toString('utf8');
}

/** `openSecret` for bytes. */
export function openBytes(ring: KeyRing, sealed: string, boundTo: string): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretUnreadable('not a sealed value');
  const [, id, iv, body, tag] = parts as [string, string, string, string, string];
  const key = ring.byId.get(id);
  if (!key) throw new SecretUnreadable(`sealed with an unknown key ${id}`);
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
  } catch {
    throw new SecretUnreadable('the sealed value does not open with its key');
  }
}
