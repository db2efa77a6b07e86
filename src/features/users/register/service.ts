import type { Kysely } from 'kysely';
import type { Db, DialectName } from '../../../db/connect.js';
import type { Database } from '../../../db/schema.js';
import {
  type ActionContext,
  assertFormNotExecuted,
  auditView,
  auditViews,
  recordActionAudit,
  tokenPurpose,
  useToken,
} from '../action.js';
import { createUserWithTemporaryPassword } from '../create.js';
import { UserLimitReached } from '../errors.js';
import { MAX_GENERAL_USERS, type User } from '../model.js';
import { countGeneralUsers, lockOperatorRegistrations } from '../repository.js';
import type { TBulkRegisterRow, TRegisterUserForm } from '../schemas.js';

/** What a registration confirmation stores: the validated values it showed. */
export type RegisterPayload = Omit<TRegisterUserForm, 'role'> & { formId: string };

/** What a bulk registration confirmation stores: the validated rows it listed (SPEC §4.12). */
export interface BulkRegisterPayload {
  rows: (TBulkRegisterRow & { line: number })[];
}

export type RegisterContext = ActionContext & { dialect: DialectName };

/** SPEC §1: how many more general users the operator can have, given how many it has. */
export function remainingGeneralUsers(current: number): number {
  return Math.max(0, MAX_GENERAL_USERS - current);
}

/**
 * SPEC §1, §4.4, §4.12: the refusal, all or nothing, when `requested` more general users
 * would exceed the limit of eight. Told at 確認, before the confirmation; 実行 checks again
 * in its transaction.
 */
export async function roomRefusal(
  db: Db,
  operatorCode: string,
  requested: number,
): Promise<UserLimitReached | undefined> {
  const remaining = remainingGeneralUsers(await countGeneralUsers(db, operatorCode));
  return requested > remaining ? new UserLimitReached({ remaining, requested }) : undefined;
}

/**
 * The limit check of register and bulk register (SPEC §1, §4.4, §4.12), inside their
 * transaction. The count of general users and the inserts must not interleave with another
 * registration of the same operator, or two admins could both register the 8th: the
 * operator's registrations are serialised first (lockOperatorRegistrations).
 */
async function reserveGeneralUsers(tx: Db, ctx: RegisterContext, requested: number): Promise<void> {
  await lockOperatorRegistrations(tx, ctx.dialect, ctx.actor.operatorCode);
  const full = await roomRefusal(tx, ctx.actor.operatorCode, requested);
  if (full) throw full;
}

/** One general user of the actor's operator, with its temporary password and notice (D-16). */
async function createGeneralUser(
  tx: Db,
  ctx: ActionContext,
  values: Pick<TBulkRegisterRow, 'department' | 'userName' | 'email' | 'phone'> &
    Partial<Pick<TBulkRegisterRow, 'validFrom' | 'validTo'>>,
): Promise<User> {
  const { user } = await createUserWithTemporaryPassword(tx, {
    ...values,
    operatorCode: ctx.actor.operatorCode,
    role: 'general',
    actor: ctx.actor,
    now: ctx.now,
  });
  return user;
}

/** SPEC §4.4 register, within the limit of eight (reserveGeneralUsers). */
export async function registerUser(db: Kysely<Database>, ctx: RegisterContext): Promise<User> {
  return db.transaction().execute(async (tx) => {
    const used = await useToken<RegisterPayload>(tx, ctx, tokenPurpose.register());
    const values = used.payload;
    await reserveGeneralUsers(tx, ctx, 1);
    await assertFormNotExecuted(tx, ctx, used);
    // Also queues the registration notice with the temporary password (SPEC §4.4, D-16).
    const user = await createGeneralUser(tx, ctx, {
      department: values.department,
      userName: values.userName,
      email: values.email,
      phone: values.phone,
    });
    await recordActionAudit(tx, ctx, {
      action: 'register',
      targetUserId: user.userId,
      detail: { role: user.role, after: auditView(user) },
    });
    return user;
  });
}

/**
 * SPEC §4.12 bulk register: every row of the confirmation, or none. The rows were checked
 * when the file was uploaded; the limit is checked again here, under the same lock as a
 * single registration, because other users may have been registered meanwhile. Each user
 * gets its own temporary password and registration notice, as in §4.4 (D-16); one audit
 * record lists them all.
 */
export async function bulkRegisterUsers(db: Kysely<Database>, ctx: RegisterContext): Promise<User[]> {
  return db.transaction().execute(async (tx) => {
    const used = await useToken<BulkRegisterPayload>(tx, ctx, tokenPurpose.bulkRegister());
    const { rows } = used.payload;
    await reserveGeneralUsers(tx, ctx, rows.length);
    await assertFormNotExecuted(tx, ctx, used);
    const created: User[] = [];
    for (const row of rows) {
      created.push(
        await createGeneralUser(tx, ctx, {
          department: row.department,
          userName: row.userName,
          email: row.email,
          phone: row.phone,
          validFrom: row.validFrom,
          validTo: row.validTo,
        }),
      );
    }
    await recordActionAudit(tx, ctx, { action: 'bulkRegister', detail: auditViews(created) });
    return created;
  });
}
