import type { AnyDb } from './kit.js';

export async function signedActionTokens(db: AnyDb): Promise<void> {
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
}
