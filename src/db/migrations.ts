import {
  type ColumnDefinitionBuilder,
  type Kysely,
  type Migration,
  type MigrationProvider,
  Migrator,
  sql,
} from 'kysely';
import type { DialectName } from './connect.js';
import type { Database } from './schema.js';

// biome-ignore lint/suspicious/noExplicitAny: migrations run on a schema that is still being built
type AnyDb = Kysely<any>;

/** One set of migrations for both stores; the few dialect differences are named here. */
function migrations(dialect: DialectName): Record<string, Migration> {
  const idColumn = (c: ColumnDefinitionBuilder) =>
    dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement();

  return {
    '001_initial': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('operators')
          .addColumn('operator_code', 'varchar(4)', (c) => c.primaryKey())
          .addColumn('operator_name', 'varchar(200)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('users')
          .addColumn('user_id', 'varchar(10)', (c) => c.primaryKey())
          .addColumn('operator_code', 'varchar(4)', (c) => c.notNull().references('operators.operator_code'))
          .addColumn('role', 'varchar(10)', (c) => c.notNull().check(sql`role in ('admin', 'general')`))
          .addColumn('department', 'varchar(200)', (c) => c.notNull())
          .addColumn('user_name', 'varchar(200)', (c) => c.notNull())
          .addColumn('user_name_key', 'varchar(400)', (c) => c.notNull())
          .addColumn('phone', 'varchar(20)')
          .addColumn('email', 'varchar(254)', (c) => c.notNull())
          .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('valid_from', 'varchar(10)', (c) => c.notNull())
          .addColumn('valid_to', 'varchar(10)', (c) => c.notNull())
          .addColumn('locked', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('failed_login_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('deleted', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('deleted_at', 'varchar(30)')
          .addColumn('password_hash', 'varchar(300)', (c) => c.notNull())
          .addColumn('password_is_temporary', 'integer', (c) => c.notNull())
          .addColumn('temporary_password_expires_at', 'varchar(30)')
          .addColumn('password_changed_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('updated_at', 'varchar(30)', (c) => c.notNull())
          .execute();
        // Every search is scoped to one operator and ordered by ユーザID (SPEC D-9).
        await db.schema
          .createIndex('users_operator_user_id')
          .on('users')
          .columns(['operator_code', 'user_id'])
          .execute();
        await db.schema
          .createIndex('users_operator_deleted_user_id')
          .on('users')
          .columns(['operator_code', 'deleted', 'user_id'])
          .execute();

        await db.schema
          .createTable('password_history')
          .addColumn('id', 'integer', idColumn)
          .addColumn('user_id', 'varchar(10)', (c) => c.notNull().references('users.user_id'))
          .addColumn('password_hash', 'varchar(300)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('password_history_user')
          .on('password_history')
          .columns(['user_id', 'id'])
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(10)', (c) => c.notNull().references('users.user_id'))
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('last_seen_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('ip', 'varchar(64)', (c) => c.notNull())
          .addColumn('user_agent', 'varchar(500)', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

        await db.schema
          .createTable('audit_records')
          .addColumn('id', 'integer', idColumn)
          .addColumn('occurred_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('actor_user_id', 'varchar(10)')
          .addColumn('operator_code', 'varchar(4)')
          .addColumn('ip', 'varchar(64)')
          .addColumn('action', 'varchar(50)', (c) => c.notNull())
          .addColumn('target_user_id', 'varchar(10)')
          .addColumn('outcome', 'varchar(10)', (c) => c.notNull())
          .addColumn('detail', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('audit_records_operator')
          .on('audit_records')
          .columns(['operator_code', 'occurred_at'])
          .execute();

        await db.schema
          .createTable('mail_outbox')
          .addColumn('id', 'integer', idColumn)
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('event', 'varchar(50)', (c) => c.notNull())
          .addColumn('recipient', 'varchar(254)', (c) => c.notNull())
          .addColumn('subject', 'varchar(500)', (c) => c.notNull())
          .addColumn('body', 'text', (c) => c.notNull())
          .addColumn('status', 'varchar(10)', (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('locked_until', 'varchar(30)')
          .addColumn('last_error', 'text')
          .addColumn('sent_at', 'varchar(30)')
          .addColumn('message_id', 'varchar(200)', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('mail_outbox_due')
          .on('mail_outbox')
          .columns(['status', 'next_attempt_at'])
          .execute();

        await db.schema
          .createTable('action_tokens')
          .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('purpose', 'varchar(50)', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('used_at', 'varchar(30)')
          .execute();

        await db.schema
          .createTable('rate_limits')
          .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('window_ends_at', 'varchar(30)', (c) => c.notNull())
          .execute();
      },
    },
    '002_action_token_form': {
      async up(db: AnyDb) {
        // The form instance a confirmation came from: two confirmations of one form
        // (back, then 確認 again) may execute only once between them.
        await db.schema.alterTable('action_tokens').addColumn('form_id', 'varchar(64)').execute();
        await db.schema
          .createIndex('action_tokens_session_form')
          .on('action_tokens')
          .columns(['session_id', 'form_id'])
          .execute();
      },
    },
    '003_server_keys': {
      async up(db: AnyDb) {
        // Keys every process serving this database shares (SPEC D-18): a value signed by
        // one process is checked by another, so the key lives here, not in memory.
        await db.schema
          .createTable('server_keys')
          .addColumn('name', 'varchar(50)', (c) => c.primaryKey())
          .addColumn('key_value', 'varchar(200)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .execute();
      },
    },
    '004_users_operator_live': {
      async up(db: AnyDb) {
        // The default search (an operator's undeleted users in ユーザID order) gets an
        // index of undeleted rows only. Estimated from each column alone, an operator with
        // thousands of deleted users looks to PostgreSQL as if it had thousands of live
        // ones, and it read them all through another index; this index holds only the
        // rows the search wants, so it is the cheapest plan whatever the spread of rows.
        await db.schema
          .createIndex('users_operator_live_user_id')
          .on('users')
          .columns(['operator_code', 'user_id'])
          .where(sql.ref('deleted'), '=', 0)
          .execute();
      },
    },
    '005_signed_action_tokens': {
      async up(db: AnyDb) {
        // SPEC D-18: confirmation tokens are signed, not stored when a page is shown;
        // only their use is recorded, in the action's transaction, under a unique key.
        await db.schema.dropTable('action_tokens').execute();
        await db.schema
          .createTable('used_action_tokens')
          .addColumn('token_id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('form_id', 'varchar(64)')
          .addColumn('used_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('expires_at', 'varchar(30)', (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex('used_action_tokens_session_form')
          .on('used_action_tokens')
          .columns(['session_id', 'form_id'])
          .execute();
        await db.schema
          .createIndex('used_action_tokens_expires')
          .on('used_action_tokens')
          .column('expires_at')
          .execute();
      },
    },
    '006_second_factor': {
      async up(db: AnyDb) {
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
      },
    },
    '007_passkeys': {
      async up(db: AnyDb) {
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
      },
    },
    '008_login_challenge_password_ok': {
      async up(db: AnyDb) {
        // 0: the password was wrong; the second step answers as if it were right and
        // fails (D-22: the password step tells nothing before the code is asked).
        await db.schema
          .alterTable('login_challenges')
          .addColumn('password_ok', 'integer', (c) => c.notNull().defaultTo(1))
          .execute();
      },
    },
  };
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>, dialect: DialectName): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
