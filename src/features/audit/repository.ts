import type { Db } from '../../db/connect.js';

export interface AuditQuery {
  operatorCode: string;
  /** ISO date (Japan calendar), inclusive. */
  from?: string;
  to?: string;
  action?: string;
  userId?: string;
  outcome?: 'success' | 'failure';
}

export interface AuditRecord {
  id: number;
  occurredAt: string;
  actorUserId: string | null;
  ip: string | null;
  action: string;
  targetUserId: string | null;
  outcome: 'success' | 'failure';
  detail: Record<string, unknown>;
}

/** Japan calendar date → the UTC instant its day starts. */
function startOfJapanDay(date: string): string {
  return new Date(`${date}T00:00:00+09:00`).toISOString();
}

function filtered(db: Db, q: AuditQuery) {
  let query = db.selectFrom('audit_records').where('operator_code', '=', q.operatorCode);
  if (q.from) query = query.where('occurred_at', '>=', startOfJapanDay(q.from));
  if (q.to) {
    const next = new Date(new Date(`${q.to}T00:00:00+09:00`).getTime() + 86_400_000).toISOString();
    query = query.where('occurred_at', '<', next);
  }
  if (q.action) query = query.where('action', '=', q.action);
  if (q.outcome) query = query.where('outcome', '=', q.outcome);
  if (q.userId) {
    const id = q.userId;
    query = query.where((eb) => eb.or([eb('actor_user_id', '=', id), eb('target_user_id', '=', id)]));
  }
  return query;
}

export async function countAuditRecords(db: Db, q: AuditQuery): Promise<number> {
  const row = await filtered(db, q)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One page, newest first; `beforeId` pages through large exports without OFFSET. */
export async function listAuditRecords(
  db: Db,
  q: AuditQuery,
  page: { limit: number; offset?: number; beforeId?: number },
): Promise<AuditRecord[]> {
  let query = filtered(db, q).selectAll();
  if (page.beforeId !== undefined) query = query.where('id', '<', page.beforeId);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset ?? 0)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    occurredAt: r.occurred_at,
    actorUserId: r.actor_user_id,
    ip: r.ip,
    action: r.action,
    targetUserId: r.target_user_id,
    outcome: r.outcome,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
  }));
}
