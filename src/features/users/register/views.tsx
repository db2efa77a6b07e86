import type { VNode } from 'preact';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import {
  CsrfField,
  DetailTable,
  type FieldDescription,
  FieldRow,
  fieldAria,
  Layout,
  type ShownMessage,
} from '../../../web/layout.js';
import { ContactFieldRows, describeField, type FieldErrorIds, phoneText, topErrors } from '../form-views.js';
import { REGISTRABLE_ROLE, ROLE_LABELS } from '../model.js';
import type { UserFormValues } from '../schemas.js';
import { ConfirmLayout, crumbs, LIST_LINK, LinkButton, type PageBase, TokenButton } from '../shared-views.js';
import type { RegisterConfirmProps } from './confirmation-route.js';

/** The screens of SPEC §4.4 register (manual ch. 4): the form and its confirmation. */

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

export function RegisterConfirmPage(props: RegisterConfirmProps & { values: UserFormValues }): VNode {
  const { csrfToken } = props.page;
  return (
    <ConfirmLayout
      page={props.page}
      title="ユーザ情報登録確認画面"
      breadcrumbs={crumbs.list('ユーザ情報登録画面', 'ユーザ情報登録確認画面')}
      question={{ id: 'info.regist.confirm' }}
      executed={props.executed}
      executedLinks={[LIST_LINK]}
      answers={
        <div class="actions">
          <TokenButton action="/users/new/back" csrfToken={csrfToken} token={props.token} label="戻る" />
          <TokenButton action="/users/new" csrfToken={csrfToken} token={props.token} label="実行" primary />
        </div>
      }
    >
      <DetailTable rows={registerRows(props.operatorCode, props.operatorName, props.values)} />
    </ConfirmLayout>
  );
}
