import crypto from 'node:crypto';
import {
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type RegistrationResponseJSON,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Db } from '../../../db/connect.js';
import type { User } from '../../users/model.js';
import { storeChallenge, takeAnswer } from './challenges.js';
import {
  countPasskeys,
  credentialTaken,
  insertPasskeyRow,
  registeredCredentials,
  type VerifiedPasskey,
} from './repository.js';
import { expectedOf, PASSKEY_TIMEOUT_MS, type RelyingParty, transportsOf } from './webauthn.js';

/** SPEC D-22: a new passkey of the signed-in user, from the account page. */

/** Passkeys one user may keep. */
export const MAX_PASSKEYS_PER_USER = 10;
/** A passkey's name, as the user types it. */
export const PASSKEY_NAME_MAX = 50;

const RP_NAME = '容量市場システム';

export type PasskeyRegistrationFailure =
  | 'passkeyChallenge'
  | 'passkeyInvalid'
  | 'passkeyDuplicate'
  | 'passkeyTooMany';

/**
 * The options of navigator.credentials.create() for a new passkey of the signed-in user,
 * its challenge kept for this session; 'tooMany' when the user has the most passkeys.
 * The user handle is random (no personal data) and the same for all the user's passkeys.
 */
export async function passkeyRegistrationOptions(
  db: Db,
  input: { user: User; sessionId: string; rp: RelyingParty; now: Date },
): Promise<PublicKeyCredentialCreationOptionsJSON | 'tooMany'> {
  const existing = await registeredCredentials(db, input.user.userId);
  if (existing.length >= MAX_PASSKEYS_PER_USER) return 'tooMany';
  const userHandle = existing[0]?.userHandle ?? isoBase64URL.fromBuffer(crypto.randomBytes(32));
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: input.rp.id,
    userName: input.user.userId,
    userDisplayName: input.user.userName,
    userID: isoBase64URL.toBuffer(userHandle),
    attestationType: 'none',
    // The same authenticator twice would be one factor counted as two.
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: transportsOf(p.transports) })),
    // Discoverable (a passkey proper): the login then names no credential ID.
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: PASSKEY_TIMEOUT_MS,
  });
  await storeChallenge(db, {
    challenge: options.challenge,
    purpose: 'register',
    owner: input.sessionId,
    userId: input.user.userId,
    userHandle,
    now: input.now,
  });
  return options;
}

/**
 * Checks the browser's answer to a registration: the challenge this session was given
 * (used up here), this origin and RP ID, user presence and verification (required), an
 * allowed algorithm, and a credential ID no user has yet.
 */
export async function verifyPasskeyRegistration(
  db: Db,
  input: { userId: string; sessionId: string; response: string; rp: RelyingParty; now: Date },
): Promise<{ ok: true; passkey: VerifiedPasskey } | { ok: false; reason: PasskeyRegistrationFailure }> {
  const answer = await takeAnswer<RegistrationResponseJSON>(db, input.response, {
    purpose: 'register',
    owner: input.sessionId,
    userId: input.userId,
    now: input.now,
  });
  if (answer === 'unreadable') return { ok: false, reason: 'passkeyInvalid' };
  if (answer === 'noChallenge' || !answer.userHandle) return { ok: false, reason: 'passkeyChallenge' };
  const { response, challenge, userHandle } = answer;
  const info = await checkedRegistration(response, challenge, input.rp);
  if (!info) return { ok: false, reason: 'passkeyInvalid' };
  if (await credentialTaken(db, info.credential.id)) return { ok: false, reason: 'passkeyDuplicate' };
  const transports = (response.response.transports ?? [])
    .filter((t) => typeof t === 'string' && /^[a-z-]{1,20}$/.test(t))
    .slice(0, 8);
  return {
    ok: true,
    passkey: {
      credentialId: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      counter: info.credential.counter,
      transports: transports.join(','),
      backupEligible: info.credentialDeviceType === 'multiDevice',
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid,
      userHandle,
    },
  };
}

/** The library's check of a registration response; undefined when it does not pass. */
async function checkedRegistration(response: RegistrationResponseJSON, challenge: string, rp: RelyingParty) {
  try {
    const verified = await verifyRegistrationResponse({
      response,
      ...expectedOf(challenge, rp),
      requireUserPresence: true,
      requireUserVerification: true,
    });
    return verified.verified ? verified.registrationInfo : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stores a checked passkey (in the caller's transaction); 'passkeyTooMany' when the user
 * reached the limit meanwhile. Returns the new row's ID.
 */
export async function insertPasskey(
  db: Db,
  input: { userId: string; name: string; passkey: VerifiedPasskey; now: Date },
): Promise<{ ok: true; id: number } | { ok: false; reason: 'passkeyTooMany' }> {
  if ((await countPasskeys(db, input.userId)) >= MAX_PASSKEYS_PER_USER)
    return { ok: false, reason: 'passkeyTooMany' };
  return { ok: true, id: await insertPasskeyRow(db, input) };
}
