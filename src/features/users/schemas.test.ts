import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../../lib/fields.js';
import { formValuesOf, phoneParts, rawFormValues, ZChangeUserForm, ZRegisterUserForm } from './schemas.js';

const register = {
  role: '7',
  department: ' 総合エネルギー事業部 ',
  userName: '事業者 二郎',
  phone1: '03',
  phone2: '1234',
  phone3: '5678',
  email: 'jiro@example.jp',
};
const change = {
  department: '部',
  userName: '名前',
  email: 'a@example.jp',
  enabled: '0',
  validFrom: '2026/4/1',
  validTo: '2026/04/01',
  version: '3',
};

const errorsOf = (result: { success: boolean; error?: unknown }) =>
  result.success ? {} : fieldErrors(result.error as Parameters<typeof fieldErrors>[0]);

describe('ZRegisterUserForm (SPEC §3, §4.4)', () => {
  it('accepts a full form, trims, joins the phone and maps 7 to general', () => {
    expect(ZRegisterUserForm.parse(register)).toEqual({
      role: 'general',
      department: '総合エネルギー事業部',
      userName: '事業者 二郎',
      phone: '03-1234-5678',
      email: 'jiro@example.jp',
    });
  });

  it('keeps the phone optional when all three parts are empty (D-5)', () => {
    expect(ZRegisterUserForm.parse({ ...register, phone1: '', phone2: '', phone3: '' }).phone).toBeNull();
  });

  it('reports a message ID per field, never a zod text', () => {
    expect(errorsOf(ZRegisterUserForm.safeParse({}))).toEqual({
      role: 'error.field.role',
      department: 'error.field.required',
      userName: 'error.field.required',
      email: 'error.field.required',
    });
    expect(
      errorsOf(
        ZRegisterUserForm.safeParse({
          ...register,
          role: '1',
          phone2: '',
          email: 'a@',
          userName: 'x'.repeat(51),
        }),
      ),
    ).toEqual({
      role: 'error.field.role',
      phone: 'error.field.phone',
      email: 'error.field.email',
      userName: 'error.field.text',
    });
  });

  it('treats repeated or non-string fields as text, not as a crash', () => {
    const result = ZRegisterUserForm.safeParse({ ...register, department: ['A', 'B'], userName: 42 });
    expect(errorsOf(result)).toEqual({ userName: 'error.field.required' });
  });
});

describe('ZChangeUserForm (SPEC §3, §4.5)', () => {
  it('parses 有効/無効, real dates and the version', () => {
    expect(ZChangeUserForm.parse(change)).toMatchObject({
      enabled: false,
      validFrom: '2026-04-01',
      validTo: '2026-04-01',
      version: 3,
      phone: null,
    });
  });

  it('refuses impossible dates, missing dates and a missing 有効/無効', () => {
    expect(
      errorsOf(ZChangeUserForm.safeParse({ ...change, validFrom: '2025/02/29', validTo: '', enabled: 'on' })),
    ).toEqual({
      validFrom: 'error.field.date',
      validTo: 'error.field.required',
      enabled: 'error.field.enabled',
    });
  });

  it('puts the date-order error on 適用終了日', () => {
    expect(errorsOf(ZChangeUserForm.safeParse({ ...change, validTo: '2026/03/31' }))).toEqual({
      validTo: 'error.field.dateOrder',
    });
  });

  it('refuses a forged version', () => {
    expect(errorsOf(ZChangeUserForm.safeParse({ ...change, version: '-1' }))).toEqual({
      version: 'error.form.invalid',
    });
  });
});

describe('form values for redisplay', () => {
  it('splits a stored phone into the three inputs', () => {
    expect(phoneParts('03-1234-5678')).toEqual(['03', '1234', '5678']);
    expect(phoneParts(null)).toEqual(['', '', '']);
  });

  it('shows validated values as the form has them', () => {
    expect(
      formValuesOf({
        department: '部',
        userName: '名',
        phone: '06-6666-7777',
        email: 'a@example.jp',
        enabled: true,
        validFrom: '2026-04-01',
        validTo: '9999-12-31',
        version: 2,
      }),
    ).toEqual({
      department: '部',
      userName: '名',
      phone1: '06',
      phone2: '6666',
      phone3: '7777',
      email: 'a@example.jp',
      enabled: '1',
      validFrom: '2026/04/01',
      validTo: '9999/12/31',
      version: '2',
    });
  });

  it('keeps what was typed, as strings, whatever was posted', () => {
    expect(rawFormValues({ department: ['x', 'y'], email: 5 })).toMatchObject({ department: 'x', email: '' });
    expect(rawFormValues(undefined).userName).toBe('');
  });
});
