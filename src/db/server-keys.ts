import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { type KeyRing, keyRing, newSecretKeyText, type SecretKey, secretKey } from '../lib/secret-box.js';
import type { Db } from './connect.js';
import type { Database } from './schema.js';

/**
 * A server key by name: the one in the database, made on first use. Every process that
 * serves the database reads the same key, so a value one process signs is checked by
 * another (SPEC D-18). `APP_SECRET` in the environment takes its place when set.
 */
export async function loadServerKey(db: Kysely<Database>, name: string, now: Date): Promise<Buffer> {
  await db
    .insertInto('server_keys')
    .values({ name, key_value: crypto.randomBytes(32).toString('base64url'), created_at: now.toISOString() })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('server_keys')
    .select('key_value')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return Buffer.from(row.key_value, 'base64url');
}

/** A key for one purpose, derived from the server key (no key serves two purposes). */
export function deriveKey(serverKey: Buffer, purpose: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', serverKey, Buffer.alloc(0), purpose, 32));
}

/** Where the key that seals second-factor secrets comes from (SPEC D-22, docs/security.md). */
export interface SecretKeySource {
  /** SECRETS_KEY: when set, it seals every new value. */
  current: SecretKey | undefined;
  /** SECRETS_KEY_PREVIOUS: keys being rotated out, still read. */
  previous: SecretKey[];
}

export const SECRETS_KEY_NAME = 'secrets';

/** The key kept in the database when SECRETS_KEY is not set, if it was ever made. */
export async function storedSecretsKey(db: Db): Promise<SecretKey | undefined> {
  const row = await db
    .selectFrom('server_keys')
    .select('key_value')
    .where('name', '=', SECRETS_KEY_NAME)
    .executeTakeFirst();
  return row ? secretKey(Buffer.from(row.key_value, 'base64url')) : undefined;
}

/**
 * The key ring for second-factor secrets: SECRETS_KEY when set, else the database's key
 * (made on first use, like the server key above); the previous keys and a database key
 * left from before SECRETS_KEY was set still open old values until `secrets rotate-key`.
 */
export async function loadSecretKeyRing(db: Db, source: SecretKeySource, now: Date): Promise<KeyRing> {
  let stored = await storedSecretsKey(db);
  if (source.current) return keyRing(source.current, [...source.previous, ...(stored ? [stored] : [])]);
  if (!stored) {
    await db
      .insertInto('server_keys')
      .values({ name: SECRETS_KEY_NAME, key_value: newSecretKeyText(), created_at: now.toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    stored = (await storedSecretsKey(db))!;
  }
  return keyRing(stored, source.previous);
}
