import type { VNode } from 'preact';
import { FieldRow, fieldAria, Layout, type LayoutProps, type ShownMessage } from '../../web/layout.js';
import { type DetailItem, describeDetail, formatAuditTime } from './describe.js';
import { AUDIT_ACTION_LABELS, actionLabel, OUTCOME_LABELS } from './labels.js';
import type { AuditRecord } from './repository.js';

export const AUDIT_TITLE = '監査ログ一覧画面';

/** The filter as typed (shown again in the form and carried by every link). */
export interface AuditFilterForm {
  from: string;
  to: string;
  action: string;
  userId: string;
  outcome: string;
}

export type AuditFilterErrors = Partial<Record<'from' | 'to' | 'userId', ShownMessage>>;

/** The query string of the filter, and of a page of it: every filter stays in the URL. */
export function auditQueryString(form: AuditFilterForm, page?: number): string {
  const p = new URLSearchParams();
  for (const key of ['from', 'to', 'action', 'userId', 'outcome'] as const)
    if (form[key]) p.set(key, form[key]);
  if (page && page > 1) p.set('page', String(page));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** A date of the period, typed as yyyy/mm/dd. */
function DateRow(props: {
  label: string;
  name: string;
  value: string;
  error: ShownMessage | undefined;
  example: string;
}): VNode {
  const field = { htmlFor: props.name, hint: 'yyyy/mm/dd形式で入力してください。', error: props.error };
  return (
    <FieldRow label={props.label} {...field}>
      <input
        id={props.name}
        name={props.name}
        type="text"
        value={props.value}
        placeholder={props.example}
        {...fieldAria(field)}
      />
    </FieldRow>
  );
}

/** A select of the filter: すべて (no restriction), then each value by its label. */
function FilterSelect(props: {
  label: string;
  name: string;
  options: Record<string, string>;
  value: string;
}): VNode {
  return (
    <FieldRow label={props.label} htmlFor={props.name}>
      <select id={props.name} name={props.name}>
        <option value="">すべて</option>
        {Object.entries(props.options).map(([value, label]) => (
          <option value={value} selected={props.value === value}>
            {label}
          </option>
        ))}
      </select>
    </FieldRow>
  );
}

function FilterForm({ form, errors }: { form: AuditFilterForm; errors: AuditFilterErrors }): VNode {
  const userIdField = { htmlFor: 'userId', hint: '操作者または対象ユーザのユーザID', error: errors.userId };
  return (
    <form method="get" action="/audit" class="form" novalidate>
      <table class="form-table">
        <tbody>
          <DateRow
            label="期間（開始）"
            name="from"
            value={form.from}
            error={errors.from}
            example="2026/04/01"
          />
          <DateRow label="期間（終了）" name="to" value={form.to} error={errors.to} example="2026/04/30" />
          <FilterSelect label="操作" name="action" options={AUDIT_ACTION_LABELS} value={form.action} />
          <FieldRow label="ユーザID" {...userIdField}>
            <input
              id="userId"
              name="userId"
              type="text"
              value={form.userId}
              maxlength={10}
              {...fieldAria(userIdField)}
            />
          </FieldRow>
          <FilterSelect label="結果" name="outcome" options={OUTCOME_LABELS} value={form.outcome} />
        </tbody>
      </table>
      <div class="actions">
        <button type="submit" class="button-primary">
          検索
        </button>
      </div>
    </form>
  );
}

/** `1 - 50 件 (全N件)` and `<< 最初 | < 前へ | 次へ > | 最後 >>`, as the user list's pager. */
function Pager(props: {
  form: AuditFilterForm;
  page: number;
  lastPage: number;
  total: number;
  pageSize: number;
}): VNode {
  const { form, page, lastPage, total, pageSize } = props;
  const first = (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const step = (label: string, target: number, enabled: boolean) => (
    <li>
      {enabled ? (
        <a href={`/audit${auditQueryString(form, target)}`}>{label}</a>
      ) : (
        <span aria-disabled="true">{label}</span>
      )}
    </li>
  );
  return (
    <nav class="pager" aria-label="ページ送り">
      <span class="pager-range">{`${first} - ${last} 件 (全${total}件)`}</span>
      <ol>
        {step('<< 最初', 1, page > 1)}
        {step('< 前へ', page - 1, page > 1)}
        <li>
          <span aria-current="page">{`${page} / ${lastPage}ページ`}</span>
        </li>
        {step('次へ >', page + 1, page < lastPage)}
        {step('最後 >>', lastPage, page < lastPage)}
      </ol>
    </nav>
  );
}

/** SPEC §6: the 内容 column, labelled lines and a change as field, before and after. */
function DetailCell({ items }: { items: DetailItem[] }): VNode | null {
  if (items.length === 0) return null;
  return (
    <dl class="audit-detail">
      {items.map((item) =>
        item.kind === 'text' ? (
          <div>
            <dt>{item.label}</dt>
            <dd>{item.value}</dd>
          </div>
        ) : (
          <div>
            <dt>{item.label}</dt>
            <dd>
              <table class="audit-changes">
                <thead>
                  <tr>
                    <th scope="col">項目</th>
                    <th scope="col">変更前</th>
                    <th scope="col">変更後</th>
                  </tr>
                </thead>
                <tbody>
                  {item.rows.map((row) => (
                    <tr>
                      <th scope="row">{row.field}</th>
                      <td>{row.before}</td>
                      <td>{row.after}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </dd>
          </div>
        ),
      )}
    </dl>
  );
}

function RecordsTable({ records }: { records: AuditRecord[] }): VNode {
  return (
    <section class="table-scroll" tabindex={0} aria-label="監査ログ一覧">
      <table class="results audit-table">
        <thead>
          <tr>
            <th scope="col" class="col-time">
              日時
            </th>
            <th scope="col" class="col-action">
              操作
            </th>
            <th scope="col" class="col-outcome">
              結果
            </th>
            <th scope="col" class="col-id">
              操作者
            </th>
            <th scope="col" class="col-id">
              対象ユーザ
            </th>
            <th scope="col" class="col-ip">
              接続元
            </th>
            <th scope="col" class="col-detail">
              内容
            </th>
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr class={r.outcome === 'failure' ? 'audit-failure' : undefined}>
              <td class="col-time">
                <time dateTime={r.occurredAt}>{formatAuditTime(r.occurredAt)}</time>
              </td>
              <td class="col-action">{actionLabel(r.action)}</td>
              <td class="col-outcome">{OUTCOME_LABELS[r.outcome]}</td>
              <td class="col-id">{r.actorUserId ?? ''}</td>
              <td class="col-id">{r.targetUserId ?? ''}</td>
              <td class="col-ip">{r.ip ?? ''}</td>
              <td class="col-detail">
                <DetailCell items={describeDetail(r.action, r.detail)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export interface AuditPageProps {
  page: Pick<LayoutProps, 'auth' | 'csrfToken'>;
  form: AuditFilterForm;
  errors: AuditFilterErrors;
  messages: ShownMessage[];
  records: AuditRecord[];
  total: number;
  pageNumber: number;
  lastPage: number;
  pageSize: number;
}

/** SPEC §6: the filter, the pager, the records and the CSV link of the admin's operator. */
export function AuditPage(props: AuditPageProps): VNode {
  const pager = (
    <Pager
      form={props.form}
      page={props.pageNumber}
      lastPage={props.lastPage}
      total={props.total}
      pageSize={props.pageSize}
    />
  );
  return (
    <Layout
      {...props.page}
      title={AUDIT_TITLE}
      breadcrumbs={[
        { label: '参加登録', href: '/participation' },
        { label: 'ユーザ情報管理', href: '/users' },
        { label: AUDIT_TITLE },
      ]}
      errors={props.messages}
    >
      <FilterForm form={props.form} errors={props.errors} />
      {props.total > 0 ? (
        <>
          {pager}
          <RecordsTable records={props.records} />
          {pager}
          <div class="actions">
            <a class="button button-secondary" href={`/audit/export${auditQueryString(props.form)}`}>
              CSV出力
            </a>
          </div>
        </>
      ) : null}
    </Layout>
  );
}
