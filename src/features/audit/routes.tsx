import { type Stringifier, stringify } from 'csv-stringify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Db } from '../../db/connect.js';
import { attachmentDisposition, neutraliseFormula } from '../../lib/csv.js';
import { FIELD_LABELS } from '../../lib/field-labels.js';
import { compactJapanDateTime, parseCalendarDate } from '../../lib/japan-time.js';
import { adminOnly, requireAuth } from '../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import type { ShownMessage } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import { describeDetail, detailText, formatAuditTime } from './describe.js';
import { AUDIT_ACTION_LABELS, actionLabel, OUTCOME_LABELS } from './labels.js';
import { type AuditQuery, countAuditRecords, listAuditRecords } from './repository.js';
import { type AuditFilterErrors, type AuditFilterForm, AuditPage, auditQueryString } from './views.js';

const PAGE_SIZE = 50;
const EXPORT_BATCH = 500;

/** SPEC D-19: the audit screen's and export's query, read totally. */
const AUDIT_QUERY = {
  from: one('期間（開始）', 20),
  to: one('期間（終了）', 20),
  action: one('操作', 50),
  userId: one(FIELD_LABELS.userId, 20),
  outcome: one('結果', 20),
  page: one('ページ', 20),
} satisfies InputSpec;

interface AuditFilter extends AuditFilterForm {
  page: number;
}

function readAuditFilter(query: unknown): AuditFilter {
  const q = requireInput(query, AUDIT_QUERY);
  const page = /^[0-9]{1,7}$/.test(q.page) ? Math.max(1, Number(q.page)) : 1;
  return { ...q, page };
}

/** The filter's field rules: a real date, a period in order, a well-formed user ID. */
function toQuery(operatorCode: string, f: AuditFilter): { query: AuditQuery; errors: AuditFilterErrors } {
  const errors: AuditFilterErrors = {};
  const from = f.from ? parseCalendarDate(f.from) : undefined;
  const to = f.to ? parseCalendarDate(f.to) : undefined;
  if (f.from && !from) errors.from = { id: 'error.field.date', params: { field: '期間（開始）' } };
  if (f.to && !to) errors.to = { id: 'error.field.date', params: { field: '期間（終了）' } };
  if (from && to && to < from) errors.to = { id: 'error.audit.periodOrder' };
  const userId = f.userId.trim().toUpperCase();
  if (userId && !/^[0-9A-Z]{1,10}$/.test(userId)) errors.userId = { id: 'error.field.userId' };
  // A select's value that is not one of its options means no restriction, as すべて does.
  const action = Object.hasOwn(AUDIT_ACTION_LABELS, f.action) ? f.action : undefined;
  const outcome = f.outcome === 'success' || f.outcome === 'failure' ? f.outcome : undefined;
  return {
    query: { operatorCode, from, to, action, userId: userId || undefined, outcome },
    errors,
  };
}

/** SPEC §6: admins view and export their own operator's audit records. */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  // SPEC §6: admins only, for every route of this scope.
  app.addHook('preHandler', adminOnly);
  app.get('/audit', (request, reply) => showAuditPage(app, request, reply));
  // A GET that only reads (D-18): the same records and columns as the screen, as CSV.
  app.get('/audit/export', (request, reply) => exportAuditCsv(app, request, reply));
}

/** The filter, its page of records (newest first), or the filter's errors. */
async function showAuditPage(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const auth = requireAuth(request);
  const filter = readAuditFilter(request.query);
  const { query, errors } = toQuery(auth.user.operatorCode, filter);
  const invalid = Object.keys(errors).length > 0;
  const total = invalid ? 0 : await countAuditRecords(app.store.db, query);
  const lastPage = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const page = Math.min(filter.page, lastPage);
  const records = invalid
    ? []
    : await listAuditRecords(app.store.db, query, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  // The form's message, then each field's as a link to the field (as on every form).
  const fieldLinks: ShownMessage[] = (['from', 'to', 'userId'] as const).flatMap((name) => {
    const error = errors[name];
    return error ? [{ ...error, field: { id: name, label: AUDIT_QUERY[name].label } }] : [];
  });
  const messages: ShownMessage[] = invalid
    ? [{ id: 'error.form.invalid' }, ...fieldLinks]
    : total === 0
      ? [{ id: 'error.audit.noHits' }]
      : [];
  return sendPage(
    reply,
    <AuditPage
      page={pageContext(request)}
      form={filter}
      errors={errors}
      messages={messages}
      records={records}
      total={total}
      pageNumber={page}
      lastPage={lastPage}
      pageSize={PAGE_SIZE}
    />,
    invalid ? 400 : 200,
  );
}

async function exportAuditCsv(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const auth = requireAuth(request);
  const filter = readAuditFilter(request.query);
  const { query, errors } = toQuery(auth.user.operatorCode, filter);
  if (Object.keys(errors).length > 0) return reply.redirect(`/audit${auditQueryString(filter)}`, 303);
  const now = app.clock.now();
  const name = `監査ログ_${compactJapanDateTime(now)}.csv`;
  const csv = stringify({ bom: true, record_delimiter: 'windows' });
  csv.write(['日時', '操作', '結果', '操作者', '対象ユーザ', '接続元', '内容']);
  writeAuditRows(app.store.db, query, csv).catch((error: unknown) => csv.destroy(error as Error));
  return reply
    .type('text/csv; charset=utf-8')
    .header('Content-Disposition', attachmentDisposition(name, `audit_${compactJapanDateTime(now)}.csv`))
    .send(csv);
}

/** Every record the filter finds, in batches by id: memory stays flat however many there are. */
async function writeAuditRows(db: Db, query: AuditQuery, csv: Stringifier): Promise<void> {
  let beforeId: number | undefined;
  for (;;) {
    const batch = await listAuditRecords(db, query, { limit: EXPORT_BATCH, beforeId });
    for (const r of batch) {
      csv.write([
        formatAuditTime(r.occurredAt),
        actionLabel(r.action),
        OUTCOME_LABELS[r.outcome],
        r.actorUserId ?? '',
        r.targetUserId ?? '',
        r.ip ?? '',
        // SPEC D-10 applies to every CSV we write: no cell is read as a formula.
        neutraliseFormula(detailText(describeDetail(r.action, r.detail))),
      ]);
    }
    if (batch.length < EXPORT_BATCH) break;
    beforeId = batch[batch.length - 1]!.id;
  }
  csv.end();
}
