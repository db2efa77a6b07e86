import { sql } from 'kysely';
import type { AnyDb, IdColumn } from './kit.js';

/** 001: the tables of the first release, one function a table (and its indexes). */
export async function initial(db: AnyDb, idColumn: IdColumn): Promise<void> {
  await createOperators(db);
  await createUsers(db);
  await createPasswordHistory(db, idColumn);
  await createSessions(db);
  await createAuditRecords(db, idColumn);
  await createMailOutbox(db, idColumn);
  await createActionTokens(db);
  await createRateLimits(db);
}

async function createOperators(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('operators')
    .addColumn('operator_code', 'varchar(4)', (c) => c.primaryKey())
    .addColumn('operator_name', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
    .execute();
}

async function createUsers(db: AnyDb): Promise<void> {
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
}

async function createPasswordHistory(db: AnyDb, idColumn: IdColumn): Promise<void> {
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
}

async function createSessions(db: AnyDb): Promise<void> {
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
}

async function createAuditRecords(db: AnyDb, idColumn: IdColumn): Promise<void> {
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
}

async function createMailOutbox(db: AnyDb, idColumn: IdColumn): Promise<void> {
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
}

async function createActionTokens(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('action_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('session_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('purpose', 'varchar(50)', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
    .addColumn('used_at', 'varchar(30)')
    .execute();
}

async function createRateLimits(db: AnyDb): Promise<void> {
  await db.schema
    .createTable('rate_limits')
    .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('window_ends_at', 'varchar(30)', (c) => c.notNull())
    .execute();
}
