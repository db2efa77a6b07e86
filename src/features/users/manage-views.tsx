import type { VNode } from 'preact';
import { FIELD_LABELS, labelsOf } from '../../lib/field-labels.js';
import { type MessageId, message } from '../../lib/messages.js';
import {
  type Crumb,
  CsrfField,
  DetailTable,
  type FieldDescription,
  FieldRow,
  fieldAria,
  Layout,
  type LayoutProps,
  type ShownMessage,
} from '../../web/layout.js';
import { REGISTRABLE_ROLE, ROLE_LABELS, type User } from './model.js';
import { enabledLabel, USERS_CRUMBS, userDetailRows } from './presenters.js';
import type { UserFormValues } from './schemas.js';

/**
 * The screens of SPEC §4.4–§4.9 (manual ch. 4–9): forms, confirmation pages (D-15: the
 * no-JavaScript path of every browser dialog), completion and refusal pages.
 */

/** What every page takes from the request: the signed-in user and the CSRF token. */
export type PageBase = Pick<LayoutProps, 'auth' | 'csrfToken'>;

export type FieldErrorIds = Record<string, MessageId>;

const LIST_CRUMB: Crumb = { label: 'ユーザ情報一覧画面', href: '/users' };
const detailCrumb = (userId: string): Crumb => ({ label: 'ユーザ情報詳細画面', href: `/users/${userId}` });

/** Manual trails: TOP > 参加登録 > ユーザ情報管理 > ユーザ情報一覧画面 > … */
export const crumbs = {
  list: (...rest: string[]): Crumb[] => [...USERS_CRUMBS, LIST_CRUMB, ...rest.map((label) => ({ label }))],
  detail: (userId: string, ...rest: string[]): Crumb[] => [
    ...USERS_CRUMBS,
    LIST_CRUMB,
    detailCrumb(userId),
    ...rest.map((label) => ({ label })),
  ],
};

/**
 * Field labels, used for the `{field}` of a message and for the error next to the field; in
 * the order of the forms, which is the order of the errors at the top.
 */
const FORM_FIELD_LABELS: Record<string, string> = labelsOf(
  'role',
  'department',
  'userName',
  'phone',
  'email',
  'enabled',
  'validFrom',
  'validTo',
);

/** The control a field's error links to: the first of the three parts of 電話番号. */
const controlId = (name: string): string => (name === 'phone' ? 'phone1' : name);

function fieldError(errors: FieldErrorIds, name: string): ShownMessage | undefined {
  const id = errors[name];
  return id ? { id, params: { field: FORM_FIELD_LABELS[name] ?? name } } : undefined;
}

/** A field's row: its control's id, hint and error (for `FieldRow` and `fieldAria`). */
function describeField(errors: FieldErrorIds, name: string, hint: string): FieldDescription {
  return { htmlFor: controlId(name), hint, error: fieldError(errors, name) };
}

/**
 * Errors at the top (SPEC §4): the form-level message, then each field's message as a link
 * to the field (WCAG 3.3.1), then any that belong to no field.
 */
function topErrors(errors: FieldErrorIds): ShownMessage[] {
  if (Object.keys(errors).length === 0) return [];
  const out: ShownMessage[] = [{ id: 'error.form.invalid' }];
  for (const [name, label] of Object.entries(FORM_FIELD_LABELS)) {
    const error = fieldError(errors, name);
    if (error) out.push({ ...error, field: { id: controlId(name), label } });
  }
  for (const [name, id] of Object.entries(errors)) {
    if (!(name in FIELD_LABELS) && id !== 'error.form.invalid') out.push({ id });
  }
  return out;
}

function Hidden({ name, value }: { name: string; value: string }): VNode {
  return <input type="hidden" name={name} value={value} />;
}

/** A button that posts the one-time token (and more hidden fields) to an action. */
function TokenButton(props: {
  action: string;
  csrfToken: string;
  token: string;
  label: string;
  primary?: boolean;
  danger?: boolean;
  confirmed?: '0' | '1';
  confirmText?: string;
  hidden?: [string, string][];
}): VNode {
  const cls = props.danger
    ? 'button button-danger'
    : props.primary
      ? 'button button-primary'
      : 'button button-secondary';
  return (
    <form method="post" action={props.action} data-confirm={props.confirmText}>
      <CsrfField token={props.csrfToken} />
      <Hidden name="token" value={props.token} />
      {props.confirmed ? <Hidden name="confirmed" value={props.confirmed} /> : null}
      {(props.hidden ?? []).map(([name, value]) => (
        <Hidden name={name} value={value} />
      ))}
      <button type="submit" class={cls}>
        {props.label}
      </button>
    </form>
  );
}

function LinkButton({ href, label }: { href: string; label: string }): VNode {
  return (
    <a class="button button-secondary" href={href}>
      {label}
    </a>
  );
}

/** 所属部署, ユーザ名, 電話番号 (three parts, D-5), メールアドレス: the rows both forms share. */
function ContactFieldRows({ values, errors }: { values: UserFormValues; errors: FieldErrorIds }): VNode {
  const department = describeField(errors, 'department', '全角または半角文字で入力してください。');
  const userName = describeField(errors, 'userName', '全角または半角文字で入力してください。');
  const phone = describeField(errors, 'phone', '半角数字で入力してください。');
  const email = describeField(errors, 'email', '正しいメールアドレスを入力してください。');
  return (
    <>
      <FieldRow label={FIELD_LABELS.department} required {...department}>
        <input
          id="department"
          name="department"
          type="text"
          value={values.department}
          maxlength={50}
          required
          {...fieldAria(department)}
        />
      </FieldRow>
      <FieldRow label={FIELD_LABELS.userName} required {...userName}>
        <input
          id="userName"
          name="userName"
          type="text"
          value={values.userName}
          maxlength={50}
          required
          {...fieldAria(userName)}
        />
      </FieldRow>
      <FieldRow label={FIELD_LABELS.phone} group {...phone}>
        <input
          id="phone1"
          name="phone1"
          class="phone-part"
          type="text"
          inputmode="numeric"
          value={values.phone1}
          maxlength={5}
          aria-label="電話番号（市外局番）"
          {...fieldAria(phone)}
        />
        {' - '}
        <input
          name="phone2"
          class="phone-part"
          type="text"
          inputmode="numeric"
          value={values.phone2}
          maxlength={5}
          aria-label="電話番号（市内局番）"
          {...fieldAria(phone)}
        />
        {' - '}
        <input
          name="phone3"
          class="phone-part"
          type="text"
          inputmode="numeric"
          value={values.phone3}
          maxlength={5}
          aria-label="電話番号（加入者番号）"
          {...fieldAria(phone)}
        />
      </FieldRow>
      <FieldRow label={FIELD_LABELS.email} required {...email}>
        <input
          id="email"
          name="email"
          type="email"
          value={values.email}
          maxlength={254}
          autocomplete="off"
          required
          {...fieldAria(email)}
        />
      </FieldRow>
    </>
  );
}

function phoneText(values: Pick<UserFormValues, 'phone1' | 'phone2' | 'phone3'>): string {
  return [values.phone1, values.phone2, values.phone3].every((p) => p === '')
    ? ''
    : `${values.phone1}-${values.phone2}-${values.phone3}`;
}

// ---------------------------------------------------------------- register (manual ch. 4)

export function RegisterFormPage(props: {
  page: PageBase;
  /** This showing of the form; its confirmations execute once between them. */
  formId: string;
  operatorCode: string;
  values: UserFormValues;
  errors?: FieldErrorIds;
  topMessages?: ShownMessage[];
}): VNode {
  const errors = props.errors ?? {};
  const role = describeField(errors, 'role', '権限区分を指定してください。');
  const operatorCode: FieldDescription = { htmlFor: 'operatorCode', hint: '半角英数字で入力してください。' };
  return (
    <Layout
      {...props.page}
      title="ユーザ情報登録画面"
      breadcrumbs={crumbs.list('ユーザ情報登録画面')}
      errors={[...topErrors(errors), ...(props.topMessages ?? [])]}
    >
      <form method="post" action="/users/new/confirm" class="form" novalidate>
        <CsrfField token={props.page.csrfToken} />
        <input type="hidden" name="formId" value={props.formId} />
        <table class="form-table">
          <tbody>
            <FieldRow label={FIELD_LABELS.role} required {...role}>
              <select id="role" name="role" required {...fieldAria(role)}>
                <option value={REGISTRABLE_ROLE.value} selected>
                  {REGISTRABLE_ROLE.label}
                </option>
              </select>
            </FieldRow>
            <FieldRow label={FIELD_LABELS.operatorCode} {...operatorCode}>
              <input
                id="operatorCode"
                type="text"
                value={props.operatorCode}
                readonly
                {...fieldAria(operatorCode)}
              />
            </FieldRow>
            <ContactFieldRows values={props.values} errors={errors} />
          </tbody>
        </table>
        <div class="actions">
          <LinkButton href="/users" label="戻る" />
          <button type="submit" class="button button-primary">
            確認
          </button>
        </div>
      </form>
    </Layout>
  );
}

function registerRows(
  operatorCode: string,
  operatorName: string,
  values: UserFormValues,
): [string, string][] {
  return [
    [FIELD_LABELS.role, ROLE_LABELS[REGISTRABLE_ROLE.role]],
    [FIELD_LABELS.operatorCode, operatorCode],
    [FIELD_LABELS.operatorName, operatorName],
    [FIELD_LABELS.department, values.department],
    [FIELD_LABELS.userName, values.userName],
    [FIELD_LABELS.phone, phoneText(values)],
    [FIELD_LABELS.email, values.email],
  ];
}

export function RegisterConfirmPage(props: {
  page: PageBase;
  operatorCode: string;
  operatorName: string;
  values: UserFormValues;
  token: string;
}): VNode {
  const { csrfToken } = props.page;
  return (
    <Layout
      {...props.page}
      title="ユーザ情報登録確認画面"
      breadcrumbs={crumbs.list('ユーザ情報登録画面', 'ユーザ情報登録確認画面')}
      infos={[{ id: 'info.regist.confirm' }]}
    >
      <DetailTable rows={registerRows(props.operatorCode, props.operatorName, props.values)} />
      <div class="actions">
        <TokenButton action="/users/new/back" csrfToken={csrfToken} token={props.token} label="戻る" />
        <TokenButton action="/users/new" csrfToken={csrfToken} token={props.token} label="実行" primary />
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------- change (manual ch. 5)

export function ChangeFormPage(props: {
  page: PageBase;
  user: User;
  operatorName: string;
  values: UserFormValues;
  /** SPEC §2 row 2: an admin's own 有効/無効 is shown but cannot be changed. */
  ownUser: boolean;
  errors?: FieldErrorIds;
}): VNode {
  const errors = props.errors ?? {};
  const { user, values } = props;
  const enabled = values.enabled ?? '';
  const enabledField = describeField(
    errors,
    'enabled',
    props.ownUser ? '自分のユーザの有効/無効は変更できません。' : '有効/無効を指定してください。',
  );
  const validFrom = describeField(errors, 'validFrom', 'yyyy/mm/dd形式で入力してください。');
  const validTo = describeField(errors, 'validTo', 'yyyy/mm/dd形式で入力してください。');
  return (
    <Layout
      {...props.page}
      title="ユーザ情報変更画面"
      breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報変更画面')}
      errors={topErrors(errors)}
    >
      <form method="post" action={`/users/${user.userId}/change/confirm`} class="form" novalidate>
        <CsrfField token={props.page.csrfToken} />
        <Hidden name="version" value={values.version ?? ''} />
        <table class="form-table">
          <tbody>
            <FieldRow label={FIELD_LABELS.userId}>
              <span>{user.userId}</span>
            </FieldRow>
            <FieldRow label={FIELD_LABELS.role}>
              <span>{ROLE_LABELS[user.role]}</span>
            </FieldRow>
            <FieldRow label={FIELD_LABELS.operatorCode}>
              <span>{user.operatorCode}</span>
            </FieldRow>
            <FieldRow label={FIELD_LABELS.operatorName}>
              <span>{props.operatorName}</span>
            </FieldRow>
            <ContactFieldRows values={values} errors={errors} />
            <FieldRow label={FIELD_LABELS.enabled} required group {...enabledField}>
              {props.ownUser ? <Hidden name="enabled" value={enabled} /> : null}
              <label class="choice">
                <input
                  id="enabled"
                  type="radio"
                  name={props.ownUser ? undefined : 'enabled'}
                  value="1"
                  checked={enabled === '1'}
                  disabled={props.ownUser}
                  required={!props.ownUser}
                  {...fieldAria(enabledField)}
                />{' '}
                有効
              </label>{' '}
              <label class="choice">
                <input
                  type="radio"
                  name={props.ownUser ? undefined : 'enabled'}
                  value="0"
                  checked={enabled === '0'}
                  disabled={props.ownUser}
                  required={!props.ownUser}
                  {...fieldAria(enabledField)}
                />{' '}
                無効
              </label>
            </FieldRow>
            <FieldRow label={FIELD_LABELS.validFrom} required {...validFrom}>
              <input
                id="validFrom"
                name="validFrom"
                type="text"
                value={values.validFrom ?? ''}
                maxlength={10}
                required
                {...fieldAria(validFrom)}
              />
            </FieldRow>
            <FieldRow label={FIELD_LABELS.validTo} required {...validTo}>
              <input
                id="validTo"
                name="validTo"
                type="text"
                value={values.validTo ?? ''}
                maxlength={10}
                required
                {...fieldAria(validTo)}
              />
            </FieldRow>
          </tbody>
        </table>
        <div class="actions">
          <LinkButton href={`/users/${user.userId}`} label="戻る" />
          <button type="submit" class="button button-primary">
            確認
          </button>
        </div>
      </form>
    </Layout>
  );
}

export function ChangeConfirmPage(props: {
  page: PageBase;
  user: User;
  operatorName: string;
  values: UserFormValues;
  token: string;
}): VNode {
  const { user, values } = props;
  const { csrfToken } = props.page;
  return (
    <Layout
      {...props.page}
      title="ユーザ情報変更確認画面"
      breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報変更画面', 'ユーザ情報変更確認画面')}
      infos={[{ id: 'info.update.confirm' }]}
    >
      <DetailTable
        rows={[
          [FIELD_LABELS.userId, user.userId],
          [FIELD_LABELS.role, ROLE_LABELS[user.role]],
          [FIELD_LABELS.operatorCode, user.operatorCode],
          [FIELD_LABELS.operatorName, props.operatorName],
          [FIELD_LABELS.department, values.department],
          [FIELD_LABELS.userName, values.userName],
          [FIELD_LABELS.phone, phoneText(values)],
          [FIELD_LABELS.email, values.email],
          [FIELD_LABELS.enabled, enabledLabel(values.enabled === '1')],
          [FIELD_LABELS.validFrom, values.validFrom ?? ''],
          [FIELD_LABELS.validTo, values.validTo ?? ''],
        ]}
      />
      <div class="actions">
        <TokenButton
          action={`/users/${user.userId}/change/back`}
          csrfToken={csrfToken}
          token={props.token}
          label="戻る"
        />
        <TokenButton
          action={`/users/${user.userId}/change`}
          csrfToken={csrfToken}
          token={props.token}
          label="実行"
          primary
        />
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------- delete (manual ch. 6)

/** ユーザ情報削除画面: read-only; 実行 asks in the browser's dialog (D-15), or on a page without JS. */
export function DeletePage(props: {
  page: PageBase;
  user: User;
  operatorName: string;
  token: string | null;
  errors?: ShownMessage[];
}): VNode {
  const { user } = props;
  return (
    <Layout
      {...props.page}
      title="ユーザ情報削除画面"
      breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報削除画面')}
      errors={props.errors}
    >
      <DetailTable rows={userDetailRows(user, props.operatorName)} />
      <div class="actions">
        <LinkButton href={`/users/${user.userId}`} label="戻る" />
        {props.token ? (
          <TokenButton
            action={`/users/${user.userId}/delete`}
            csrfToken={props.page.csrfToken}
            token={props.token}
            label="実行"
            danger
            confirmed="0"
            confirmText={message('info.delete.confirm')}
          />
        ) : null}
      </div>
    </Layout>
  );
}

/**
 * The confirmation page of an action on one user (delete, unlock, reissue) for browsers
 * without JavaScript: the same token, now with confirmed=1.
 */
export function ActionConfirmPage(props: {
  page: PageBase;
  title: string;
  breadcrumbs: Crumb[];
  info: MessageId;
  user: User;
  operatorName: string;
  action: string;
  token: string;
}): VNode {
  // SPEC D-15: without JavaScript this page is the browser's dialog, so it answers with
  // the dialog's buttons: キャンセル and OK.
  return (
    <Layout {...props.page} title={props.title} breadcrumbs={props.breadcrumbs} infos={[{ id: props.info }]}>
      <DetailTable rows={userDetailRows(props.user, props.operatorName)} />
      <div class="actions">
        <LinkButton href={`/users/${props.user.userId}`} label="キャンセル" />
        <TokenButton
          action={props.action}
          csrfToken={props.page.csrfToken}
          token={props.token}
          label="OK"
          primary
          confirmed="1"
        />
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------- bulk delete (manual ch. 7)

export function BulkDeleteConfirmPage(props: {
  /** The list's query, so that a refusal at 実行 returns to the same results. */
  listQuery: string;
  page: PageBase;
  users: User[];
  operatorName: string;
  token: string;
}): VNode {
  return (
    <Layout
      {...props.page}
      title="ユーザ情報一括削除確認画面"
      breadcrumbs={crumbs.list('ユーザ情報一括削除確認画面')}
      infos={[{ id: 'info.bulkDelete.confirm', params: { count: props.users.length } }]}
    >
      <table class="results">
        <thead>
          <tr>
            <th scope="col">ユーザID</th>
            <th scope="col">ユーザ名</th>
            <th scope="col">権限区分</th>
            <th scope="col">事業者コード</th>
            <th scope="col">参加登録申請者名</th>
            <th scope="col">有効/無効</th>
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => (
            <tr>
              <td>{u.userId}</td>
              <td>{u.userName}</td>
              <td>{ROLE_LABELS[u.role]}</td>
              <td>{u.operatorCode}</td>
              <td>{props.operatorName}</td>
              <td>{enabledLabel(u.enabled)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <LinkButton href={props.listQuery ? `/users?${props.listQuery}` : '/users'} label="キャンセル" />
        <TokenButton
          action="/users/bulk-delete"
          csrfToken={props.page.csrfToken}
          token={props.token}
          label="OK"
          danger
          confirmed="1"
          hidden={[
            ...props.users.map((u): [string, string] => ['userIds', u.userId]),
            ['listQuery', props.listQuery],
          ]}
        />
      </div>
    </Layout>
  );
}

// ---------------------------------------------------------------- results

export interface PageLink {
  href: string;
  label: string;
}

/** A completion page (完了画面): what was done, the user concerned, where to go next. */
export function CompletionPage(props: {
  page: PageBase;
  title: string;
  breadcrumbs: Crumb[];
  infos: ShownMessage[];
  rows?: [string, string][];
  links: PageLink[];
}): VNode {
  return (
    <Layout {...props.page} title={props.title} breadcrumbs={props.breadcrumbs} infos={props.infos}>
      {props.rows ? <DetailTable rows={props.rows} /> : null}
      <div class="actions">
        {props.links.map((l) => (
          <LinkButton href={l.href} label={l.label} />
        ))}
      </div>
    </Layout>
  );
}

/** A refused action: the message at the top, the user concerned if known, a way back. */
export function ActionErrorPage(props: {
  page: PageBase;
  title: string;
  breadcrumbs: Crumb[];
  error: ShownMessage;
  rows?: [string, string][];
  links: PageLink[];
}): VNode {
  return (
    <Layout {...props.page} title={props.title} breadcrumbs={props.breadcrumbs} errors={[props.error]}>
      {props.rows ? <DetailTable rows={props.rows} /> : null}
      <div class="actions">
        {props.links.map((l) => (
          <LinkButton href={l.href} label={l.label} />
        ))}
      </div>
    </Layout>
  );
}

/** The detail rows of a user as the completion pages show them. */
export function resultRows(user: User, operatorName: string): [string, string][] {
  return userDetailRows(user, operatorName);
}
