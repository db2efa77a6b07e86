import type { AnyDb } from './kit.js';

export async function loginChallengePasswordOk(db: AnyDb): Promise<void> {
  // 0: the password was wrong; the second step answers as if it were right and
  // fails (D-22: the password step tells nothing before the code is asked).
  await db.schema
    .alterTable('login_challenges')
    .addColumn('password_ok', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}
