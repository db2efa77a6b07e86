import crypto from 'node:crypto';

/** Compares two secrets in constant time (never with `===`, which stops at the first difference). */
export function secretsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}
