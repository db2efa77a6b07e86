import type { VNode } from 'preact';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { formatDate } from '../../../lib/japan-time.js';
import { message } from '../../../lib/messages.js';
import {
  type FieldDescription,
  FieldRow,
  fieldAria,
  Layout,
  type ShownMessage,
} from '../../../web/layout.js';
import { ConfirmableForm, ConfirmLayout, ExecuteAnswers } from '../confirm-views.js';
import { crumbs, DataTable, LIST_LINK, type PageBase, ScrollBox } from '../shared-views.js';
import { BULK_REGISTER_MAX_ROWS, type BulkRegisterRow, type CsvIssue } from './bulk-check.js';
import {
  BULK_REGISTER_COLUMNS,
  columnLetter,
  UPLOAD_ENCODINGS,
  UPLOAD_LIMITS,
  type UploadEncoding,
} from './bulk-csv.js';
import { type RegisterConfirmProps, RegistrationTable } from './views.js';

/**
 * The screens of SPEC §4.12 bulk register: the upload form (with the format explained and
 * every problem of a refused file listed by line and column) and the confirmation.
 */

export const UPLOAD_TITLE = 'ユーザ情報一括登録画面';
export const CONFIRM_TITLE = 'ユーザ情報一括登録確認画面';
export const COMPLETE_TITLE = 'ユーザ情報一括登録完了画面';
export const UPLOAD_LINK = { href: '/users/bulk-register', label: 'ユーザ情報一括登録画面へ' };

/** A number as the page shows it: 1,000. */
const shown = (n: number) => n.toLocaleString('ja-JP');

function columnText(issue: CsvIssue): string {
  const column = issue.column;
  if (!column) return '—';
  if (column.index < 0) return column.label;
  const letter = `${columnLetter(column.index)}列`;
  return column.label ? `${letter}（${column.label}）` : letter;
}

/**
 * SPEC §4.12: each problem of the file by line and column, all at once; D-20: at most
 * `maxListedIssues` of them, and a closing line says how many more there were.
 */
function IssueTable({ issues, omitted }: { issues: CsvIssue[]; omitted: number }): VNode {
  const rest: ShownMessage = {
    id: 'error.bulkRegist.issuesOmitted',
    params: { count: omitted, limit: issues.length },
  };
  return (
    <section aria-labelledby="issues-heading">
      <h2 id="issues-heading">エラー一覧</h2>
      <ScrollBox label="エラー一覧">
        <table class="results bulk-register-issues">
          <thead>
            <tr>
              <th scope="col">行</th>
              <th scope="col">列</th>
              <th scope="col">メッセージ</th>
            </tr>
          </thead>
          <tbody>
            {issues.map((issue) => (
              <tr data-line={issue.line ?? ''}>
                <td>{issue.line === null ? '—' : `${issue.line}行目`}</td>
                <td>{columnText(issue)}</td>
                <td>
                  <span class="message-id">{issue.message.id}</span> :{' '}
                  {message(issue.message.id, issue.message.params)}
                </td>
              </tr>
            ))}
            {omitted > 0 ? (
              <tr class="issues-omitted">
                <td colspan={3}>
                  <span class="message-id">{rest.id}</span> : {message(rest.id, rest.params)}
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </ScrollBox>
    </section>
  );
}

/** The file format, as the user needs it to fill in the template (docs/bulk-register.md says the same). */
function FormatHelp(): VNode {
  return (
    <section aria-labelledby="format-heading" class="help">
      <h2 id="format-heading">CSVファイルの形式</h2>
      <ul>
        <li>
          1行目はヘッダ行です。列名は
          {BULK_REGISTER_COLUMNS.map((c, i) => (
            <>
              {i > 0 ? '、' : ''}「{c.label}」{c.required ? '' : '（省略可）'}
            </>
          ))}
          です。列の順序は自由です。これ以外の列名や、同じ列名の重複はエラーになります。
        </li>
        <li>
          2行目以降に、登録する登録作業者(一般)を1行に1人ずつ記入します（1ファイル最大{BULK_REGISTER_MAX_ROWS}
          件）。空行は無視します。
        </li>
        <li>所属部署・ユーザ名・メールアドレスは必須です。所属部署とユーザ名は50文字以内です。</li>
        <li>
          電話番号は省略できます。入力する場合は「03-1234-5678」のように、半角数字をハイフン（-）で3つに区切ります（各1〜5桁、合計10〜11桁）。
        </li>
        <li>
          適用開始日・適用終了日は yyyy/mm/dd 形式です。空欄の場合、適用開始日は登録日、適用終了日は
          9999/12/31 になります。適用終了日は適用開始日以降の日付にしてください。
        </li>
        <li>同じメールアドレスを1つのファイルに2回以上記入することはできません。</li>
        <li>
          文字コードは UTF-8（BOMの有無は問いません）または Shift_JIS(CP932) です。「自動判定」では、UTF-8
          として読めるファイルを UTF-8、それ以外を Shift_JIS(CP932) として読み取ります。ファイルサイズの上限は
          1MB です。
        </li>
        <li>
          ファイルは空行を含めて{shown(UPLOAD_LIMITS.maxLines)}行まで、1行{shown(UPLOAD_LIMITS.maxLineChars)}
          文字まで、{shown(UPLOAD_LIMITS.maxColumns)}
          列までです。これを超えるファイルは、内容を確認せずにエラーになります。
        </li>
        <li>
          1行でも誤りがあると、どのユーザも登録しません。誤りは行番号（ヘッダ行が1行目）と列で一覧表示します。
        </li>
        <li>登録できる登録作業者(一般)は、削除済みを除き1事業者につき最大8ユーザです。</li>
      </ul>
      <p>
        <a class="button button-secondary" href="/users/bulk-register/template" download>
          テンプレートをダウンロード
        </a>
      </p>
    </section>
  );
}

export interface BulkRegisterFormProps {
  page: PageBase;
  /** This showing of the form; its confirmations execute once between them. */
  formId: string;
  encoding: UploadEncoding;
  /** Messages at the top of the screen (SPEC §4). */
  errors?: ShownMessage[];
  /** The problem of the file itself, shown next to the file field too. */
  fileError?: ShownMessage | undefined;
  /** Problems of the file's content, by line and column (at most `maxListedIssues`). */
  issues?: CsvIssue[];
  /** How many problems more than `issues` the file has. */
  omitted?: number | undefined;
}

/** The messages at the top: the screen's, the file's own (linked to its field), the count, the file-wide ones. */
function topMessages(props: BulkRegisterFormProps, located: CsvIssue[]): ShownMessage[] {
  const fileWide = (props.issues ?? []).filter((i) => i.line === null).map((i) => i.message);
  const count = located.length + (props.omitted ?? 0);
  return [
    ...(props.errors ?? []),
    // The file's own problem links to the file field (WCAG 3.3.1).
    ...(props.fileError ? [{ ...props.fileError, field: { id: 'file', label: 'CSVファイル' } }] : []),
    ...(located.length > 0 ? [{ id: 'error.bulkRegist.invalid' as const, params: { count } }] : []),
    ...fileWide,
  ];
}

function UploadForm(props: BulkRegisterFormProps): VNode {
  const file: FieldDescription = {
    htmlFor: 'file',
    hint: '登録するユーザ情報を記入したCSVファイル（1MBまで）を指定してください。',
    error: props.fileError,
  };
  const encoding: FieldDescription = { htmlFor: 'encoding', hint: '通常は「自動判定」のままで構いません。' };
  return (
    <ConfirmableForm
      action="/users/bulk-register/confirm"
      multipart
      csrfToken={props.page.csrfToken}
      hidden={[['formId', props.formId]]}
      back="/users"
    >
      <FieldRow label="CSVファイル" required {...file}>
        <input id="file" name="file" type="file" accept=".csv,text/csv" required {...fieldAria(file)} />
      </FieldRow>
      <FieldRow label="文字コード" {...encoding}>
        <select id="encoding" name="encoding" {...fieldAria(encoding)}>
          {UPLOAD_ENCODINGS.map((e) => (
            <option value={e.value} selected={e.value === props.encoding}>
              {e.label}
            </option>
          ))}
        </select>
      </FieldRow>
    </ConfirmableForm>
  );
}

export function BulkRegisterFormPage(props: BulkRegisterFormProps): VNode {
  const located = (props.issues ?? []).filter((i) => i.line !== null);
  return (
    <Layout
      {...props.page}
      title={UPLOAD_TITLE}
      breadcrumbs={crumbs.list(UPLOAD_TITLE)}
      errors={topMessages(props, located)}
    >
      {located.length > 0 ? <IssueTable issues={located} omitted={props.omitted ?? 0} /> : null}
      <UploadForm {...props} />
      <FormatHelp />
    </Layout>
  );
}

/** The columns of a row on the confirmation, after its line. */
const ROW_FIELDS = ['department', 'userName', 'phone', 'email', 'validFrom', 'validTo'] as const;

/** ユーザ情報一括登録確認画面: the rows exactly as 実行 will register them. */
export function BulkRegisterConfirmPage(props: RegisterConfirmProps & { rows: BulkRegisterRow[] }): VNode {
  return (
    <ConfirmLayout
      page={props.page}
      title={CONFIRM_TITLE}
      breadcrumbs={crumbs.list(UPLOAD_TITLE, CONFIRM_TITLE)}
      question={{ id: 'info.bulkRegist.confirm', params: { count: props.rows.length } }}
      executed={props.executed}
      executedLinks={[LIST_LINK, UPLOAD_LINK]}
      answers={
        <ExecuteAnswers
          back={{ href: UPLOAD_LINK.href }}
          action="/users/bulk-register"
          csrfToken={props.page.csrfToken}
          token={props.token}
        />
      }
    >
      <RegistrationTable operatorCode={props.operatorCode} operatorName={props.operatorName} />
      <DataTable
        label="一括登録するユーザ情報"
        headers={['行', ...ROW_FIELDS.map((f) => FIELD_LABELS[f])]}
        rows={props.rows.map((row) => [
          row.line,
          row.department,
          row.userName,
          row.phone ?? '',
          row.email,
          formatDate(row.validFrom),
          formatDate(row.validTo),
        ])}
      />
    </ConfirmLayout>
  );
}
