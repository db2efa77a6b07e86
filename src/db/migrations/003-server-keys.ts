import type { AnyDb } from './kit.js';

export async function serverKeys(db: AnyDb): Promise<void> {
  // Keys every process serving this database shares (SPEC D-18): a value signed by
  // one process is checked by another, so the key lives here, not in memory.
  await db.schema
    .createTable('server_keys')
    .addColumn('name', 'varchar(50)', (c) => c.primaryKey())
    .addColumn('key_value', 'varchar(200)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
    .execute();
}
