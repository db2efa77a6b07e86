import { sql } from 'kysely';
import type { AnyDb } from './kit.js';

export async function usersOperatorLive(db: AnyDb): Promise<void> {
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
}
