import type { Db } from '../../db/connect.js';
import type { MessageId } from '../../lib/messages.js';
import {
  insertPasskey,
  PASSKEY_NAME_MAX,
  type PasskeyRegistrationFailure,
  verifyPasskeyRegistration,
} from '../auth/passkeys/registration.js';
import { deletePasskey } from '../auth/passkeys/repository.js';
import type { RelyingParty } from '../auth/passkeys/webauthn.js';
import { endOtherSessions } from '../auth/sessions.js';
import { queueNotice } from '../mail/notices.js';
import type { User } from '../users/model.js';
import { type AccountContext, ownPasswordConfirmed, recordOwnAudit, recordOwnFailure } from './own-audit.js';

/**
 * The user's own passkeys (SPEC D-22): registered from the account page, removed with the
 * password entered again. Each registration and removal is audited, mailed (the user and
 * the operator's admins, like the authenticator app's) and ends the user's other sessions
 * (ASVS V7.4.3); this browser keeps its own.
 */

export type PasskeyFormErrors = Partial<Record<'name' | 'response' | 'password' | 'passkey', MessageId>>;

/** The name a user gives a passkey: trimmed, 1–50 characters, no control characters. */
export function passkeyNameProblem(name: string): MessageId | undefined {
  const trimmed = name.trim();
  if (!trimmed) return 'error.passkey.nameRequired';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if ([...trimmed].length > PASSKEY_NAME_MAX || /[\u0000-\u001f\u007f-\u009f]/.test(trimmed))
    return 'error.passkey.name';
  return undefined;
}

/**
 * In the transaction of a passkey's registration or removal: the user's other sessions end
 * (ASVS V7.4.3), the audit record names the passkey and how many ended, the mail goes out.
 */
async function afterPasskeyChange(
  tx: Db,
  input: { user: User; currentSessionId: string } & AccountContext,
  change: {
    action: 'passkeyRegister' | 'passkeyRemove';
    event: 'passkeyAdded' | 'passkeyRemoved';
    name: string;
  },
): Promise<void> {
  const { user } = input;
  const ended = await endOtherSessions(tx, user.userId, input.currentSessionId);
  await recordOwnAudit(tx, user, input, {
    action: change.action,
    outcome: 'success',
    detail: { passkey: change.name, sessions: ended },
  });
  await queueNotice(tx, { event: change.event, at: input.now, user, name: change.name });
}

const REGISTRATION_MESSAGES = {
  passkeyChallenge: 'error.passkey.failed',
  passkeyInvalid: 'error.passkey.failed',
  passkeyDuplicate: 'error.passkey.duplicate',
  passkeyTooMany: 'error.passkey.tooMany',
} as const satisfies Record<PasskeyRegistrationFailure, MessageId>;

/** Registers the passkey the browser made for this session's registration challenge. */
export async function registerOwnPasskey(
  db: Db,
  input: {
    user: User;
    /** The session the registration's challenge was issued to; the user's others end. */
    currentSessionId: string;
    name: string;
    response: string;
    rp: RelyingParty;
  } & AccountContext,
): Promise<{ ok: true } | { ok: false; errors: PasskeyFormErrors }> {
  const { user } = input;
  const nameProblem = passkeyNameProblem(input.name);
  if (nameProblem) return { ok: false, errors: { name: nameProblem } };
  if (!input.response) return { ok: false, errors: { response: 'error.passkey.failed' } };
  const name = input.name.trim();
  const failure = async (reason: PasskeyRegistrationFailure) => {
    await recordOwnFailure(db, user, input, 'passkeyRegister', reason);
    return { ok: false, errors: { response: REGISTRATION_MESSAGES[reason] } } as const;
  };
  const checked = await verifyPasskeyRegistration(db, {
    userId: user.userId,
    sessionId: input.currentSessionId,
    response: input.response,
    rp: input.rp,
    now: input.now,
  });
  if (!checked.ok) return failure(checked.reason);
  const stored = await db.transaction().execute(async (tx) => {
    const inserted = await insertPasskey(tx, {
      userId: user.userId,
      name,
      passkey: checked.passkey,
      now: input.now,
    });
    if (!inserted.ok) return inserted;
    await afterPasskeyChange(tx, input, { action: 'passkeyRegister', event: 'passkeyAdded', name });
    return inserted;
  });
  if (!stored.ok) return failure(stored.reason);
  return { ok: true };
}

/** Removes one of the user's own passkeys after the password is entered again. */
export async function removeOwnPasskey(
  db: Db,
  input: {
    user: User;
    passkeyId: number | undefined;
    password: string;
    currentSessionId: string;
  } & AccountContext,
): Promise<{ ok: true } | { ok: false; errors: PasskeyFormErrors }> {
  const { user } = input;
  const errors: PasskeyFormErrors = {};
  if (input.passkeyId === undefined) errors.passkey = 'error.passkey.notFound';
  if (!input.password) errors.password = 'error.password.required';
  if (Object.keys(errors).length > 0 || input.passkeyId === undefined) return { ok: false, errors };
  if (!(await ownPasswordConfirmed(db, input, 'passkeyRemove'))) {
    return { ok: false, errors: { password: 'error.password.currentWrong' } };
  }
  const passkeyId = input.passkeyId;
  const removed = await db.transaction().execute(async (tx) => {
    const name = await deletePasskey(tx, user.userId, passkeyId);
    if (name === undefined) return false;
    await afterPasskeyChange(tx, input, { action: 'passkeyRemove', event: 'passkeyRemoved', name });
    return true;
  });
  if (!removed) {
    await recordOwnFailure(db, user, input, 'passkeyRemove', 'passkeyNotFound');
    return { ok: false, errors: { passkey: 'error.passkey.notFound' } };
  }
  return { ok: true };
}
