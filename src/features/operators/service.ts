import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { ZEmail, ZOperatorCode, zText } from '../../lib/fields.js';
import { recordAudit } from '../audit/service.js';
import { queueNotice } from '../mail/notices.js';
import { createUserWithTemporaryPassword, type IssuedCredentials } from '../users/create.js';
import { findOperator, type Operator } from './repository.js';

export const ZPersonInput = z.object({
  userName: zText(),
  department: zText(),
  email: ZEmail,
});
export type TPersonInput = z.infer<typeof ZPersonInput>;

export const ZAddOperatorInput = z.object({
  operatorCode: ZOperatorCode,
  operatorName: zText(),
  admins: z.tuple([ZPersonInput, ZPersonInput]),
});
export type TAddOperatorInput = z.input<typeof ZAddOperatorInput>;

export class OperatorExists extends Error {
  constructor(code: string) {
    super(`Operator ${code} already exists`);
  }
}

/** SPEC D-1: the market operator creates an operator with its two admins. */
export async function addOperator(
  db: Kysely<Database>,
  rawInput: TAddOperatorInput & { adminUserIds?: [string, string]; now: Date },
): Promise<{ operator: Operator; admins: IssuedCredentials[] }> {
  const input = ZAddOperatorInput.parse(rawInput);
  return db.transaction().execute(async (tx) => {
    if (await findOperator(tx, input.operatorCode)) throw new OperatorExists(input.operatorCode);
    const at = rawInput.now.toISOString();
    await tx
      .insertInto('operators')
      .values({ operator_code: input.operatorCode, operator_name: input.operatorName, created_at: at })
      .execute();
    const admins: IssuedCredentials[] = [];
    for (const [i, admin] of input.admins.entries()) {
      admins.push(
        await createUserWithTemporaryPassword(tx, {
          ...admin,
          operatorCode: input.operatorCode,
          role: 'admin',
          userId: rawInput.adminUserIds?.[i],
          actor: null,
          now: rawInput.now,
          notify: false,
        }),
      );
    }
    // Both admins exist now, so each registration notice reaches the other admin as well.
    for (const a of admins) {
      await queueNotice(tx, {
        event: 'registered',
        at: rawInput.now,
        user: a.user,
        actor: null,
        temporaryPassword: a.temporaryPassword,
        expiresAt: a.expiresAt,
      });
    }
    await recordAudit(tx, {
      at: rawInput.now,
      action: 'operatorAdd',
      outcome: 'success',
      operatorCode: input.operatorCode,
      detail: { operatorName: input.operatorName, admins: admins.map((a) => a.user.userId) },
    });
    return {
      operator: { operatorCode: input.operatorCode, operatorName: input.operatorName, createdAt: at },
      admins,
    };
  });
}
