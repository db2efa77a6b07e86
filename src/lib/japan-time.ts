/**
 * Calendar dates and timestamps in Japan time (Asia/Tokyo). Japan has had a fixed
 * offset of +09:00 with no daylight saving since 1951, so a constant offset is exact.
 */
const JST_OFFSET_MS = 9 * 3_600_000;

/** An ISO calendar date, `yyyy-mm-dd`. */
export type IsoDate = string;

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function shifted(at: Date): Date {
  return new Date(at.getTime() + JST_OFFSET_MS);
}

/** The calendar date in Japan at the instant `at`. */
export function japanDate(at: Date): IsoDate {
  const d = shifted(at);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** `yyyy/mm/dd HH:MM` in Japan time: how the screens show a timestamp. */
export function formatJapanDateTime(at: Date | string): string {
  const d = shifted(new Date(at));
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `yyyyMMddHHmmss` in Japan time, for file names. */
export function compactJapanDateTime(at: Date): string {
  const d = shifted(at);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

/** `yyyy-mm-dd` → `yyyy/mm/dd`, the screens' date format. */
export function formatDate(date: IsoDate): string {
  return date.replaceAll('-', '/');
}

/** Adds calendar days to an ISO date. */
export function addDays(date: IsoDate, days: number): IsoDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + days));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** The last millisecond of a Japan calendar date, as an instant. */
export function endOfJapanDay(date: IsoDate): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d, 23, 59, 59, 999) - JST_OFFSET_MS);
}

/**
 * SPEC §4.4: a temporary password is valid until 23:59:59 Japan time of the second
 * calendar day after the day of notice (通知日の翌々日まで).
 */
export function temporaryPasswordExpiry(issuedAt: Date): Date {
  return endOfJapanDay(addDays(japanDate(issuedAt), 2));
}

/** Parses `yyyy/mm/dd` (or `yyyy-mm-dd`) into an ISO date when it is a real calendar date. */
export function parseCalendarDate(text: string): IsoDate | undefined {
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1900 || mo < 1 || mo > 12 || d < 1) return undefined;
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d) return undefined;
  return `${m[1]}-${pad(mo)}-${pad(d)}`;
}
