import { describe, expect, it } from 'vitest';
import {
  addDays,
  compactJapanDateTime,
  endOfJapanDay,
  formatJapanDateTime,
  japanDate,
  parseCalendarDate,
  temporaryPasswordExpiry,
} from './japan-time.js';

describe('Japan time', () => {
  it('takes the calendar date in Japan, not in UTC', () => {
    expect(japanDate(new Date('2026-03-31T14:59:59.999Z'))).toBe('2026-03-31');
    expect(japanDate(new Date('2026-03-31T15:00:00.000Z'))).toBe('2026-04-01');
  });

  it('formats timestamps as yyyy/mm/dd HH:MM and file stamps as yyyyMMddHHmmss in Japan time', () => {
    expect(formatJapanDateTime('2020-01-29T05:36:10Z')).toBe('2020/01/29 14:36');
    expect(compactJapanDateTime(new Date('2026-12-31T15:04:05Z'))).toBe('20270101000405');
  });

  it('adds calendar days across month and leap-year ends', () => {
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-02-28', 1)).toBe('2027-03-01');
    expect(addDays('2026-12-31', 2)).toBe('2027-01-02');
  });

  it('ends a Japan day at 23:59:59.999 JST', () => {
    expect(endOfJapanDay('2026-04-03').toISOString()).toBe('2026-04-03T14:59:59.999Z');
  });

  describe('temporary password expiry (SPEC §4.4: 通知日の翌々日まで)', () => {
    it('runs to the end of the second calendar day after the day of notice', () => {
      // 2026-04-01 00:00 JST
      expect(temporaryPasswordExpiry(new Date('2026-03-31T15:00:00Z')).toISOString()).toBe(
        '2026-04-03T14:59:59.999Z',
      );
      // 2026-04-01 23:59 JST: the same day of notice, the same expiry
      expect(temporaryPasswordExpiry(new Date('2026-04-01T14:59:00Z')).toISOString()).toBe(
        '2026-04-03T14:59:59.999Z',
      );
    });

    it('counts the day in Japan even when UTC is still on the previous day', () => {
      // 2026-04-02 08:00 JST is 2026-04-01 23:00 UTC: notice day is 04-02 in Japan.
      expect(temporaryPasswordExpiry(new Date('2026-04-01T23:00:00Z')).toISOString()).toBe(
        '2026-04-04T14:59:59.999Z',
      );
    });
  });

  it('accepts only real calendar dates', () => {
    expect(parseCalendarDate('2019/12/23')).toBe('2019-12-23');
    expect(parseCalendarDate('2028/2/29')).toBe('2028-02-29');
    expect(parseCalendarDate('2027/02/29')).toBeUndefined();
    expect(parseCalendarDate('2026/13/01')).toBeUndefined();
    expect(parseCalendarDate('2026/04/31')).toBeUndefined();
    expect(parseCalendarDate('20260401')).toBeUndefined();
    expect(parseCalendarDate('9999/12/31')).toBe('9999-12-31');
  });
});
