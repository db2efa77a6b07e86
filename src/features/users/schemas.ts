import { z } from 'zod';
import { FIELD_LABELS } from '../../lib/field-labels.js';
import { ZCalendarDate, ZEmail, ZPhoneParts, zText } from '../../lib/fields.js';
import { formatDate } from '../../lib/japan-time.js';
import type { MessageId } from '../../lib/messages.js';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import { REGISTRABLE_ROLE } from './model.js';

/**
 * The register and change forms (SPEC §3, §4.4, §4.5), built from the shared field rules
 * of src/lib/fields.ts. The fields both forms have are declared once (ZContactFields) and
 * each form adds its own; each rule reports a message ID of the catalog, so a bad or
 * missing field becomes a message next to it, never a 500.
 */

/**
 * A posted form field: absent or repeated fields, and over-long input, must not reach the
 * field rule as anything but a string (missing → '', repeated → the first value).
 */
function formField<T extends z.ZodType>(rule: T) {
  return z.preprocess((value) => {
    const one = Array.isArray(value) ? value[0] : value;
    return typeof one === 'string' ? one.slice(0, 1000) : '';
  }, rule);
}

const ZFormString = formField(z.string());

/** SPEC §4.4: the registration select offers only `7:登録作業者(一般)`. */
const ZRegistrableRole = formField(
  z.string().refine((v) => v === REGISTRABLE_ROLE.value, { message: 'error.field.role' satisfies MessageId }),
).transform(() => REGISTRABLE_ROLE.role);

/** SPEC §3: 有効/無効 is required on the change form: '1' enabled, '0' disabled. */
const ZEnabled = formField(
  z.string().refine((v) => v === '1' || v === '0', { message: 'error.field.enabled' satisfies MessageId }),
).transform((v) => v === '1');

/** SPEC §3 適用開始日/適用終了日: required, then a real `yyyy/mm/dd` calendar date. */
const ZRequiredDate = formField(
  z
    .string()
    .trim()
    .refine((v) => v !== '', { message: 'error.field.required' satisfies MessageId, abort: true })
    .pipe(ZCalendarDate),
);

/** The optimistic-locking version the change form was rendered with (SPEC §4.5). */
const ZVersion = formField(
  z.string().regex(/^[0-9]{1,9}$/, 'error.form.invalid' satisfies MessageId),
).transform(Number);

/** The fields of both forms: 所属部署, ユーザ名, 電話番号 (three parts, D-5), メールアドレス. */
const ZContactFields = z.object({
  department: formField(zText()),
  userName: formField(zText()),
  phone: z.preprocess((value) => (Array.isArray(value) ? value : ['', '', '']), ZPhoneParts),
  email: formField(ZEmail),
});

/** The form posts phone1..phone3; the rule sees them as one field `phone`. */
function withPhoneParts(raw: unknown): unknown {
  const body = raw && typeof raw === 'object' ? (raw as Record<string, unknown>) : {};
  const part = (name: string) => {
    const v = body[name];
    const one = Array.isArray(v) ? v[0] : v;
    return typeof one === 'string' ? one.slice(0, 100) : '';
  };
  return { ...body, phone: [part('phone1'), part('phone2'), part('phone3')] };
}

export const ZRegisterUserForm = z.preprocess(
  withPhoneParts,
  ZContactFields.extend({ role: ZRegistrableRole }),
);
export type TRegisterUserForm = z.output<typeof ZRegisterUserForm>;

/** SPEC §3: 適用終了日 not before 適用開始日 (ISO dates compare as text); change form and bulk rows. */
function refineDateOrder(form: { validFrom: string; validTo: string }, ctx: z.RefinementCtx): void {
  if (form.validTo < form.validFrom) {
    ctx.addIssue({
      code: 'custom',
      path: ['validTo'],
      message: 'error.field.dateOrder' satisfies MessageId,
    });
  }
}

export const ZChangeUserForm = z.preprocess(
  withPhoneParts,
  ZContactFields.extend({
    enabled: ZEnabled,
    validFrom: ZRequiredDate,
    validTo: ZRequiredDate,
    version: ZVersion,
  }).superRefine(refineDateOrder),
);
export type TChangeUserForm = z.output<typeof ZChangeUserForm>;

/**
 * SPEC §4.12: 電話番号 in one CSV cell, `03-1234-5678`: the two hyphens split it into the
 * three parts of D-5, which then meet the form's rule. Empty means no phone. Anything that
 * does not split into exactly three parts is refused (a spreadsheet cannot say where
 * `0312345678` would split).
 */
const ZPhoneCell = formField(
  z
    .string()
    .trim()
    .refine((v) => v === '' || v.split('-').length === 3, {
      message: 'error.field.phone' satisfies MessageId,
      abort: true,
    })
    .transform((v) => (v === '' ? ['', '', ''] : v.split('-')))
    .pipe(ZPhoneParts),
);

/**
 * SPEC §4.12: one data row of a bulk-registration CSV, with the register form's field rules
 * (ZContactFields) and the change form's date rules; the CSV reader fills empty dates with
 * their defaults (today, 9999/12/31) before this schema sees them.
 */
export const ZBulkRegisterRow = ZContactFields.extend({
  phone: ZPhoneCell,
  validFrom: ZRequiredDate,
  validTo: ZRequiredDate,
}).superRefine(refineDateOrder);
export type TBulkRegisterRow = z.output<typeof ZBulkRegisterRow>;

/**
 * SPEC D-19: the shape of the register and change forms, read before their field rules:
 * each field at most once, bounded, without control characters (a 400 page otherwise).
 */
const USER_FORM = {
  role: one(FIELD_LABELS.role, 20),
  department: one(FIELD_LABELS.department, 1000),
  userName: one(FIELD_LABELS.userName, 1000),
  phone1: one(FIELD_LABELS.phone, 100),
  phone2: one(FIELD_LABELS.phone, 100),
  phone3: one(FIELD_LABELS.phone, 100),
  email: one(FIELD_LABELS.email, 1000),
  enabled: one(FIELD_LABELS.enabled, 10),
  validFrom: one(FIELD_LABELS.validFrom, 100),
  validTo: one(FIELD_LABELS.validTo, 100),
  version: one('バージョン', 20),
  formId: one('フォームID', 100),
} satisfies InputSpec;

/** The posted register or change form as plain strings (throws `BadInput` when misshapen). */
export function readUserForm(body: unknown): Record<keyof typeof USER_FORM, string> {
  return requireInput(body, USER_FORM);
}

/** The raw strings of a user form, to show it again as typed (errors, 戻る). */
export interface UserFormValues {
  department: string;
  userName: string;
  phone1: string;
  phone2: string;
  phone3: string;
  email: string;
  enabled?: string;
  validFrom?: string;
  validTo?: string;
  version?: string;
}

/** What the user typed, for redisplay: every value a string, whatever was posted. */
export function rawFormValues(body: unknown): UserFormValues {
  const b = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  const s = (name: string) => ZFormString.parse(b[name]);
  return {
    department: s('department'),
    userName: s('userName'),
    phone1: s('phone1'),
    phone2: s('phone2'),
    phone3: s('phone3'),
    email: s('email'),
    enabled: s('enabled'),
    validFrom: s('validFrom'),
    validTo: s('validTo'),
    version: s('version'),
  };
}

/** A stored phone `03-1234-5678` as the three inputs of the form. */
export function phoneParts(phone: string | null): [string, string, string] {
  const [a = '', b = '', c = ''] = (phone ?? '').split('-');
  return [a, b, c];
}

/**
 * Validated values (a confirmation's payload, or a stored user) as the strings of the
 * form, to show it again after 戻る: dates as `yyyy/mm/dd`, the phone in three parts.
 */
export function formValuesOf(values: {
  department: string;
  userName: string;
  phone: string | null;
  email: string;
  enabled?: boolean;
  validFrom?: string;
  validTo?: string;
  version?: number;
}): UserFormValues {
  const [phone1, phone2, phone3] = phoneParts(values.phone);
  return {
    department: values.department,
    userName: values.userName,
    phone1,
    phone2,
    phone3,
    email: values.email,
    enabled: values.enabled === undefined ? undefined : values.enabled ? '1' : '0',
    validFrom: values.validFrom === undefined ? undefined : formatDate(values.validFrom),
    validTo: values.validTo === undefined ? undefined : formatDate(values.validTo),
    version: values.version === undefined ? undefined : String(values.version),
  };
}
