import type { VNode } from 'preact';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { DetailTable, FieldRow, fieldAria, Layout } from '../../../web/layout.js';
import { ConfirmableForm, ConfirmLayout, type ConfirmPageProps, ExecuteAnswers } from '../confirm-views.js';
import {
  ContactFieldRows,
  type CurrentValues,
  describeField,
  type FieldErrorIds,
  phoneText,
  TextField,
  topErrors,
} from '../form-views.js';
import { ROLE_LABELS, type User } from '../model.js';
import { enabledLabel } from '../presenters.js';
import type { UserFormValues } from '../schemas.js';
import { crumbs, detailLink, Hidden, LIST_LINK, type PageBase } from '../shared-views.js';

/** The screens of SPEC §4.5 change (manual ch. 5): the form and its confirmation. */

/** A change refused because someone else changed the user meanwhile (SPEC §4.5). */
export interface ChangeConflict {
  /** The values now stored where they differ from the ones typed. */
  current: CurrentValues;
}

/** The fields of the change form whose stored value can differ from the one typed. */
const COMPARED = ['department', 'userName', 'phone', 'email', 'enabled', 'validFrom', 'validTo'] as const;

/** One field of the form as the screen shows it (trimmed, the phone joined, 有効/無効 in words). */
function shownValue(values: UserFormValues, field: (typeof COMPARED)[number]): string {
  if (field === 'phone') return phoneText(values);
  if (field === 'enabled')
    return values.enabled === '' || values.enabled === undefined ? '' : enabledLabel(values.enabled === '1');
  return (values[field] ?? '').trim();
}

/** The stored values, as shown, of the fields where they differ from the typed ones. */
export function differingValues(typed: UserFormValues, stored: UserFormValues): CurrentValues {
  const current: CurrentValues = {};
  for (const field of COMPARED) {
    const now = shownValue(stored, field);
    if (shownValue(typed, field) !== now) current[field] = now;
  }
  return current;
}

/** SPEC §2 row 2: an admin's own 有効/無効 is shown but cannot be changed (and is posted as it is). */
function EnabledField(props: {
  enabled: string;
  ownUser: boolean;
  errors: FieldErrorIds;
  current: string | undefined;
}): VNode {
  const { enabled, ownUser } = props;
  const field = describeField(
    props.errors,
    'enabled',
    ownUser ? '自分のユーザの有効/無効は変更できません。' : '有効/無効を指定してください。',
    props.current,
  );
  const choice = (value: '1' | '0', label: string, first: boolean) => (
    <label class="choice">
      <input
        id={first ? 'enabled' : undefined}
        type="radio"
        name={ownUser ? undefined : 'enabled'}
        value={value}
        checked={enabled === value}
        disabled={ownUser}
        required={!ownUser}
        {...fieldAria(field)}
      />{' '}
      {label}
    </label>
  );
  return (
    <FieldRow label={FIELD_LABELS.enabled} required group {...field}>
      {ownUser ? <Hidden name="enabled" value={enabled} /> : null}
      {choice('1', '有効', true)} {choice('0', '無効', false)}
    </FieldRow>
  );
}

/** What the change form shows of the user without letting it change. */
function FixedRows({ user, operatorName }: { user: User; operatorName: string }): VNode {
  const rows: [string, string][] = [
    [FIELD_LABELS.userId, user.userId],
    [FIELD_LABELS.role, ROLE_LABELS[user.role]],
    [FIELD_LABELS.operatorCode, user.operatorCode],
    [FIELD_LABELS.operatorName, operatorName],
  ];
  return (
    <>
      {rows.map(([label, value]) => (
        <FieldRow label={label}>
          <span>{value}</span>
        </FieldRow>
      ))}
    </>
  );
}

export function ChangeFormPage(props: {
  page: PageBase;
  user: User;
  operatorName: string;
  values: UserFormValues;
  /** SPEC §2 row 2: an admin's own 有効/無効 is shown but cannot be changed. */
  ownUser: boolean;
  errors?: FieldErrorIds;
  /** Someone else changed the user: their values beside the ones typed, and why. */
  conflict?: ChangeConflict | undefined;
}): VNode {
  const errors = props.errors ?? {};
  const current = props.conflict?.current ?? {};
  const { user, values } = props;
  const date = (name: 'validFrom' | 'validTo') => (
    <TextField
      name={name}
      value={values[name] ?? ''}
      maxlength={10}
      field={describeField(errors, name, 'yyyy/mm/dd形式で入力してください。', current[name])}
    />
  );
  return (
    <Layout
      {...props.page}
      title="ユーザ情報変更画面"
      breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報変更画面')}
      errors={[...topErrors(errors), ...(props.conflict ? [{ id: 'error.user.staleUpdate' as const }] : [])]}
    >
      <ConfirmableForm
        action={`/users/${user.userId}/change/confirm`}
        csrfToken={props.page.csrfToken}
        hidden={[['version', values.version ?? '']]}
        back={`/users/${user.userId}`}
      >
        <FixedRows user={user} operatorName={props.operatorName} />
        <ContactFieldRows values={values} errors={errors} current={current} />
        <EnabledField
          enabled={values.enabled ?? ''}
          ownUser={props.ownUser}
          errors={errors}
          current={current.enabled}
        />
        {date('validFrom')}
        {date('validTo')}
      </ConfirmableForm>
    </Layout>
  );
}

export function ChangeConfirmPage(props: ConfirmPageProps & { user: User; values: UserFormValues }): VNode {
  const { user, values } = props;
  return (
    <ConfirmLayout
      page={props.page}
      title="ユーザ情報変更確認画面"
      breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報変更画面', 'ユーザ情報変更確認画面')}
      question={{ id: 'info.update.confirm' }}
      executed={props.executed}
      executedLinks={[detailLink(user.userId), LIST_LINK]}
      answers={
        <ExecuteAnswers
          back={{ post: `/users/${user.userId}/change/back` }}
          action={`/users/${user.userId}/change`}
          csrfToken={props.page.csrfToken}
          token={props.token}
        />
      }
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
    </ConfirmLayout>
  );
}
