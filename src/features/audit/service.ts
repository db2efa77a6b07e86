import type { Db } from '../../db/connect.js';

/** SPEC §6: every action that the audit trail records, by name. */
export type AuditAction =
  | 'login'
  | 'logout'
  | 'lock'
  | 'unlock'
  | 'register'
  | 'change'
  | 'delete'
  | 'bulkDelete'
  | 'reissuePassword'
  | 'changePassword'
  | 'csvExport'
  | 'bulkRegister'
  | 'operatorAdd'
  | 'secondFactorEnrol'
  | 'secondFactorRemove'
  | 'secondFactorReset'
  | 'secondFactorPolicy'
  | 'endSession'
  | 'endOtherSessions'
  | 'passkeyRegister'
  | 'passkeyRemove';

export interface AuditEntry {
  at: Date;
  action: AuditAction;
  outcome: 'success' | 'failure';
  actorUserId?: string | null;
  operatorCode?: string | null;
  ip?: string | null;
  targetUserId?: string | null;
  /** What happened, as data (before/after for a change). Never a password. */
  detail?: Record<string, unknown>;
}

/** Writes one audit record, in the caller's transaction when it passes one. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_records')
    .values({
      occurred_at: entry.at.toISOString(),
      action: entry.action,
      outcome: entry.outcome,
      actor_user_id: entry.actorUserId ?? null,
      operator_code: entry.operatorCode ?? null,
      ip: entry.ip ?? null,
      target_user_id: entry.targetUserId ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
    })
    .execute();
}
