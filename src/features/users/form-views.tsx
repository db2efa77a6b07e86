import type { ComponentChildren, VNode } from 'preact';
import { FIELD_LABELS, type LabelledField } from '../../lib/field-labels.js';
import type { MessageId } from '../../lib/messages.js';
import { type FieldDescription, FieldRow, fieldAria, type ShownMessage } from '../../web/layout.js';
import type { UserFormValues } from './schemas.js';

/**
 * What the register and change forms share (manual ch. 4, 5): each field's error next to
 * it and at the top, and the rows of the contact fields.
 */

export type FieldErrorIds = Record<string, MessageId>;

/** The control a field's error links to: the first of the three parts of 電話番号. */
const controlId = (name: string): string => (name === 'phone' ? 'phone1' : name);

/** The label of a field for the `{field}` of its message and for the error next to it. */
function fieldLabel(name: string): string {
  return Object.hasOwn(FIELD_LABELS, name) ? FIELD_LABELS[name as LabelledField] : name;
}

function fieldError(errors: FieldErrorIds, name: string): ShownMessage | undefined {
  const id = errors[name];
  return id ? { id, params: { field: fieldLabel(name) } } : undefined;
}

/**
 * The values now stored, as the screen shows them, of the fields where they differ from
 * what was typed (a change refused because someone else changed the user, SPEC §4.5).
 */
export type CurrentValues = Partial<Record<LabelledField, string>>;

/** The hint, and under it the value now stored when it differs from the one typed. */
function hintWithCurrent(hint: string, current: string | undefined): ComponentChildren {
  if (current === undefined) return hint;
  return (
    <>
      {hint}
      <br />
      <strong>現在の値</strong>: {current === '' ? '（未入力）' : current}
    </>
  );
}

/** A field's row: its control's id, hint and error (for `FieldRow` and `fieldAria`). */
export function describeField(
  errors: FieldErrorIds,
  name: string,
  hint: string,
  current?: string,
): FieldDescription {
  return { htmlFor: controlId(name), hint: hintWithCurrent(hint, current), error: fieldError(errors, name) };
}

/**
 * Errors at the top (SPEC §4): the form-level message, then each field's message as a link
 * to the field (WCAG 3.3.1), then any that belong to no field.
 */
export function topErrors(errors: FieldErrorIds): ShownMessage[] {
  if (Object.keys(errors).length === 0) return [];
  const out: ShownMessage[] = [{ id: 'error.form.invalid' }];
  // FIELD_LABELS lists the fields in the forms' order (SPEC §3), the order of the errors here.
  for (const [name, label] of Object.entries(FIELD_LABELS)) {
    const error = fieldError(errors, name);
    if (error) out.push({ ...error, field: { id: controlId(name), label } });
  }
  for (const [name, id] of Object.entries(errors)) {
    if (!(name in FIELD_LABELS) && id !== 'error.form.invalid') out.push({ id });
  }
  return out;
}

/** A one-line input in its row: required, its label from FIELD_LABELS, its id its name. */
export function TextField(props: {
  name: LabelledField;
  value: string;
  maxlength: number;
  field: FieldDescription;
  type?: 'text' | 'email';
  autocomplete?: 'off';
}): VNode {
  // Preact's input types are a union by type; 'text' and 'email' take the same attributes here.
  const type = (props.type ?? 'text') as 'text';
  return (
    <FieldRow label={FIELD_LABELS[props.name]} required {...props.field}>
      <input
        id={props.name}
        name={props.name}
        type={type}
        value={props.value}
        maxlength={props.maxlength}
        autocomplete={props.autocomplete}
        required
        {...fieldAria(props.field)}
      />
    </FieldRow>
  );
}

/** SPEC D-5: 電話番号 as three inputs; the first carries the id the label and errors point to. */
const PHONE_PARTS = [
  { name: 'phone1', label: '電話番号（市外局番）' },
  { name: 'phone2', label: '電話番号（市内局番）' },
  { name: 'phone3', label: '電話番号（加入者番号）' },
] as const;

/** 所属部署, ユーザ名, 電話番号 (three parts, D-5), メールアドレス: the rows both forms share. */
export function ContactFieldRows({
  values,
  errors,
  current = {},
}: {
  values: UserFormValues;
  errors: FieldErrorIds;
  current?: CurrentValues;
}): VNode {
  const text = '全角または半角文字で入力してください。';
  const phone = describeField(errors, 'phone', '半角数字で入力してください。', current.phone);
  const email = describeField(errors, 'email', '正しいメールアドレスを入力してください。', current.email);
  return (
    <>
      <TextField
        name="department"
        value={values.department}
        maxlength={50}
        field={describeField(errors, 'department', text, current.department)}
      />
      <TextField
        name="userName"
        value={values.userName}
        maxlength={50}
        field={describeField(errors, 'userName', text, current.userName)}
      />
      <FieldRow label={FIELD_LABELS.phone} group {...phone}>
        {PHONE_PARTS.map((part, i) => (
          <>
            {i > 0 ? ' - ' : null}
            <input
              id={i === 0 ? part.name : undefined}
              name={part.name}
              class="phone-part"
              type="text"
              inputmode="numeric"
              value={values[part.name]}
              maxlength={5}
              aria-label={part.label}
              {...fieldAria(phone)}
            />
          </>
        ))}
      </FieldRow>
      <TextField
        name="email"
        type="email"
        value={values.email}
        maxlength={254}
        autocomplete="off"
        field={email}
      />
    </>
  );
}

/** The phone as the confirmation shows it: `03-1234-5678`, or nothing. */
export function phoneText(values: Pick<UserFormValues, 'phone1' | 'phone2' | 'phone3'>): string {
  return [values.phone1, values.phone2, values.phone3].every((p) => p === '')
    ? ''
    : `${values.phone1}-${values.phone2}-${values.phone3}`;
}
