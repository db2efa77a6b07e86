import type { Db } from '../../db/connect.js';

export interface Operator {
  operatorCode: string;
  operatorName: string;
  createdAt: string;
}

export async function findOperator(db: Db, operatorCode: string): Promise<Operator | undefined> {
  const row = await db
    .selectFrom('operators')
    .selectAll()
    .where('operator_code', '=', operatorCode)
    .executeTakeFirst();
  return row
    ? { operatorCode: row.operator_code, operatorName: row.operator_name, createdAt: row.created_at }
    : undefined;
}

export async function listOperators(db: Db): Promise<(Operator & { activeUsers: number })[]> {
  const rows = await db
    .selectFrom('operators')
    .leftJoin('users', (j) =>
      j.onRef('users.operator_code', '=', 'operators.operator_code').on('users.deleted', '=', 0),
    )
    .select(['operators.operator_code', 'operators.operator_name', 'operators.created_at'])
    .select((eb) => eb.fn.count<string | number>('users.user_id').as('active_users'))
    .groupBy(['operators.operator_code', 'operators.operator_name', 'operators.created_at'])
    .orderBy('operators.operator_code')
    .execute();
  return rows.map((r) => ({
    operatorCode: r.operator_code,
    operatorName: r.operator_name,
    createdAt: r.created_at,
    activeUsers: Number(r.active_users),
  }));
}
