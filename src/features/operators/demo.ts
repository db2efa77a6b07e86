import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { createUserWithTemporaryPassword, type IssuedCredentials } from '../users/create.js';
import { addOperator } from './service.js';

/**
 * The manual's demo operator (ch. 3–9): 0001 株式会社0001 with admins 事業者 太郎 and
 * 事業者 花子 and general users 事業者 一郎 and 事業者 二郎, with the manual's IDs.
 */
export async function seedDemo(db: Kysely<Database>, now: Date): Promise<IssuedCredentials[]> {
  const department = '総合エネルギー事業部';
  const { admins } = await addOperator(db, {
    operatorCode: '0001',
    operatorName: '株式会社0001',
    admins: [
      { userName: '事業者 太郎', department, email: 'taro@operator0001.example' },
      { userName: '事業者 花子', department, email: 'hanako@operator0001.example' },
    ],
    adminUserIds: ['U280003303', 'U280003304'],
    now,
  });
  const generals = await db.transaction().execute(async (tx) => {
    const out: IssuedCredentials[] = [];
    for (const [userId, userName, email] of [
      ['U520008303', '事業者 一郎', 'ichiro@operator0001.example'],
      ['U040008304', '事業者 二郎', 'jiro@operator0001.example'],
    ] as const) {
      out.push(
        await createUserWithTemporaryPassword(tx, {
          userId,
          userName,
          department,
          email,
          phone: '03-1234-5678',
          operatorCode: '0001',
          role: 'general',
          actor: null,
          now,
        }),
      );
    }
    return out;
  });
  return [...admins, ...generals];
}

export async function isEmpty(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('operators').select('operator_code').limit(1).executeTakeFirst();
  return row === undefined;
}
