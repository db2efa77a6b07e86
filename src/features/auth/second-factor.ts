import type { Db } from '../../db/connect.js';
import { loadSecretKeyRing, type SecretKeySource } from '../../db/server-keys.js';
import { openSecret, sealSecret } from '../../lib/secret-box.js';
import { recordAudit } from '../audit/service.js';
import { queueNotice } from '../mail/notices.js';
import type { User } from '../users/model.js';
import {
  asRecoveryCode,
  hashRecoveryCode,
  newRecoveryCode,
  RECOVERY_CODE_COUNT,
  recoveryCodeMatches,
} from './recovery-codes.js';
import { endOtherSessions } from './sessions.js';
import { matchTotp, newTotpSecret, normaliseCodeInput, totpUri } from './totp.js';

/**
 * SPEC D-22: the user's second factor, an authenticator app (TOTP) with ten one-time
 * recovery codes. The TOTP secret is sealed at rest (src/lib/secret-box.ts) and bound to
 * its user; recovery codes are kept as argon2id hashes; each code is accepted once.
 */

export interface SecondFactorStatus {
  /** An authenticator app is enrolled and confirmed. */
  enabled: boolean;
  enabledAt: Date | null;
  /** An enrolment was started and waits for its first code. */
  pending: boolean;
  /** Recovery codes not used yet. */
  recoveryCodesLeft: number;
}

/** What a second-factor action needs besides the database: the key source and the request. */
export interface FactorContext {
  keys: SecretKeySource;
  ip: string;
  now: Date;
}

/** What a sealed TOTP secret is bound to: its user (a value copied to another row does not open). */
export const totpSecretBinding = (userId: string) => `totp:${userId}`;

export async function secondFactorStatus(db: Db, userId: string): Promise<SecondFactorStatus> {
  const factor = await db
    .selectFrom('totp_factors')
    .select(['enabled_at'])
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return {
    enabled: Boolean(factor?.enabled_at),
    enabledAt: factor?.enabled_at ? new Date(factor.enabled_at) : null,
    pending: Boolean(factor && !factor.enabled_at),
    recoveryCodesLeft: await recoveryCodesLeft(db, userId),
  };
}

/** How many of the user's recovery codes are not used yet. */
export async function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  const left = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(left?.n ?? 0);
}

export async function hasSecondFactor(db: Db, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('totp_factors')
    .select('user_id')
    .where('user_id', '=', userId)
    .where('enabled_at', 'is not', null)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Starts (or starts over) an enrolment: a new secret, sealed, waiting for its first code.
 * A user who already has an enrolled app must remove it first (password and code).
 */
export async function startEnrolment(
  db: Db,
  input: { user: User } & Pick<FactorContext, 'keys' | 'now'>,
): Promise<'started' | 'alreadyEnabled'> {
  const ring = await loadSecretKeyRing(db, input.keys, input.now);
  const sealed = sealSecret(ring, newTotpSecret(), totpSecretBinding(input.user.userId));
  const at = input.now.toISOString();
  const result = await db
    .insertInto('totp_factors')
    .values({
      user_id: input.user.userId,
      secret: sealed,
      created_at: at,
      enabled_at: null,
      last_used_step: null,
    })
    .onConflict((oc) =>
      oc
        .column('user_id')
        .doUpdateSet({ secret: sealed, created_at: at, last_used_step: null })
        .where('totp_factors.enabled_at', 'is', null),
    )
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0 ? 'started' : 'alreadyEnabled';
}

/** The secret of an enrolment in progress (to show as a QR code and as text). */
export async function pendingEnrolment(
  db: Db,
  input: { userId: string; keys: SecretKeySource; now: Date },
): Promise<{ secret: string; uri: string } | undefined> {
  const row = await db
    .selectFrom('totp_factors')
    .select('secret')
    .where('user_id', '=', input.userId)
    .where('enabled_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const ring = await loadSecretKeyRing(db, input.keys, input.now);
  const secret = openSecret(ring, row.secret, totpSecretBinding(input.userId));
  return { secret, uri: totpUri(secret, input.userId) };
}

export type EnrolmentResult =
  | { ok: true; recoveryCodes: string[] }
  | { ok: false; reason: 'error.secondFactor.codeWrong' | 'error.secondFactor.notPending' };

/**
 * Confirms an enrolment with a current code of the app: the factor is on, and ten new
 * recovery codes are made, returned once in clear and stored only as hashes.
 */
export async function confirmEnrolment(
  db: Db,
  input: {
    user: User;
    code: string;
    /** ASVS V7.4.3: the user's other sessions end; this one (the enrolling browser) stays. */
    keepSessionId?: string;
  } & FactorContext,
): Promise<EnrolmentResult> {
  const { user } = input;
  const pending = await pendingEnrolment(db, { userId: user.userId, keys: input.keys, now: input.now });
  if (!pending) return { ok: false, reason: 'error.secondFactor.notPending' };
  const step = matchTotp(pending.secret, normaliseCodeInput(input.code), input.now);
  if (step === undefined) {
    await recordAudit(db, {
      at: input.now,
      action: 'secondFactorEnrol',
      outcome: 'failure',
      actorUserId: user.userId,
      operatorCode: user.operatorCode,
      ip: input.ip,
      targetUserId: user.userId,
      detail: { reason: 'wrongCode' },
    });
    return { ok: false, reason: 'error.secondFactor.codeWrong' };
  }
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  const hashes = await Promise.all(codes.map(hashRecoveryCode));
  return db.transaction().execute(async (tx) => {
    const at = input.now.toISOString();
    const enabled = await tx
      .updateTable('totp_factors')
      .set({ enabled_at: at, last_used_step: step })
      .where('user_id', '=', user.userId)
      .where('enabled_at', 'is', null)
      .executeTakeFirst();
    if (Number(enabled.numUpdatedRows) === 0)
      return { ok: false, reason: 'error.secondFactor.notPending' } as const;
    await tx.deleteFrom('recovery_codes').where('user_id', '=', user.userId).execute();
    if (input.keepSessionId) await endOtherSessions(tx, user.userId, input.keepSessionId);
    await tx
      .insertInto('recovery_codes')
      .values(hashes.map((code_hash) => ({ user_id: user.userId, code_hash, created_at: at, used_at: null })))
      .execute();
    await recordAudit(tx, {
      at: input.now,
      action: 'secondFactorEnrol',
      outcome: 'success',
      actorUserId: user.userId,
      operatorCode: user.operatorCode,
      ip: input.ip,
      targetUserId: user.userId,
      detail: { recoveryCodes: RECOVERY_CODE_COUNT },
    });
    await queueNotice(tx, { event: 'secondFactorEnabled', at: input.now, user });
    return { ok: true, recoveryCodes: codes } as const;
  });
}

export type CodeKind = 'totp' | 'recovery';

/**
 * Checks a code typed at login (or to remove the factor): a current code of the app whose
 * step is later than the last one accepted (replay refused), or an unused recovery code,
 * which is used up. Both are conditional updates, so two requests racing with one code
 * cannot both succeed. Run it in the transaction that acts on the result.
 */
export async function useSecondFactorCode(
  db: Db,
  input: { userId: string; code: string; keys: SecretKeySource; now: Date },
): Promise<CodeKind | undefined> {
  const code = normaliseCodeInput(input.code);
  if (/^[0-9]{6}$/.test(code)) {
    const row = await db
      .selectFrom('totp_factors')
      .select(['secret', 'last_used_step'])
      .where('user_id', '=', input.userId)
      .where('enabled_at', 'is not', null)
      .executeTakeFirst();
    if (!row) return undefined;
    const ring = await loadSecretKeyRing(db, input.keys, input.now);
    const step = matchTotp(openSecret(ring, row.secret, totpSecretBinding(input.userId)), code, input.now);
    if (step === undefined) return undefined;
    const used = await db
      .updateTable('totp_factors')
      .set({ last_used_step: step })
      .where('user_id', '=', input.userId)
      .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
      .executeTakeFirst();
    return Number(used.numUpdatedRows) === 1 ? 'totp' : undefined;
  }
  const recovery = asRecoveryCode(code);
  if (!recovery) return undefined;
  const rows = await db
    .selectFrom('recovery_codes')
    .select(['id', 'code_hash'])
    .where('user_id', '=', input.userId)
    .where('used_at', 'is', null)
    .orderBy('id')
    .execute();
  for (const row of rows) {
    if (!(await recoveryCodeMatches(row.code_hash, recovery))) continue;
    const used = await db
      .updateTable('recovery_codes')
      .set({ used_at: input.now.toISOString() })
      .where('id', '=', row.id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(used.numUpdatedRows) === 1 ? 'recovery' : undefined;
  }
  return undefined;
}

/** Removes the user's factor and recovery codes (in the caller's transaction). */
export async function deleteSecondFactor(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db.deleteFrom('totp_factors').where('user_id', '=', userId).execute();
}

/** Whether the user's operator requires a second factor of all its users. */
export async function secondFactorRequired(db: Db, operatorCode: string): Promise<boolean> {
  const row = await db
    .selectFrom('operators')
    .select('second_factor_required')
    .where('operator_code', '=', operatorCode)
    .executeTakeFirst();
  return Number(row?.second_factor_required ?? 0) === 1;
}
