import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { ZEmail, ZOperatorCode, zText } from '../../lib/fields.js';
import { japanDate, temporaryPasswordExpiry } from '../../lib/japan-time.js';
import { recordAudit } from '../audit/service.js';
import { generateTemporaryPassword, hashPassword } from '../auth/passwords.js';
import { queueNotice } from '../mail/notices.js';
import { normaliseText, type Role, toSearchKey, type User } from '../users/model.js';
import { type Db, findUser, generateUserId, insertUser } from '../users/repository.js';
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

export interface IssuedCredentials {
  user: User;
  temporaryPassword: string;
  expiresAt: Date;
}

/**
 * Creates a user with a random temporary password and queues its registration notice,
 * in the caller's transaction. The one place a user row is born (CLI, register, bulk).
 */
export async function createUserWithTemporaryPassword(
  db: Db,
  input: TPersonInput & {
    operatorCode: string;
    role: Role;
    phone?: string | null;
    validFrom?: string;
    validTo?: string;
    userId?: string;
    actor: User | null;
    now: Date;
    /** False when the caller queues the notice itself (see addOperator). */
    notify?: boolean;
  },
): Promise<IssuedCredentials> {
  const temporaryPassword = generateTemporaryPassword();
  const expiresAt = temporaryPasswordExpiry(input.now);
  const at = input.now.toISOString();
  const userId = input.userId ?? (await generateUserId(db));
  const userName = normaliseText(input.userName);
  await insertUser(db, {
    user_id: userId,
    operator_code: input.operatorCode,
    role: input.role,
    department: normaliseText(input.department),
    user_name: userName,
    user_name_key: toSearchKey(userName),
    phone: input.phone ?? null,
    email: input.email,
    enabled: 1,
    valid_from: input.validFrom ?? japanDate(input.now),
    valid_to: input.validTo ?? '9999-12-31',
    locked: 0,
    failed_login_count: 0,
    deleted: 0,
    deleted_at: null,
    password_hash: await hashPassword(temporaryPassword),
    password_is_temporary: 1,
    temporary_password_expires_at: expiresAt.toISOString(),
    password_changed_at: at,
    version: 1,
    created_at: at,
    updated_at: at,
  });
  const user = (await findUser(db, userId))!;
  if (input.notify !== false) {
    await queueNotice(db, {
      event: 'registered',
      at: input.now,
      user,
      actor: input.actor,
      temporaryPassword,
      expiresAt,
    });
  }
  return { user, temporaryPassword, expiresAt };
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
