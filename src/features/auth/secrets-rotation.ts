import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { SECRETS_KEY_NAME, type SecretKeySource, storedSecretsKey } from '../../db/server-keys.js';
import {
  keyRing,
  newSecretKeyText,
  openSecret,
  parseSecretKey,
  sealedKeyId,
  sealSecret,
} from '../../lib/secret-box.js';
import { totpSecretBinding } from './second-factor.js';

export interface RotationResult {
  /** Where the key that now seals every secret lives. */
  keyLocation: 'environment' | 'database';
  keyId: string;
  /** Secrets sealed anew with that key. */
  resealed: number;
  /** Secrets that were sealed with it already. */
  unchanged: number;
}

/**
 * SPEC D-22: re-seals every second-factor secret with one key, in one transaction, so that
 * the old key can go.
 *
 * - SECRETS_KEY unset: a new key is made and kept in the database (it replaces the old
 *   one there); a database copy of the old secrets is then useless without the new key row.
 * - SECRETS_KEY set: every secret sealed with another key (SECRETS_KEY_PREVIOUS, or the
 *   database's key from before SECRETS_KEY) is re-sealed with SECRETS_KEY, and the
 *   database's key is deleted; SECRETS_KEY_PREVIOUS can then be removed.
 *
 * A secret that no known key opens stops the rotation and nothing changes.
 */
export async function rotateSecretsKey(
  db: Kysely<Database>,
  source: SecretKeySource,
  now: Date,
): Promise<RotationResult> {
  return db.transaction().execute(async (tx) => {
    const stored = await storedSecretsKey(tx);
    const target = source.current ?? parseSecretKey(newSecretKeyText())!;
    const ring = keyRing(target, [...source.previous, ...(stored ? [stored] : [])]);
    const rows = await tx
      .selectFrom('totp_factors')
      .select(['user_id', 'secret'])
      .orderBy('user_id')
      .execute();
    let resealed = 0;
    for (const row of rows) {
      if (sealedKeyId(row.secret) === target.id) continue;
      const boundTo = totpSecretBinding(row.user_id);
      const secret = sealSecret(ring, openSecret(ring, row.secret, boundTo), boundTo);
      await tx.updateTable('totp_factors').set({ secret }).where('user_id', '=', row.user_id).execute();
      resealed += 1;
    }
    if (source.current) {
      await tx.deleteFrom('server_keys').where('name', '=', SECRETS_KEY_NAME).execute();
    } else {
      const keyValue = target.key.toString('base64url');
      if (stored) {
        await tx
          .updateTable('server_keys')
          .set({ key_value: keyValue, created_at: now.toISOString() })
          .where('name', '=', SECRETS_KEY_NAME)
          .execute();
      } else {
        await tx
          .insertInto('server_keys')
          .values({ name: SECRETS_KEY_NAME, key_value: keyValue, created_at: now.toISOString() })
          .execute();
      }
    }
    return {
      keyLocation: source.current ? 'environment' : 'database',
      keyId: target.id,
      resealed,
      unchanged: rows.length - resealed,
    };
  });
}
