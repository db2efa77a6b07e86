import type { AnyDb, IdColumn } from './kit.js';

export async function passkeys(db: AnyDb, idColumn: IdColumn): Promise<void> {
  // SPEC D-22: passkeys (WebAuthn) as a second kind of second factor, several per user.
  // The credential ID (base64url, at most 1,023 bytes raw) is unique across all users:
  // a login names it, and it must lead to one user only.
  await db.schema
    .createTable('passkeys')
    .addColumn('id', 'integer', idColumn)
    .addColumn('user_id', 'varchar(10)', (c) => c.notNull().references('users.user_id'))
    .addColumn('credential_id', 'varchar(1400)', (c) => c.notNull().unique())
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('counter', 'bigint', (c) => c.notNull())
    .addColumn('transports', 'varchar(200)', (c) => c.notNull())
    .addColumn('backup_eligible', 'integer', (c) => c.notNull())
    .addColumn('backed_up', 'integer', (c) => c.notNull())
    .addColumn('aaguid', 'varchar(36)', (c) => c.notNull())
    .addColumn('user_handle', 'varchar(100)', (c) => c.notNull())
    .addColumn('name', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
    .addColumn('last_used_at', 'varchar(30)')
    .execute();
  await db.schema.createIndex('passkeys_user').on('passkeys').column('user_id').execute();
  // A WebAuthn challenge, used once and short-lived, kept as its SHA-256 and bound to
  // what asked for it: the session (registration) or the waiting login (its challenge).
  await db.schema
    .createTable('passkey_challenges')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('purpose', 'varchar(20)', (c) => c.notNull())
    .addColumn('owner', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(10)', (c) => c.notNull())
    .addColumn('user_handle', 'varchar(100)')
    .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(30)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('passkey_challenges_owner')
    .on('passkey_challenges')
    .columns(['owner', 'purpose'])
    .execute();
  await db.schema
    .createIndex('passkey_challenges_expires')
    .on('passkey_challenges')
    .column('expires_at')
    .execute();
}
