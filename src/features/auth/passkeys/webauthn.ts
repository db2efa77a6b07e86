import type { AuthenticatorTransport } from '@simplewebauthn/server';
import { decodeClientDataJSON } from '@simplewebauthn/server/helpers';

/**
 * SPEC D-22: passkeys (WebAuthn) as a second kind of second factor, with @simplewebauthn/server.
 * A passkey is asked after the password, like the authenticator app's code, with user
 * verification required (the device's PIN or biometrics). Challenges are made on a POST
 * (D-18), kept server-side as their SHA-256, bound to the session (registration) or to the
 * waiting login (login), used once and short-lived (challenges.ts). Registration is in
 * registration.ts, the login's use in assertion.ts, their SQL in repository.ts; this file
 * holds what both read from the browser.
 */

/** What the browser is told to wait (a little less than the challenge lives). */
export const PASSKEY_TIMEOUT_MS = 2 * 60_000;

/** The relying party: its ID (a host name) and the one origin a response may come from. */
export interface RelyingParty {
  id: string;
  origin: string;
}

/**
 * The relying party of this deployment: PUBLIC_URL's host and origin, or, when it is unset,
 * the host the request was sent to (as the origin check of posts does, auth/plugin.tsx).
 * Undefined when neither gives a usable URL.
 */
export function relyingParty(
  publicUrl: string | undefined,
  request: { protocol: string; host: string },
): RelyingParty | undefined {
  try {
    const url = new URL(publicUrl ?? `${request.protocol}://${request.host}`);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    return { id: url.hostname, origin: url.origin };
  } catch {
    return undefined;
  }
}

/** What every response must match: the challenge it was given, this origin and RP ID. */
export function expectedOf(challenge: string, rp: RelyingParty) {
  return { expectedChallenge: challenge, expectedOrigin: rp.origin, expectedRPID: rp.id };
}

/** The challenge a response answers (from its clientDataJSON), or undefined when unreadable. */
export function answeredChallenge(response: { response?: { clientDataJSON?: unknown } }): string | undefined {
  const data = response.response?.clientDataJSON;
  if (typeof data !== 'string' || data.length > 4096) return undefined;
  try {
    const challenge = decodeClientDataJSON(data).challenge;
    return typeof challenge === 'string' && challenge.length <= 200 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/** A response as the browser helper posts it (JSON), or undefined when it is not an object. */
export function parseResponse<T>(text: string): T | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

export function transportsOf(text: string): AuthenticatorTransport[] {
  return text ? (text.split(',') as AuthenticatorTransport[]) : [];
}
