import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
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
