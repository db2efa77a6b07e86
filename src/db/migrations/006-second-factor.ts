import type { AnyDb, IdColumn } from './kit.js';

export async function secondFactor(db: AnyDb, idColumn: IdColumn): Promise<void> {
  // SPEC D-22: one authenticator app (TOTP) per user. The secret is encrypted at rest
  // (src/lib/secret-box.ts); enabled_at is null while the enrolment awaits its first
  // code; last_used_step is the last time step accepted, so a code is used once.
  await db.schema
    .createTable('totp_factors')
    .addColumn('user_id', 'varchar(10)', (c) => c.primaryKey().references('users.user_id'))
    .addColumn('secret', 'varchar(300)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
    .addColumn('enabled_at', 'varchar(30)')
    .addColumn('last_used_step', 'bigint')
    .execute();
  // Ten one-time recovery codes per enrolment, stored as argon2id hashes only.
  await db.schema
    .createTable('recovery_codes')
    .addColumn('id', 'integer', idColumn)
    .addColumn('user_id', 'varchar(10)', (c) => c.notNull().references('users.user_id'))
    .addColumn('code_hash', 'varchar(300)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
    .addColumn('used_at', 'varchar(30)')
    .execute();
  await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();
  // Between a right password and the code: not a session. Stored as the token's hash,
  // bound to the browser's pre-session cookie, used once, short-lived.
  await db.schema
    .createTable('login_challenges')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(10)', (c) => c.notNull().references('users.user_id'))
    .addColumn('pre_session', 'varchar(64)', (c) => c.notNull())
    .addColumn('next_path', 'varchar(2048)')
    .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
    .addColumn('expires_at', 'varchar(30)', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('login_challenges_expires')
    .on('login_challenges')
    .column('expires_at')
    .execute();
  // An operator's admins can require a second factor of all its users.
  await db.schema
    .alterTable('operators')
    .addColumn('second_factor_required', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // 前回ログイン: the user's latest login, copied onto each new session as its previous one.
  await db.schema.alterTable('users').addColumn('last_login_at', 'varchar(30)').execute();
  await db.schema.alterTable('users').addColumn('last_login_ip', 'varchar(64)').execute();
  await db.schema.alterTable('sessions').addColumn('previous_login_at', 'varchar(30)').execute();
  await db.schema.alterTable('sessions').addColumn('previous_login_ip', 'varchar(64)').execute();
}
