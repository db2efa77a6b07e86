import type { VNode } from 'preact';
import { attr, html } from '../../../web/html.js';
import { CsrfField, Layout } from '../../../web/layout.js';
import { USERS_CRUMBS } from '../presenters.js';
import type { PageBase } from '../shared-views.js';
import { CSV_ENCODINGS, type CsvEncoding } from './csv.js';
import { type SearchForm, searchQueryString } from './query.js';

/** The CSV export's form on the list and its confirmation page (SPEC §4.3, D-15). */

export const LIST_TITLE = 'ユーザ情報一覧画面';
const CSV_CONFIRM_TITLE = 'ユーザ情報CSV出力確認画面';

export const CSV_QUESTION = 'ユーザ情報をCSV出力します。よろしいですか。';

/** The hidden fields that carry a search's conditions into another form (CSV export). */
function ConditionFields({ form }: { form: SearchForm }): VNode {
  return html`<input type="hidden" name="operatorCode"${attr('value', form.operatorCode)}/><input type="hidden" name="userId"${attr('value', form.userId)}/><input type="hidden" name="userName"${attr('value', form.userName)}/>${form.enabled.map((e) => html`<input type="hidden" name="enabled" value="${e}"/>`)}${form.showDeleted ? SHOW_DELETED : null}`;
}

const SHOW_DELETED = html`<input type="hidden" name="showDeleted" value="1"/>`;

/** SPEC §4.3: CSV出力 asks first (the browser's dialog, or the confirmation page without JS). */
export function CsvExportForm({ form, csrfToken }: { form: SearchForm; csrfToken: string }): VNode {
  // A post: the export is an action (it is audited, SPEC §6), and a GET only reads (D-18).
  // data-download: the page stays after the file arrives, so the button must not stay
  // disabled by the double-submit guard (public/app.js). A template (web/html.ts): the
  // list shows it on every page.
  const options = CSV_ENCODINGS.map(
    (e) => html`<option value="${e.value}"${attr('selected', e.value === 'utf8')}>${e.label}</option>`,
  );
  return html`<form method="post" action="/users/export" class="csv-export-form" data-confirm="${CSV_QUESTION}" data-download="1">${CsrfField({ token: csrfToken })}${ConditionFields({ form })}<input type="hidden" name="confirmed" value="0"/><label for="csv-encoding">文字コード</label> <select id="csv-encoding" name="encoding">${options}</select> <button type="submit" class="button-secondary">CSV出力</button></form>`;
}

/** SPEC D-15: the CSV export's confirmation without JavaScript (OK / キャンセル). */
export function CsvConfirmPage(props: PageBase & { form: SearchForm; encoding: CsvEncoding }): VNode {
  const encodingLabel = CSV_ENCODINGS.find((e) => e.value === props.encoding)?.label ?? '';
  return (
    <Layout
      title={CSV_CONFIRM_TITLE}
      auth={props.auth}
      csrfToken={props.csrfToken}
      breadcrumbs={[
        ...USERS_CRUMBS,
        { label: LIST_TITLE, href: `/users?${searchQueryString(props.form)}` },
        { label: CSV_CONFIRM_TITLE },
      ]}
      infos={[{ id: 'info.csv.confirm' }]}
    >
      <p>文字コード: {encodingLabel}</p>
      <form method="post" action="/users/export" class="actions" data-download="1">
        <CsrfField token={props.csrfToken} />
        <ConditionFields form={props.form} />
        <input type="hidden" name="encoding" value={props.encoding} />
        <input type="hidden" name="confirmed" value="1" />
        <a class="button button-secondary" href={`/users?${searchQueryString(props.form)}`}>
          キャンセル
        </a>
        <button type="submit" class="button-primary">
          OK
        </button>
      </form>
    </Layout>
  );
}
