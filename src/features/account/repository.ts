import type { Db } from '../../db/connect.js';
import type { Flag } from '../../db/schema.js';

/**
 * Sets whether the operator requires a second factor of its users; false when it already
 * had that value (nothing changed, so nothing is audited or mailed).
 */
export async function updateSecondFactorRequired(
  db: Db,
  operatorCode: string,
  required: boolean,
): Promise<boolean> {
  const updated = await db
    .updateTable('operators')
    .set({ second_factor_required: (required ? 1 : 0) as Flag })
    .where('operator_code', '=', operatorCode)
    .where('second_factor_required', '=', (required ? 0 : 1) as Flag)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}
