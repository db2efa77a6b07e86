import type { VNode } from 'preact';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { type MessageId, message } from '../../../lib/messages.js';
import { attr, html } from '../../../web/html.js';
import { CsrfField, FieldRow, Layout, type ShownMessage } from '../../../web/layout.js';
import { MAX_GENERAL_USERS, ROLE_LABELS } from '../model.js';
import { deletedLabel, enabledLabel, lockedLabel, secondFactorLabel, USERS_CRUMBS } from '../presenters.js';
import type { PageBase } from '../shared-views.js';
import { CsvExportForm, LIST_TITLE } from './export-views.js';
import { Pager } from './pager.js';
import { type SearchForm, searchQueryString } from './query.js';
import type { SearchPage, UserListItem } from './repository.js';

/** Without JavaScript the confirmation is a page; with it, the browser's dialog (public/app.js). */
export const BULK_DELETE_QUESTION = '選択したユーザ情報を一括削除します。よろしいですか。';
/** The dialog's question with the number ticked: app.js fills `{count}` (SPEC §4.7). */
export const BULK_DELETE_QUESTION_WITH_COUNT = message('info.bulkDelete.confirm');
const BULK_DELETE_FORM_ID = 'bulk-delete-form';

/** The text conditions of the search, with the manual's hints (manual ch. 3 ②). */
const TEXT_CONDITIONS = [
  { name: 'operatorCode', label: '事業者コード', hint: '半角英数字で入力してください。', maxlength: 4 },
  { name: 'userId', label: 'ユーザID', hint: '半角英数字で入力してください。', maxlength: 10 },
  { name: 'userName', label: 'ユーザ名', hint: '全角または半角文字で入力してください。', maxlength: 50 },
] as const;

/** Manual ch. 3 ②: the search conditions with the manual's hints (a template, web/html.ts). */
function SearchFormView({ form, errors }: { form: SearchForm; errors: Record<string, MessageId> }): VNode {
  const err = (key: string): ShownMessage | undefined => (errors[key] ? { id: errors[key] } : undefined);
  const texts = TEXT_CONDITIONS.map((c) =>
    FieldRow({
      label: c.label,
      htmlFor: c.name,
      hint: c.hint,
      error: err(c.name),
      children: html`<input id="${c.name}" name="${c.name}" type="text"${attr('value', form[c.name])} maxlength="${c.maxlength}"${attr('aria-invalid', errors[c.name] ? 'true' : null)}/>`,
    }),
  );
  const enabled = FieldRow({
    label: '有効/無効',
    hint: '有効/無効を絞り込みたい場合は、チェックしてください。(複数チェック可)',
    children: html`<label><input type="checkbox" name="enabled" value="1"${attr('checked', form.enabled.includes('1'))}/> : 有効</label> <label><input type="checkbox" name="enabled" value="0"${attr('checked', form.enabled.includes('0'))}/> : 無効</label>`,
  });
  const showDeleted = FieldRow({
    label: '削除済みの情報を表示',
    htmlFor: 'showDeleted',
    children: html`<input id="showDeleted" name="showDeleted" type="checkbox" value="1"${attr('checked', form.showDeleted)}/>`,
  });
  return html`<form method="get" action="/users" class="form search-form" novalidate><table class="form-table"><tbody>${texts}${enabled}${showDeleted}</tbody></table><div class="actions"><button type="submit" name="search" value="1" class="button-primary">検索</button></div></form>`;
}

/**
 * Status badges (ロック中, 無効, 削除済): the word itself is the badge, so it reads the same
 * to a screen reader and in a copy of the table; the colour only draws the eye.
 */
function badge(kind: 'locked' | 'disabled' | 'deleted', text: string): VNode {
  return html`<span class="badge badge-${kind}">${text}</span>`;
}

type Selection = { formId: string; selected: ReadonlySet<string> };

/**
 * One user of the results: the ID links to the detail, which leads back to this page. A
 * page repeats it twenty times, so it is a template (web/html.ts), escaped like JSX.
 */
function resultRow(user: UserListItem, operatorName: string, back: string, selection?: Selection): VNode {
  // The boxes belong to the 一括削除 form below the table (the form attribute), so CSV出力
  // and 一括削除 can stand in one row of buttons.
  const select = selection
    ? html`<td class="col-select"><input type="checkbox" name="userIds" value="${user.userId}" form="${selection.formId}"${attr('checked', selection.selected.has(user.userId))} aria-label="${user.userId}を選択"/></td>`
    : null;
  const enabled = user.enabled ? enabledLabel(true) : badge('disabled', enabledLabel(false));
  const locked = user.locked ? html` ${badge('locked', lockedLabel(true))}` : null;
  const deleted = user.deleted ? badge('deleted', deletedLabel(true)) : deletedLabel(false);
  // SPEC D-22, beyond the manual: whether the user has a second factor, after the manual's columns.
  return html`<tr>${select}<td class="col-id"><a href="/users/${encodeURIComponent(user.userId)}?back=${back}">${user.userId}</a></td><td class="col-name">${user.userName}</td><td class="col-role">${ROLE_LABELS[user.role]}</td><td class="col-code">${user.operatorCode}</td><td class="col-operator">${operatorName}</td><td class="col-state">${enabled}${locked}</td><td class="col-state">${deleted}</td><td class="col-factor">${secondFactorLabel(user.secondFactor)}</td></tr>`;
}

function ResultsTable(props: {
  users: UserListItem[];
  operatorName: string;
  backQuery: string;
  /** The 選択 column, for admins only (SPEC §2: general users cannot bulk delete). */
  selection?: Selection | undefined;
}): VNode {
  const back = encodeURIComponent(`/users?${props.backQuery}`);
  const { selection } = props;
  const allTicked = !!selection && props.users.every((u) => selection.selected.has(u.userId));
  const selectHeader = selection
    ? html`<th scope="col" class="col-select"><label><span class="visually-hidden">このページのユーザをすべて選択</span><input type="checkbox" data-select-all="true"${attr('checked', allTicked)}/></label>選択</th>`
    : null;
  return html`<div class="table-scroll"><table class="results"><thead><tr>${selectHeader}${RESULT_HEADERS}</tr></thead><tbody>${props.users.map((u) => resultRow(u, props.operatorName, back, selection))}</tbody></table></div>`;
}

const RESULT_HEADERS = html`<th scope="col">ユーザID</th><th scope="col">ユーザ名</th><th scope="col">権限区分</th><th scope="col">事業者コード</th><th scope="col">参加登録申請者名</th><th scope="col">有効/無効</th><th scope="col">削除状態</th><th scope="col">${FIELD_LABELS.secondFactor}</th>`;

export interface UserListPageProps extends PageBase {
  form: SearchForm;
  fieldErrors: Record<string, MessageId>;
  errors: ShownMessage[];
  result: SearchPage | undefined;
  operatorName: string;
  isAdmin: boolean;
  /** One-time token of the bulk delete form (admins, when there are rows). */
  bulkDeleteToken: string | undefined;
  /** Admins: the undeleted general users of the operator (SPEC §1: at most eight). */
  generalUserCount?: number | undefined;
  /** The boxes ticked before a refused bulk delete: they stay ticked (manual ch. 7 ⑤). */
  selectedUserIds?: readonly string[] | undefined;
}

/**
 * 新規登録 and 一括登録 at the top right of the screen (manual ch. 4 ②), with how many
 * general users can still be registered; at the limit both are disabled and say why.
 */
function RegisterToolbar({ generalUserCount }: { generalUserCount: number }): VNode {
  const remaining = Math.max(0, MAX_GENERAL_USERS - generalUserCount);
  const full = remaining === 0;
  const note = full
    ? message('info.list.limitReached', { max: MAX_GENERAL_USERS })
    : message('info.list.remaining', { remaining });
  return html`<div class="actions list-toolbar"><p id="registration-room" class="${full ? 'registration-room registration-full' : 'registration-room'}">${note}</p>${full ? REGISTER_DISABLED : REGISTER_LINKS}</div>`;
}

const REGISTER_DISABLED = html`<button type="button" class="button-primary" disabled aria-describedby="registration-room">新規登録</button><button type="button" class="button-secondary" disabled aria-describedby="registration-room">一括登録</button>`;
const REGISTER_LINKS = html`<a class="button button-primary" href="/users/new">新規登録</a><a class="button button-secondary" href="/users/bulk-register">一括登録</a>`;

/**
 * 一括削除 (SPEC §4.7): a small form beside CSV出力; the boxes of the table join it through
 * their form attribute. With JavaScript, app.js asks with the number ticked, and says so
 * here instead of asking when none is; without, the server answers both (D-15).
 */
function BulkDeleteForm(props: { csrfToken: string; token: string; listQuery: string }): VNode {
  // Manual ch. 7 ⑤: a refusal is shown at the top of this list, with these results (listQuery).
  return html`<form id="${BULK_DELETE_FORM_ID}" method="post" action="/users/bulk-delete" class="bulk-delete-form" data-confirm="${BULK_DELETE_QUESTION}" data-confirm-count="${BULK_DELETE_QUESTION_WITH_COUNT}" data-require-selection="userIds" data-none-selected="${message('error.bulkDelete.noneSelected')}">${CsrfField({ token: props.csrfToken })}<input type="hidden" name="confirmed" value="0"/><input type="hidden" name="token" value="${props.token}"/><input type="hidden" name="listQuery"${attr('value', props.listQuery)}/><span class="inline-error" role="alert" data-selection-error="true"></span><button type="submit" class="button-danger">一括削除</button></form>`;
}

/** ユーザ情報一覧画面 (manual ch. 3 ②③, SPEC §4.1). */
export function UserListPage(props: UserListPageProps): VNode {
  const { result, form } = props;
  const backQuery = result ? searchQueryString(form, result.page) : '';
  const hasRows = !!result && result.users.length > 0;
  const bulkDeleteToken = props.isAdmin ? props.bulkDeleteToken : undefined;
  const selection = bulkDeleteToken
    ? { formId: BULK_DELETE_FORM_ID, selected: new Set(props.selectedUserIds ?? []) }
    : undefined;
  return (
    <Layout
      title={LIST_TITLE}
      auth={props.auth}
      csrfToken={props.csrfToken}
      breadcrumbs={[...USERS_CRUMBS, { label: LIST_TITLE }]}
      errors={props.errors}
    >
      {props.isAdmin && props.generalUserCount !== undefined
        ? RegisterToolbar({ generalUserCount: props.generalUserCount })
        : null}
      {SearchFormView({ form, errors: props.fieldErrors })}
      {result && hasRows
        ? // Manual ch. 3 ③ / ch. 7 ③: CSV出力 and 一括削除 side by side, in one row.
          html`<section aria-labelledby="results-heading" class="results-section"><h2 id="results-heading">ユーザ情報一覧</h2>${Pager({ form, result })}${ResultsTable({ users: result.users, operatorName: props.operatorName, backQuery, selection })}${Pager({ form, result })}<div class="actions list-actions">${CsvExportForm({ form, csrfToken: props.csrfToken })}${bulkDeleteToken ? BulkDeleteForm({ csrfToken: props.csrfToken, token: bulkDeleteToken, listQuery: backQuery }) : null}</div></section>`
        : null}
    </Layout>
  );
}
