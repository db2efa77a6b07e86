import { describe, expect, it } from 'vitest';
import { BadInput } from '../../../web/input.js';
import { parseSearchQuery, searchQueryString } from './query.js';

describe('parseSearchQuery', () => {
  it('defaults the operator code to the viewer’s own and the page to 1', () => {
    const parsed = parseSearchQuery({}, '0001');
    expect(parsed).toEqual({
      ok: true,
      form: { operatorCode: '0001', userId: '', userName: '', enabled: [], showDeleted: false },
      conditions: { operatorCode: '0001', userIdPrefix: '', userName: '', enabled: null, showDeleted: false },
      page: 1,
    });
  });

  it('reads no query exactly as the same defaults written out', () => {
    for (const code of ['0001', 'ZZ9A']) {
      expect(parseSearchQuery({}, code)).toEqual(parseSearchQuery({ operatorCode: code, page: '1' }, code));
    }
  });

  it('folds full-width IDs and codes, and reads one or both 有効/無効 boxes', () => {
    const one = parseSearchQuery({ operatorCode: '０ａ０１', userId: 'ｕ１２', enabled: '0' }, 'X');
    expect(one.ok && one.conditions).toMatchObject({
      operatorCode: '0A01',
      userIdPrefix: 'U12',
      enabled: false,
    });
    const both = parseSearchQuery({ enabled: ['0', '1'], showDeleted: '1', page: '3' }, '0001');
    expect(both.ok && both.conditions.enabled).toBeNull();
    expect(both.ok && both.conditions.showDeleted).toBe(true);
    expect(both.ok && both.page).toBe(3);
    expect(both.form.enabled).toEqual(['1', '0']);
  });

  it('reports each invalid field with its catalog message', () => {
    const parsed = parseSearchQuery(
      { operatorCode: '00011', userId: 'U_1', userName: 'x'.repeat(51) },
      '0001',
    );
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.errors).toEqual({
      operatorCode: 'error.field.operatorCode',
      userId: 'error.field.userId',
      userName: 'error.field.userName',
    });
  });

  it('ignores malformed pages and unknown box values instead of failing', () => {
    const parsed = parseSearchQuery({ page: '-2', enabled: ['x', '1'], userId: 'U1' }, '0001');
    expect(parsed.ok && parsed.page).toBe(1);
    expect(parsed.ok && parsed.conditions.enabled).toBe(true);
    expect(parsed.ok && parsed.conditions.userIdPrefix).toBe('U1');
  });

  it('refuses a repeated single field as bad input (SPEC D-19: a 400 page, not a guess)', () => {
    expect(() => parseSearchQuery({ userId: ['U1', 'U2'] }, '0001')).toThrow(BadInput);
    expect(() => parseSearchQuery({ userName: 'a'.repeat(201) }, '0001')).toThrow(BadInput);
    expect(() => parseSearchQuery({ userName: 'a\u0000' }, '0001')).toThrow(BadInput);
  });

  it('round-trips through the query string of the pager links', () => {
    const parsed = parseSearchQuery(
      { operatorCode: '0001', userName: 'a&b=c', enabled: '1', showDeleted: '1' },
      'X',
    );
    const again = parseSearchQuery(
      Object.fromEntries(new URLSearchParams(searchQueryString(parsed.form, 2))),
      'X',
    );
    expect(again.ok && again.conditions).toEqual(parsed.ok && parsed.conditions);
    expect(again.ok && again.page).toBe(2);
  });
});
