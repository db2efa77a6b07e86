import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  type PublicKeyCredentialRequestOptionsJSON,
  verifyAuthenticationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Db } from '../../../db/connect.js';
import { hasSecondFactor } from '../second-factor.js';
import { storeChallenge, takeAnswer } from './challenges.js';
import { findUserPasskey, hasPasskey, recordPasskeyUse, type StoredPasskey } from './repository.js';
import { expectedOf, PASSKEY_TIMEOUT_MS, type RelyingParty, transportsOf } from './webauthn.js';

/** SPEC D-22: a passkey as the second step of a login. */

/** Which second factors a user has: what the code step of a login offers (reads only). */
export async function loginFactorsOf(db: Db, userId: string): Promise<{ totp: boolean; passkey: boolean }> {
  const [totp, passkey] = await Promise.all([hasSecondFactor(db, userId), hasPasskey(db, userId)]);
  return { totp, passkey };
}

/**
 * The options of navigator.credentials.get() for the waiting login `loginChallengeId`
 * (user verification required), its challenge kept for that login; undefined when the
 * user has no passkey. No credential IDs are listed (WebAuthn §14.6.3: they would tell
 * anyone who reached this step which credentials the user has); passkeys are
 * discoverable, and the answer must name one of this user's.
 */
export async function passkeyLoginOptions(
  db: Db,
  input: { userId: string; loginChallengeId: string; rp: RelyingParty; now: Date },
): Promise<PublicKeyCredentialRequestOptionsJSON | undefined> {
  if (!(await hasPasskey(db, input.userId))) return undefined;
  const options = await generateAuthenticationOptions({
    rpID: input.rp.id,
    allowCredentials: [],
    userVerification: 'required',
    timeout: PASSKEY_TIMEOUT_MS,
  });
  await storeChallenge(db, {
    challenge: options.challenge,
    purpose: 'login',
    owner: input.loginChallengeId,
    userId: input.userId,
    now: input.now,
  });
  return options;
}

/**
 * Checks and uses a passkey's answer at login, in the login's transaction: the challenge
 * given to this waiting login (used up, whatever the outcome), a passkey of this user
 * (another user's credential is not found) with its user handle, this origin and RP ID, user presence and
 * verification, the signature, a counter that went up (unless the authenticator keeps
 * none), and the backup eligibility it had at registration (WebAuthn Level 3: the BE
 * flag never changes). The counter, backup state and last use are stored; a parallel use
 * of the same counter value loses. Returns the passkey's name, or undefined.
 */
export async function usePasskeyAssertion(
  db: Db,
  input: { userId: string; loginChallengeId: string; response: string; rp: RelyingParty; now: Date },
): Promise<{ passkeyId: number; name: string } | undefined> {
  const answer = await takeAnswer<AuthenticationResponseJSON>(db, input.response, {
    purpose: 'login',
    owner: input.loginChallengeId,
    userId: input.userId,
    now: input.now,
  });
  if (typeof answer === 'string') return undefined;
  const { response, challenge } = answer;
  if (typeof response.id !== 'string' || response.id.length > 1400) return undefined;
  const passkey = await findUserPasskey(db, input.userId, response.id);
  if (!passkey) return undefined;
  // A discoverable credential names its user handle: it must be the one it was made for.
  const handle = response.response?.userHandle;
  if (handle !== undefined && handle !== null && handle !== passkey.userHandle) return undefined;
  const info = await checkedAssertion(response, challenge, input.rp, passkey);
  if (!info) return undefined;
  if ((info.credentialDeviceType === 'multiDevice') !== passkey.backupEligible) return undefined;
  const use = { counter: info.newCounter, backedUp: info.credentialBackedUp, now: input.now };
  if (!(await recordPasskeyUse(db, passkey, use))) return undefined;
  return { passkeyId: passkey.id, name: passkey.name };
}

/** The library's check of an answer against the stored passkey; undefined when it does not pass. */
async function checkedAssertion(
  response: AuthenticationResponseJSON,
  challenge: string,
  rp: RelyingParty,
  passkey: StoredPasskey,
) {
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      ...expectedOf(challenge, rp),
      credential: {
        id: passkey.credentialId,
        publicKey: isoBase64URL.toBuffer(passkey.publicKey),
        counter: Number(passkey.counter),
        transports: transportsOf(passkey.transports),
      },
      requireUserVerification: true,
    });
    return verified.verified ? verified.authenticationInfo : undefined;
  } catch {
    // A wrong origin, RP ID or signature, no user verification, a counter that did not go up.
    return undefined;
  }
}
