import type { AnyDb } from './kit.js';

export async function actionTokenForm(db: AnyDb): Promise<void> {
  // The form instance a confirmation came from: two confirmations of one form
  // (back, then 確認 again) may execute only once between them.
  await db.schema.alterTable('action_tokens').addColumn('form_id', 'varchar(64)').execute();
  await db.schema
    .createIndex('action_tokens_session_form')
    .on('action_tokens')
    .columns(['session_id', 'form_id'])
    .execute();
}
