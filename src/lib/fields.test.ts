import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrors, ZCalendarDate, ZEmail, ZOperatorCode, ZPhoneParts, zText } from './fields.js';

const first = (schema: z.ZodType, value: unknown) => {
  const r = schema.safeParse(value);
  return r.success ? undefined : r.error.issues[0]?.message;
};

describe('shared field rules (SPEC §3)', () => {
  it('D-3: operator codes are 4 half-width 0-9A-Z', () => {
    expect(ZOperatorCode.parse('0001')).toBe('0001');
    expect(ZOperatorCode.parse(' A1B2 ')).toBe('A1B2');
    for (const bad of ['001', '00001', 'a001', '０００１', '00-1']) {
      expect(first(ZOperatorCode, bad), bad).toBe('error.field.operatorCode');
    }
  });

  it('D-4: text is required, 1–50 characters after trimming, no control characters, stored NFC', () => {
    const text = zText();
    expect(text.parse('  総合エネルギー事業部 ')).toBe('総合エネルギー事業部');
    expect(text.parse('カ\u3099')).toBe('ガ');
    expect(first(text, '   ')).toBe('error.field.required');
    expect(first(text, 'あ'.repeat(51))).toBe('error.field.text');
    expect(text.parse('あ'.repeat(50))).toHaveLength(50);
    expect(first(text, 'tab\there')).toBe('error.field.text');
    // Line and paragraph separators and bidirectional overrides are no part of a name.
    expect(first(text, '事業者\u2028太郎')).toBe('error.field.text');
    expect(first(text, '事業者\u2029太郎')).toBe('error.field.text');
    expect(first(text, '\u202eorez')).toBe('error.field.text');
  });

  it('D-5: phone is three parts of 1–5 digits, 10–11 digits in all, or all empty', () => {
    expect(ZPhoneParts.parse(['03', '1234', '5678'])).toBe('03-1234-5678');
    expect(ZPhoneParts.parse(['090', '1234', '5678'])).toBe('090-1234-5678');
    expect(ZPhoneParts.parse(['', '', ''])).toBeNull();
    for (const bad of [
      ['03', '1234', ''],
      ['03', '123', '567'],
      ['0３', '1234', '5678'],
      ['03', '123456', '78'],
      ['0901', '2345', '67890'],
    ]) {
      expect(first(ZPhoneParts, bad), bad.join('-')).toBe('error.field.phone');
    }
  });

  it('D-6: mail addresses follow <input type=email>, at most 254 characters', () => {
    expect(ZEmail.parse(' abcd@xx.xx ')).toBe('abcd@xx.xx');
    expect(first(ZEmail, '')).toBe('error.field.required');
    for (const bad of ['abcd', 'a@', '@b.jp', 'a b@c.jp', 'a@-b.jp', `${'a'.repeat(250)}@b.jp`]) {
      expect(first(ZEmail, bad), bad).toBe('error.field.email');
    }
  });

  it('dates are real calendar dates written yyyy/mm/dd', () => {
    expect(ZCalendarDate.parse('2020/01/29')).toBe('2020-01-29');
    expect(first(ZCalendarDate, '2020/02/30')).toBe('error.field.date');
  });

  it('reports the first message per field', () => {
    const form = z.object({ a: zText(), b: ZEmail });
    const r = form.safeParse({ a: '', b: 'x' });
    expect(r.success).toBe(false);
    if (!r.success)
      expect(fieldErrors(r.error)).toEqual({ a: 'error.field.required', b: 'error.field.email' });
  });
});
