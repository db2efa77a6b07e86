import crypto from 'node:crypto';
import {
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { decodeClientDataJSON, isoBase64URL } from '@simplewebauthn/server/helpers';
import type { Db } from '../../db/connect.js';
import type { Flag } from '../../db/schema.js';
import type { User } from '../users/model.js';

/**
 * SPEC D-22: passkeys (WebAuthn) as a second kind of second factor, with @simplewebauthn/server.
 * A passkey is asked after the password, like the authenticator app's code, with user
 * verification required (the device's PIN or biometrics). Challenges are made on a POST
 * (D-18), kept server-side as their SHA-256, bound to the session (registration) or to the
 * waiting login (login), used once and short-lived.
 */

/** How long a challenge waits for the authenticator's answer. */
export const PASSKEY_CHALLENGE_MS = 3 * 60_000;
/** What the browser is told to wait (a little less than the challenge lives). */
const PASSKEY_TIMEOUT_MS = 2 * 60_000;
/** Passkeys one user may keep. */
export const MAX_PASSKEYS_PER_USER = 10;
/** A passkey's name, as the user types it. */
export const PASSKEY_NAME_MAX = 50;

const RP_NAME = '容量市場システム';

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

/** A passkey as its owner sees it on the account page. */
export interface Passkey {
  id: number;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  backedUp: boolean;
}

export async function listPasskeys(db: Db, userId: string): Promise<Passkey[]> {
  const rows = await db
    .selectFrom('passkeys')
    .select(['id', 'name', 'created_at', 'last_used_at', 'backed_up'])
    .where('user_id', '=', userId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    name: r.name,
    createdAt: new Date(r.created_at),
    lastUsedAt: r.last_used_at ? new Date(r.last_used_at) : null,
    backedUp: Number(r.backed_up) === 1,
  }));
}

export async function hasPasskey(db: Db, userId: string): Promise<boolean> {
  const row = await db.selectFrom('passkeys').select('id').where('user_id', '=', userId).executeTakeFirst();
  return row !== undefined;
}

function challengeId(challenge: string): string {
  return crypto.createHash('sha256').update(challenge).digest('hex');
}

type ChallengePurpose = 'register' | 'login';

/** Keeps a new challenge; an older one of the same owner and purpose is dropped (one at a time). */
async function storeChallenge(
  db: Db,
  input: {
    challenge: string;
    purpose: ChallengePurpose;
    owner: string;
    userId: string;
    userHandle?: string;
    now: Date;
  },
): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx
      .deleteFrom('passkey_challenges')
      .where('owner', '=', input.owner)
      .where('purpose', '=', input.purpose)
      .execute();
    await tx
      .insertInto('passkey_challenges')
      .values({
        id: challengeId(input.challenge),
        purpose: input.purpose,
        owner: input.owner,
        user_id: input.userId,
        user_handle: input.userHandle ?? null,
        created_at: input.now.toISOString(),
        expires_at: new Date(input.now.getTime() + PASSKEY_CHALLENGE_MS).toISOString(),
      })
      .execute();
  });
}

/**
 * Uses up a challenge: deleted whatever the answer turns out to be, so a response can be
 * checked against it once. A challenge of another owner, purpose or user, or one past its
 * lifetime, is not found. Returns the row (its user handle) when it was live.
 */
async function consumeChallenge(
  db: Db,
  input: { challenge: string; purpose: ChallengePurpose; owner: string; userId: string; now: Date },
): Promise<{ userHandle: string | null } | undefined> {
  const row = await db
    .deleteFrom('passkey_challenges')
    .where('id', '=', challengeId(input.challenge))
    .where('purpose', '=', input.purpose)
    .where('owner', '=', input.owner)
    .where('user_id', '=', input.userId)
    .returning(['expires_at', 'user_handle'])
    .executeTakeFirst();
  if (!row || input.now.toISOString() >= row.expires_at) return undefined;
  return { userHandle: row.user_handle };
}

/** The challenge a response answers (from its clientDataJSON), or undefined when unreadable. */
function answeredChallenge(response: { response?: { clientDataJSON?: unknown } }): string | undefined {
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
function parseResponse<T>(text: string): T | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

function transportsOf(text: string): AuthenticatorTransport[] {
  return text ? (text.split(',') as AuthenticatorTransport[]) : [];
}

/**
 * The options of navigator.credentials.create() for a new passkey of the signed-in user,
 * its challenge kept for this session; 'tooMany' when the user has the most passkeys.
 * The user handle is random (no personal data) and the same for all the user's passkeys.
 */
export async function passkeyRegistrationOptions(
  db: Db,
  input: { user: User; sessionId: string; rp: RelyingParty; now: Date },
): Promise<PublicKeyCredentialCreationOptionsJSON | 'tooMany'> {
  const existing = await db
    .selectFrom('passkeys')
    .select(['credential_id', 'transports', 'user_handle'])
    .where('user_id', '=', input.user.userId)
    .orderBy('id')
    .execute();
  if (existing.length >= MAX_PASSKEYS_PER_USER) return 'tooMany';
  const userHandle = existing[0]?.user_handle ?? isoBase64URL.fromBuffer(crypto.randomBytes(32));
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: input.rp.id,
    userName: input.user.userId,
    userDisplayName: input.user.userName,
    userID: isoBase64URL.toBuffer(userHandle),
    attestationType: 'none',
    // The same authenticator twice would be one factor counted as two.
    excludeCredentials: existing.map((p) => ({
      id: p.credential_id,
      transports: transportsOf(p.transports),
    })),
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

/** A checked registration, ready to be stored. */
export interface VerifiedPasskey {
  credentialId: string;
  publicKey: string;
  counter: number;
  transports: string;
  backupEligible: boolean;
  backedUp: boolean;
  aaguid: string;
  userHandle: string;
}

export type PasskeyRegistrationFailure =
  | 'passkeyChallenge'
  | 'passkeyInvalid'
  | 'passkeyDuplicate'
  | 'passkeyTooMany';

/**
 * Checks the browser's answer to a registration: the challenge this session was given
 * (used up here), this origin and RP ID, user presence and verification (required), an
 * allowed algorithm, and a credential ID no user has yet.
 */
export async function verifyPasskeyRegistration(
  db: Db,
  input: { userId: string; sessionId: string; response: string; rp: RelyingParty; now: Date },
): Promise<{ ok: true; passkey: VerifiedPasskey } | { ok: false; reason: PasskeyRegistrationFailure }> {
  const response = parseResponse<RegistrationResponseJSON>(input.response);
  const challenge = response && answeredChallenge(response);
  if (!response || !challenge) return { ok: false, reason: 'passkeyInvalid' };
  const live = await consumeChallenge(db, {
    challenge,
    purpose: 'register',
    owner: input.sessionId,
    userId: input.userId,
    now: input.now,
  });
  if (!live?.userHandle) return { ok: false, reason: 'passkeyChallenge' };
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      requireUserPresence: true,
      requireUserVerification: true,
    });
  } catch {
    return { ok: false, reason: 'passkeyInvalid' };
  }
  if (!verified.verified) return { ok: false, reason: 'passkeyInvalid' };
  const info = verified.registrationInfo;
  const taken = await db
    .selectFrom('passkeys')
    .select('id')
    .where('credential_id', '=', info.credential.id)
    .executeTakeFirst();
  if (taken) return { ok: false, reason: 'passkeyDuplicate' };
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
      userHandle: live.userHandle,
    },
  };
}

/**
 * Stores a checked passkey (in the caller's transaction); 'passkeyTooMany' when the user
 * reached the limit meanwhile. Returns the new row's ID.
 */
export async function insertPasskey(
  db: Db,
  input: { userId: string; name: string; passkey: VerifiedPasskey; now: Date },
): Promise<{ ok: true; id: number } | { ok: false; reason: 'passkeyTooMany' }> {
  const count = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', input.userId)
    .executeTakeFirst();
  if (Number(count?.n ?? 0) >= MAX_PASSKEYS_PER_USER) return { ok: false, reason: 'passkeyTooMany' };
  const p = input.passkey;
  const row = await db
    .insertInto('passkeys')
    .values({
      user_id: input.userId,
      credential_id: p.credentialId,
      public_key: p.publicKey,
      counter: p.counter,
      transports: p.transports,
      backup_eligible: (p.backupEligible ? 1 : 0) as Flag,
      backed_up: (p.backedUp ? 1 : 0) as Flag,
      aaguid: p.aaguid,
      user_handle: p.userHandle,
      name: input.name,
      created_at: input.now.toISOString(),
      last_used_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { ok: true, id: Number(row.id) };
}

/** Deletes one of the user's passkeys (in the caller's transaction); its name, or undefined. */
export async function deletePasskey(db: Db, userId: string, passkeyId: number): Promise<string | undefined> {
  const row = await db
    .deleteFrom('passkeys')
    .where('id', '=', passkeyId)
    .where('user_id', '=', userId)
    .returning('name')
    .executeTakeFirst();
  return row?.name;
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
  const response = parseResponse<AuthenticationResponseJSON>(input.response);
  const challenge = response && answeredChallenge(response);
  if (!response || !challenge) return undefined;
  const live = await consumeChallenge(db, {
    challenge,
    purpose: 'login',
    owner: input.loginChallengeId,
    userId: input.userId,
    now: input.now,
  });
  if (!live || typeof response.id !== 'string' || response.id.length > 1400) return undefined;
  const row = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('credential_id', '=', response.id)
    .where('user_id', '=', input.userId)
    .executeTakeFirst();
  if (!row) return undefined;
  // A discoverable credential names its user handle: it must be the one it was made for.
  const handle = response.response?.userHandle;
  if (handle !== undefined && handle !== null && handle !== row.user_handle) return undefined;
  const storedCounter = Number(row.counter);
  let info: Awaited<ReturnType<typeof verifyAuthenticationResponse>>['authenticationInfo'];
  try {
    const verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge,
      expectedOrigin: input.rp.origin,
      expectedRPID: input.rp.id,
      credential: {
        id: row.credential_id,
        publicKey: isoBase64URL.toBuffer(row.public_key),
        counter: storedCounter,
        transports: transportsOf(row.transports),
      },
      requireUserVerification: true,
    });
    if (!verified.verified) return undefined;
    info = verified.authenticationInfo;
  } catch {
    // A wrong origin, RP ID or signature, no user verification, a counter that did not go up.
    return undefined;
  }
  if ((info.credentialDeviceType === 'multiDevice') !== (Number(row.backup_eligible) === 1)) return undefined;
  const used = await db
    .updateTable('passkeys')
    .set({
      counter: info.newCounter,
      backed_up: (info.credentialBackedUp ? 1 : 0) as Flag,
      last_used_at: input.now.toISOString(),
    })
    .where('id', '=', row.id)
    .where('counter', '=', row.counter)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) return undefined;
  return { passkeyId: Number(row.id), name: row.name };
}

/** Removes challenges past their lifetime (housekeeping). */
export async function purgePasskeyChallenges(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('passkey_challenges')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Which second factors a user has: what the code step of a login offers (reads only). */
export async function loginFactorsOf(db: Db, userId: string): Promise<{ totp: boolean; passkey: boolean }> {
  const [totp, passkey] = await Promise.all([
    db
      .selectFrom('totp_factors')
      .select('user_id')
      .where('user_id', '=', userId)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst(),
    hasPasskey(db, userId),
  ]);
  return { totp: totp !== undefined, passkey };
}
