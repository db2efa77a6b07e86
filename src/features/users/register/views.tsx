import type { VNode } from 'preact';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import {
  DetailTable,
  type FieldDescription,
  FieldRow,
  fieldAria,
  Layout,
  type ShownMessage,
} from '../../../web/layout.js';
import { ConfirmableForm, ConfirmLayout, type ConfirmPageProps, ExecuteAnswers } from '../confirm-views.js';
import { ContactFieldRows, describeField, type FieldErrorIds, phoneText, topErrors } from '../form-views.js';
import { REGISTRABLE_ROLE, ROLE_LABELS } from '../model.js';
import type { UserFormValues } from '../schemas.js';
import { crumbs, LIST_LINK, type PageBase } from '../shared-views.js';

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
      <ConfirmableForm
        action="/users/new/confirm"
        csrfToken={props.page.csrfToken}
        hidden={[['formId', props.formId]]}
        back="/users"
      >
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
      </ConfirmableForm>
    </Layout>
  );
}

/**
 * What a registration's confirmation shows first (register, bulk register): the role every
 * registered user gets and the operator they join, then `rows` (the user's fields).
 */
export function RegistrationTable(props: {
  operatorCode: string;
  operatorName: string;
  rows?: [string, string][];
}): VNode {
  return (
    <DetailTable
      rows={[
        [FIELD_LABELS.role, ROLE_LABELS[REGISTRABLE_ROLE.role]],
        [FIELD_LABELS.operatorCode, props.operatorCode],
        [FIELD_LABELS.operatorName, props.operatorName],
        ...(props.rows ?? []),
      ]}
    />
  );
}

/** What the confirmation pages of register and bulk register take besides what they confirm. */
export type RegisterConfirmProps = ConfirmPageProps & { operatorCode: string };

export function RegisterConfirmPage(props: RegisterConfirmProps & { values: UserFormValues }): VNode {
  return (
    <ConfirmLayout
      page={props.page}
      title="ユーザ情報登録確認画面"
      breadcrumbs={crumbs.list('ユーザ情報登録画面', 'ユーザ情報登録確認画面')}
      question={{ id: 'info.regist.confirm' }}
      executed={props.executed}
      executedLinks={[LIST_LINK]}
      answers={
        <ExecuteAnswers
          back={{ post: '/users/new/back' }}
          action="/users/new"
          csrfToken={props.page.csrfToken}
          token={props.token}
        />
      }
    >
      <RegistrationTable
        operatorCode={props.operatorCode}
        operatorName={props.operatorName}
        rows={[
          [FIELD_LABELS.department, props.values.department],
          [FIELD_LABELS.userName, props.values.userName],
          [FIELD_LABELS.phone, phoneText(props.values)],
          [FIELD_LABELS.email, props.values.email],
        ]}
      />
    </ConfirmLayout>
  );
}
