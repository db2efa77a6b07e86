import crypto from 'node:crypto';
import type { Db } from '../../../db/connect.js';
import { answeredChallenge, parseResponse } from './webauthn.js';

/** How long a challenge waits for the authenticator's answer. */
export const PASSKEY_CHALLENGE_MS = 3 * 60_000;

/** What a challenge is for: a new passkey (owned by the session) or a login (the waiting login). */
export type ChallengePurpose = 'register' | 'login';

function challengeId(challenge: string): string {
  return crypto.createHash('sha256').update(challenge).digest('hex');
}

/** Keeps a new challenge; an older one of the same owner and purpose is dropped (one at a time). */
export async function storeChallenge(
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

/**
 * The browser's answer (JSON, as the page posts it) and the challenge it answers, used up
 * here whatever the answer turns out to be. 'unreadable' when it is no WebAuthn response;
 * 'noChallenge' when it answers no live challenge of this owner, purpose and user.
 */
export async function takeAnswer<T extends { response?: { clientDataJSON?: unknown } }>(
  db: Db,
  text: string,
  expected: { purpose: ChallengePurpose; owner: string; userId: string; now: Date },
): Promise<{ response: T; challenge: string; userHandle: string | null } | 'unreadable' | 'noChallenge'> {
  const response = parseResponse<T>(text);
  const challenge = response && answeredChallenge(response);
  if (!response || !challenge) return 'unreadable';
  const live = await consumeChallenge(db, { challenge, ...expected });
  return live ? { response, challenge, userHandle: live.userHandle } : 'noChallenge';
}

/** Removes challenges past their lifetime (housekeeping). */
export async function purgePasskeyChallenges(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('passkey_challenges')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
