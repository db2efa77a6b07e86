import type { Db } from '../../../db/connect.js';
import type { Flag } from '../../../db/schema.js';

/** The SQL of the `passkeys` table (SPEC D-22); the checks of WebAuthn are in registration.ts and assertion.ts. */

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

export async function countPasskeys(db: Db, userId: string): Promise<number> {
  const count = await db
    .selectFrom('passkeys')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(count?.n ?? 0);
}

/** The user's credentials as a new registration must exclude them, oldest first. */
export async function registeredCredentials(
  db: Db,
  userId: string,
): Promise<{ credentialId: string; transports: string; userHandle: string }[]> {
  const rows = await db
    .selectFrom('passkeys')
    .select(['credential_id', 'transports', 'user_handle'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    credentialId: r.credential_id,
    transports: r.transports,
    userHandle: r.user_handle,
  }));
}

/** Whether any user has a passkey with this credential ID. */
export async function credentialTaken(db: Db, credentialId: string): Promise<boolean> {
  const row = await db
    .selectFrom('passkeys')
    .select('id')
    .where('credential_id', '=', credentialId)
    .executeTakeFirst();
  return row !== undefined;
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

/** Stores a passkey; returns the new row's ID. */
export async function insertPasskeyRow(
  db: Db,
  input: { userId: string; name: string; passkey: VerifiedPasskey; now: Date },
): Promise<number> {
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
  return Number(row.id);
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

/** A stored passkey as a login checks an answer against it. */
export interface StoredPasskey {
  id: number;
  name: string;
  credentialId: string;
  publicKey: string;
  /** As stored (a bigint column may read as a string): the conditional update compares it unchanged. */
  counter: number | string;
  transports: string;
  userHandle: string;
  backupEligible: boolean;
}

/** The user's passkey with this credential ID (another user's is not found). */
export async function findUserPasskey(
  db: Db,
  userId: string,
  credentialId: string,
): Promise<StoredPasskey | undefined> {
  const row = await db
    .selectFrom('passkeys')
    .selectAll()
    .where('credential_id', '=', credentialId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return (
    row && {
      id: Number(row.id),
      name: row.name,
      credentialId: row.credential_id,
      publicKey: row.public_key,
      counter: row.counter,
      transports: row.transports,
      userHandle: row.user_handle,
      backupEligible: Number(row.backup_eligible) === 1,
    }
  );
}

/**
 * Records a use of a passkey: its new counter, backup state and last use, only while the
 * counter is still the one the answer was checked against (a parallel use loses: false).
 */
export async function recordPasskeyUse(
  db: Db,
  passkey: StoredPasskey,
  use: { counter: number; backedUp: boolean; now: Date },
): Promise<boolean> {
  const used = await db
    .updateTable('passkeys')
    .set({
      counter: use.counter,
      backed_up: (use.backedUp ? 1 : 0) as Flag,
      last_used_at: use.now.toISOString(),
    })
    .where('id', '=', passkey.id)
    .where('counter', '=', passkey.counter)
    .executeTakeFirst();
  return Number(used.numUpdatedRows) === 1;
}
