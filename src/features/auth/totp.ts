import crypto from 'node:crypto';
import * as OTPAuth from 'otpauth';
import QRCode from 'qrcode';

/**
 * SPEC D-22, RFC 6238 as every authenticator app reads it: HMAC-SHA-1, 30-second steps,
 * 6 digits. A code of the step before or after is accepted too (clocks drift), and the
 * step of an accepted code is returned, so the caller refuses it a second time.
 */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;
const TOTP_WINDOW = 1;
const ISSUER = '容量市場システム';

function totp(secretBase32: string, userId: string): OTPAuth.TOTP {
  return new OTPAuth.TOTP({
    issuer: ISSUER,
    label: userId,
    algorithm: 'SHA1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
    secret: OTPAuth.Secret.fromBase32(secretBase32),
  });
}

/** A new secret: 160 random bits (RFC 4226's recommended length), base32. */
export function newTotpSecret(): string {
  return new OTPAuth.Secret({ buffer: new Uint8Array(crypto.randomBytes(20)).buffer }).base32;
}

/** The time step of an instant (30 s since 1970). */
export function totpStep(at: Date): number {
  return Math.floor(at.getTime() / 1000 / TOTP_PERIOD_SECONDS);
}

/**
 * The step the code belongs to when it is right for `at` within ±1 step, else undefined.
 * otpauth compares the codes in constant time.
 */
export function matchTotp(secretBase32: string, code: string, at: Date): number | undefined {
  if (!/^[0-9]{6}$/.test(code)) return undefined;
  const delta = totp(secretBase32, 'x').validate({
    token: code,
    timestamp: at.getTime(),
    window: TOTP_WINDOW,
  });
  return delta === null ? undefined : totpStep(at) + delta;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(secretBase32: string, userId: string): string {
  return totp(secretBase32, userId).toString();
}

/** The QR code of the URI as an SVG made on the server (works without JavaScript). */
export async function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The secret in groups of four, easier to type into an app by hand. */
export function groupSecret(secretBase32: string): string {
  return secretBase32.replace(/(.{4})/g, '$1 ').trim();
}

/** What a person typed as a code: NFKC (full-width digits), without spaces or hyphens. */
export function normaliseCodeInput(text: string): string {
  return text.normalize('NFKC').replace(/[\s-]/g, '').toUpperCase();
}
