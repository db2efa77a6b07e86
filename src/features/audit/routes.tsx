import { stringify } from 'csv-stringify';
import type { FastifyInstance } from 'fastify';
import { attachmentDisposition, neutraliseFormula } from '../../lib/csv.js';
import { compactJapanDateTime, formatJapanDateTime, parseCalendarDate } from '../../lib/japan-time.js';
import type { MessageId } from '../../lib/messages.js';
import { adminOnly } from '../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import { FieldRow, Layout } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import { AUDIT_ACTION_LABELS, actionLabel, OUTCOME_LABELS } from './labels.js';
import { type AuditQuery, type AuditRecord, countAuditRecords, listAuditRecords } from './repository.js';

const PAGE_SIZE = 50;
const EXPORT_BATCH = 500;

/** SPEC D-19: the audit screen's and export's query, read totally. */
const AUDIT_QUERY = {
  from: one('期間（開始）', 20),
  to: one('期間（終了）', 20),
  action: one('操作', 50),
  userId: one('ユーザID', 20),
  page: one('ページ', 20),
} satisfies InputSpec;

interface TAuditFilter {
  from: string;
  to: string;
  action: string;
  userId: string;
  page: number;
}

function readAuditFilter(query: unknown): TAuditFilter {
  const q = requireInput(query, AUDIT_QUERY);
  const page = /^[0-9]{1,7}$/.test(q.page) ? Math.max(1, Number(q.page)) : 1;
  return { ...q, page };
}

type FilterErrors = Partial<Record<'from' | 'to' | 'userId', MessageId>>;

function toQuery(operatorCode: string, f: TAuditFilter): { query: AuditQuery; errors: FilterErrors } {
  const errors: FilterErrors = {};
  const from = f.from ? parseCalendarDate(f.from) : undefined;
  const to = f.to ? parseCalendarDate(f.to) : undefined;
  if (f.from && !from) errors.from = 'error.field.date';
  if (f.to && !to) errors.to = 'error.field.date';
  if (from && to && to < from) errors.to = 'error.field.dateOrder';
  const userId = f.userId.trim().toUpperCase();
  if (userId && !/^[0-9A-Z]{1,10}$/.test(userId)) errors.userId = 'error.field.userId';
  const action = f.action in AUDIT_ACTION_LABELS ? f.action : undefined;
  return { query: { operatorCode, from, to, action, userId: userId || undefined }, errors };
}

function filterParams(f: TAuditFilter, page?: number): string {
  const p = new URLSearchParams();
  for (const key of ['from', 'to', 'action', 'userId'] as const) if (f[key]) p.set(key, f[key]);
  if (page && page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** The detail column: what the record says, without internal keys a person cannot read. */
function describeDetail(r: AuditRecord): string {
  const entries = Object.entries(r.detail).filter(([, v]) => v !== undefined && v !== null);
  return entries.map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
}

/** SPEC §6: admins view and export their own operator's audit records. */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  app.get('/audit', { preHandler: adminOnly }, async (request, reply) => {
    const auth = request.auth!;
    const filter = readAuditFilter(request.query);
    const { query, errors } = toQuery(auth.user.operatorCode, filter);
    const invalid = Object.keys(errors).length > 0;
    const total = invalid ? 0 : await countAuditRecords(app.store.db, query);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const page = Math.min(filter.page, pages);
    const records = invalid
      ? []
      : await listAuditRecords(app.store.db, query, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
    const first = total === 0 ? 0 : (page - 1) * PAGE_SIZE + 1;
    const last = Math.min(total, page * PAGE_SIZE);
    return sendPage(
      reply,
      <Layout
        {...pageContext(request)}
        title="監査ログ一覧画面"
        breadcrumbs={[
          { label: '参加登録', href: '/participation' },
          { label: 'ユーザ情報管理', href: '/users' },
          { label: '監査ログ一覧画面' },
        ]}
        errors={invalid ? [{ id: 'error.form.invalid' }] : total === 0 ? [{ id: 'error.search.noHits' }] : []}
      >
        <form method="get" action="/audit" class="form" novalidate>
          <table class="form-table">
            <tbody>
              <FieldRow
                label="期間（開始）"
                htmlFor="from"
                hint="yyyy/mm/dd形式で入力してください。"
                error={errors.from ? { id: errors.from, params: { field: '期間（開始）' } } : undefined}
              >
                <input id="from" name="from" type="text" value={filter.from} placeholder="2026/04/01" />
              </FieldRow>
              <FieldRow
                label="期間（終了）"
                htmlFor="to"
                hint="yyyy/mm/dd形式で入力してください。"
                error={errors.to ? { id: errors.to, params: { field: '期間（終了）' } } : undefined}
              >
                <input id="to" name="to" type="text" value={filter.to} placeholder="2026/04/30" />
              </FieldRow>
              <FieldRow label="操作" htmlFor="action">
                <select id="action" name="action">
                  <option value="">すべて</option>
                  {Object.entries(AUDIT_ACTION_LABELS).map(([value, label]) => (
                    <option value={value} selected={filter.action === value}>
                      {label}
                    </option>
                  ))}
                </select>
              </FieldRow>
              <FieldRow
                label="ユーザID"
                htmlFor="userId"
                hint="操作者または対象のユーザID"
                error={errors.userId ? { id: errors.userId } : undefined}
              >
                <input id="userId" name="userId" type="text" value={filter.userId} maxlength={10} />
              </FieldRow>
            </tbody>
          </table>
          <div class="actions">
            <button type="submit" class="button-primary">
              検索
            </button>
          </div>
        </form>
        {total > 0 ? (
          <>
            <div class="pager">
              <span>{`${first} - ${last} 件 (全${total}件)`}</span>
              <span>
                {page > 1 ? (
                  <a href={`/audit${filterParams(filter, page - 1)}`}>{'< 前へ'}</a>
                ) : (
                  <span>{'< 前へ'}</span>
                )}
                {' | '}
                {page < pages ? (
                  <a href={`/audit${filterParams(filter, page + 1)}`}>{'次へ >'}</a>
                ) : (
                  <span>{'次へ >'}</span>
                )}
              </span>
            </div>
            <table class="results">
              <thead>
                <tr>
                  <th scope="col">日時</th>
                  <th scope="col">操作</th>
                  <th scope="col">結果</th>
                  <th scope="col">操作者</th>
                  <th scope="col">対象ユーザ</th>
                  <th scope="col">接続元</th>
                  <th scope="col">内容</th>
                </tr>
              </thead>
              <tbody>
                {records.map((r) => (
                  <tr>
                    <td>{formatJapanDateTime(r.occurredAt)}</td>
                    <td>{actionLabel(r.action)}</td>
                    <td>{OUTCOME_LABELS[r.outcome]}</td>
                    <td>{r.actorUserId ?? ''}</td>
                    <td>{r.targetUserId ?? ''}</td>
                    <td>{r.ip ?? ''}</td>
                    <td class="detail-text">{describeDetail(r)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div class="actions">
              <a class="button button-secondary" href={`/audit/export${filterParams(filter)}`}>
                CSV出力
              </a>
            </div>
          </>
        ) : null}
      </Layout>,
      invalid ? 400 : 200,
    );
  });

  app.get('/audit/export', { preHandler: adminOnly }, async (request, reply) => {
    const auth = request.auth!;
    const filter = readAuditFilter(request.query);
    const { query, errors } = toQuery(auth.user.operatorCode, filter);
    if (Object.keys(errors).length > 0) return reply.redirect(`/audit${filterParams(filter)}`, 303);
    const db = app.store.db;
    const name = `監査ログ_${compactJapanDateTime(app.clock.now())}.csv`;
    const csv = stringify({ bom: true, record_delimiter: 'windows' });
    csv.write(['日時', '操作', '結果', '操作者', '対象ユーザ', '接続元', '内容']);
    // Batches by id keep memory flat however many records the operator has.
    (async () => {
      let beforeId: number | undefined;
      for (;;) {
        const batch = await listAuditRecords(db, query, { limit: EXPORT_BATCH, beforeId });
        for (const r of batch) {
          const detail = describeDetail(r);
          csv.write([
            formatJapanDateTime(r.occurredAt),
            actionLabel(r.action),
            OUTCOME_LABELS[r.outcome],
            r.actorUserId ?? '',
            r.targetUserId ?? '',
            r.ip ?? '',
            // SPEC D-10 applies to every CSV we write: no cell is read as a formula.
            neutraliseFormula(detail),
          ]);
        }
        if (batch.length < EXPORT_BATCH) break;
        beforeId = batch[batch.length - 1]!.id;
      }
      csv.end();
    })().catch((error: unknown) => csv.destroy(error as Error));
    return reply
      .type('text/csv; charset=utf-8')
      .header(
        'Content-Disposition',
        attachmentDisposition(name, `audit_${compactJapanDateTime(app.clock.now())}.csv`),
      )
      .send(csv);
  });
}
