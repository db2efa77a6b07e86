import fc from 'fast-check';
import { type FuzzRoute, fieldNamesOf, KNOWN_FIELD_NAMES } from './routes.js';

/**
 * The fuzz describes a request symbolically: a value can be "the first user of the
 * operator" or "the valid CSRF token", which requests.ts resolves against the session and
 * fixtures of one role. Counterexamples stay readable when shrunk, and a 300 KB value is a
 * unit and a length, so fast-check shrinks it in a few steps.
 */

export type Role = 'anonymous' | 'general' | 'admin';

export type Val =
  /** Text, percent-encoded (as UTF-8) where it goes into a URL or a url-encoded body. */
  | { k: 'text'; s: string }
  /** Inserted as is into a URL or url-encoded body (e.g. an invalid escape like %C3%28). */
  | { k: 'raw'; s: string }
  /** `unit` repeated `n` times (raw: inserted as is, otherwise encoded). */
  | { k: 'long'; unit: string; n: number; raw: boolean }
  /** A real user of the role's own operator (index modulo their number). */
  | { k: 'ownId'; i: number }
  /** A real user of another operator. */
  | { k: 'otherId'; i: number }
  /** The signed-in user's own ID (for the anonymous role: an own-operator user). */
  | { k: 'selfId' }
  | { k: 'ownOperator' }
  | { k: 'otherOperator' }
  /** The CSRF token that is valid for this role's cookies. */
  | { k: 'csrf' }
  /** The fixtures' real password. */
  | { k: 'password' }
  /** A real one-time action token of this session for the request's path (admin). */
  | { k: 'actionToken' };

export type Key = { k: 'name'; s: string } | { k: 'raw'; s: string };

/** One parameter; `times` > 1 repeats it (userIds=…&userIds=…). */
export interface Field {
  key: Key;
  value: Val;
  times: number;
}

export type JsonVal =
  | { j: 'val'; v: Val }
  | { j: 'lit'; v: fc.JsonValue }
  | { j: 'arr'; items: Val[] }
  | { j: 'obj'; entries: [string, Val][] };

export type FileContent =
  | { f: 'csv'; header: string[]; rows: Val[][]; eol: string; bom: boolean; encoding: 'utf8' | 'cp932' }
  | { f: 'repeat'; line: string; times: number }
  | { f: 'wide'; cell: string; cols: number }
  | { f: 'bytes'; bytes: number[] }
  | { f: 'huge'; n: number };

export interface FilePart {
  name: string;
  filename: Val;
  contentType: string | null;
  content: FileContent;
}

export type Framing = 'ok' | 'quoted' | 'missing' | 'empty' | 'mismatch' | 'truncated' | 'noClose' | 'mixed';

export type Body =
  | { b: 'none'; ct: string | null }
  | { b: 'form'; ct: string; fields: Field[]; sep: string }
  | { b: 'json'; ct: string; entries: [string, JsonVal][] }
  | { b: 'jsonOther'; ct: string; value: fc.JsonValue }
  /** Bytes that are not JSON (or JSON with invalid UTF-8 in it). */
  | { b: 'jsonRaw'; ct: string; prefix: string; middle: Val; suffix: string }
  | { b: 'text'; ct: string | null; text: Val }
  | { b: 'multipart'; framing: Framing; fields: Field[]; file: FilePart | null };

/** Where the CSRF token goes: the first three carry the valid one, the rest do not. */
export type CsrfMode =
  | 'body'
  | 'header'
  | 'query'
  | 'none'
  | 'junk'
  | 'twice'
  | 'validAndJunk'
  | 'emptyString'
  | 'otherSession';

export type CookieMode = 'normal' | 'none' | 'junkSession' | 'duplicateSession' | 'malformed' | 'preOnly';

export type PathVariant =
  | 'plain'
  | 'trailingSlash'
  | 'doubleSlash'
  | 'upperCase'
  | 'dotSegment'
  | 'encodedSlash';

export interface FuzzRequest {
  /** Index into the discovered routes. */
  route: number;
  method: string;
  pathId: Val;
  wildcard: string;
  variant: PathVariant;
  query: Field[];
  body: Body;
  csrf: CsrfMode;
  cookies: CookieMode;
  headers: [string, Val][];
}

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;

const text = (s: string): Val => ({ k: 'text', s });
const raw = (s: string): Val => ({ k: 'raw', s });

/** Mostly `usual`, else one of `others`: the two weights in that order. */
function mostly<T>(
  usual: T,
  others: readonly T[],
  [usualWeight, othersWeight]: [number, number],
): fc.Arbitrary<T> {
  return fc.oneof(
    { weight: usualWeight, arbitrary: fc.constant(usual) },
    { weight: othersWeight, arbitrary: fc.constantFrom(...others) },
  );
}

/** One of the keys, each drawn as often as its weight says. */
function weighted<K extends string>(weights: Record<K, number>): fc.Arbitrary<K> {
  const keys = Object.keys(weights) as K[];
  return fc.oneof(...keys.map((key) => ({ weight: weights[key], arbitrary: fc.constant(key) })));
}

/** Invalid UTF-8, a lone surrogate, NUL, truncated and malformed escapes, separators. */
export const RAW_ESCAPES = [
  '%C3%28',
  '%ED%A0%80',
  '%FF',
  '%00',
  '%C0%AF',
  '%E3%81',
  '%F4%90%80%80',
  '%',
  '%G1',
  '%2',
  '%E2%80%A8',
  '%EF%BB%BF',
  '%0D%0A',
  '%26',
  '%3D',
  '+',
  '%2B',
  '%5B%5D',
  '%25',
];

const JUNK_TEXTS = [
  '',
  ' ',
  '\u0000',
  'U000\u0000001',
  'a\u0000b',
  '\u0001\u0002\u0003\u001f\u007f',
  '\t',
  '\r\n',
  '\n',
  '\u2028',
  '\u2029',
  '\ufeff',
  '\u200b',
  '\u0085',
  '\u202e',
  'ＡＢＣ１２３',
  'ｶﾞｲﾄﾞ',
  '𠮷野家',
  '🙂',
  'e\u0301',
  '\u3000',
  '0',
  '-1',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  '99999999999999999999999',
  '1.5',
  'true',
  'null',
  'undefined',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  '%',
  '%_\\',
  '\\',
  '"',
  "'",
  "' OR 1=1 --",
  '<script>alert(1)</script>',
  '{{7*7}}',
  '=cmd|calc',
  '//evil.example',
  '/\\evil.example',
  'https://evil.example/',
  'javascript:alert(1)',
  '/users?x=\u0000',
  '../../etc/passwd',
];

function longArb(units: string[], rawUnits: string[]): fc.Arbitrary<Val> {
  const n = fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 300 }) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        21,
        51,
        101,
        129,
        201,
        255,
        256,
        1001,
        1025,
        2001,
        4097,
        5000,
        10_001,
        65_537,
      ),
    },
    { weight: 2, arbitrary: fc.integer({ min: 5_000, max: 400_000 }) },
  );
  return fc.oneof(
    fc
      .record({ unit: fc.constantFrom(...units), n })
      .map(({ unit, n }): Val => ({ k: 'long', unit, n, raw: false })),
    fc
      .record({ unit: fc.constantFrom(...rawUnits), n })
      .map(({ unit, n }): Val => ({ k: 'long', unit, n, raw: true })),
  );
}

const LONG_UNITS = ['a', '9', 'あ', '\u0000', '𠮷', ' ', 'U', 'x\u2028'];
const LONG_RAW_UNITS = ['%00', '%FF', '%C3%28', 'a%26b%3D', 'U', '%E3%81%82'];

/** Anything at all: the values a well-behaved form never sends. */
export const junkVal: fc.Arbitrary<Val> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...JUNK_TEXTS).map(text) },
  { weight: 3, arbitrary: fc.constantFrom(...RAW_ESCAPES).map(raw) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 6 }), fc.constantFrom(...RAW_ESCAPES), fc.string({ maxLength: 6 }))
      .map(([a, e, b]) => raw(`${encodeURIComponent(a)}${e}${encodeURIComponent(b)}`)),
  },
  { weight: 2, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }).map(text) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30, unit: 'grapheme' }).map(text) },
  { weight: 3, arbitrary: longArb(LONG_UNITS, LONG_RAW_UNITS) },
  { weight: 1, arbitrary: fc.integer().map((n) => text(String(n))) },
  { weight: 1, arbitrary: fc.double().map((n) => text(String(n))) },
  { weight: 1, arbitrary: fc.constantFrom<Val>({ k: 'csrf' }, { k: 'password' }, { k: 'actionToken' }) },
);

const userIdLike: fc.Arbitrary<Val> = fc.oneof(
  { weight: 4, arbitrary: fc.nat(20).map((i): Val => ({ k: 'ownId', i })) },
  { weight: 2, arbitrary: fc.constant<Val>({ k: 'selfId' }) },
  { weight: 3, arbitrary: fc.nat(20).map((i): Val => ({ k: 'otherId', i })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('U', 'U0', 'u000000001', 'U000000001', 'U9999999999', 'Ｕ１２３', 'U%', 'U_', '0001')
      .map(text),
  },
);

const dateLike = fc
  .constantFrom(
    '2026/04/01',
    '2026/04/02',
    '2020/01/01',
    '9999/12/31',
    '2026/02/30',
    '2024/02/29',
    '2026-04-01',
    '0000/00/00',
    '10000/01/01',
    '+275760/09/13',
    '2026/4/1',
    '２０２６/０４/０１',
  )
  .map(text);

const digits = fc.oneof(
  fc.constantFrom('03', '1234', '5678', '090', '０３', '-1', '1 2').map(text),
  fc.nat().map((n) => text(String(n))),
);

/** Values that look right for each field name, so that the parsers' later checks run too. */
const PLAUSIBLE: Record<string, fc.Arbitrary<Val>> = {
  userId: userIdLike,
  userIds: userIdLike,
  password: fc.oneof(
    fc.constant<Val>({ k: 'password' }),
    fc.constantFrom('wrong-password-123', 'x').map(text),
  ),
  currentPassword: fc.oneof(
    fc.constant<Val>({ k: 'password' }),
    fc.constantFrom('wrong-password-123').map(text),
  ),
  newPassword: fc
    .constantFrom(
      'Fuzz-Strong passphrase 7',
      'password1234',
      'short',
      'ｆｕｌｌ－ｗｉｄｔｈ　ｐａｓｓ',
      '            ',
    )
    .map(text),
  confirmPassword: fc
    .constantFrom('Fuzz-Strong passphrase 7', 'password1234', 'mismatch-phrase-99')
    .map(text),
  next: fc
    .constantFrom(
      '/users',
      '/users?page=2',
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      '/a b',
      '/\t/x',
    )
    .map(text),
  expired: fc.constantFrom('1', '0').map(text),
  loggedOut: fc.constantFrom('1', '0').map(text),
  passwordChanged: fc.constantFrom('1').map(text),
  operatorCode: fc.oneof(
    fc.constantFrom<Val>({ k: 'ownOperator' }, { k: 'otherOperator' }),
    fc.constantFrom('ZZZZ', '０００１', 'abcd', '00000').map(text),
  ),
  userName: fc.constantFrom('試験', 'ｼｹﾝ', '利用者', '事業者 二郎', 'a'.repeat(51)).map(text),
  department: fc.constantFrom('総合エネルギー事業部', '需給調整部', ' ').map(text),
  enabled: fc.constantFrom('1', '0', '2', 'on').map(text),
  showDeleted: fc.constantFrom('1', '0').map(text),
  search: fc.constant(text('1')),
  page: fc.oneof(
    fc.constantFrom('1', '2', '0', '-1', '1e3', '999999999999', '9007199254740993').map(text),
    fc.nat().map((n) => text(String(n))),
  ),
  encoding: fc.constantFrom('utf8', 'cp932', 'auto', 'sjis', 'UTF-8', 'utf16le').map(text),
  confirmed: fc.constantFrom('1', '0', 'true').map(text),
  role: fc.constantFrom('7', '1', 'admin').map(text),
  phone1: digits,
  phone2: digits,
  phone3: digits,
  email: fc
    .constantFrom(
      'jiro@example.jp',
      'a@b',
      'no-at-sign',
      `${'x'.repeat(250)}@example.jp`,
      'ｊｉｒｏ@example.jp',
    )
    .map(text),
  validFrom: dateLike,
  validTo: dateLike,
  from: dateLike,
  to: dateLike,
  version: fc.constantFrom('1', '2', '0', '999999999', '1.0', '-1', '1234567890').map(text),
  token: fc.oneof(
    { weight: 3, arbitrary: fc.constant<Val>({ k: 'actionToken' }) },
    { weight: 1, arbitrary: fc.constantFrom('', 'x', 'A'.repeat(32)).map(text) },
  ),
  formId: fc.oneof(
    fc.constantFrom('abcdefghijklmnop', 'A'.repeat(64), 'A'.repeat(65), 'short').map(text),
    fc.string({ minLength: 16, maxLength: 64, unit: fc.constantFrom(...'abcXYZ019_-') }).map(text),
  ),
  listQuery: fc
    .constantFrom(
      'userId=U&page=2',
      'enabled=1&enabled=0&enabled=1&enabled=0&enabled=1',
      'userName=%00',
      'page=-1&showDeleted=1',
      'operatorCode=ZZZZ',
      '%FF=%FF',
      '&&&==',
    )
    .map(text),
  back: fc.constantFrom('/users', '/users?page=2', '/users?x=\\y', '//evil', '/users?\u0000').map(text),
  action: fc
    .constantFrom('login', 'lock', 'change', 'csvExport', '__proto__', 'toString', 'constructor')
    .map(text),
  _csrf: fc.constant<Val>({ k: 'csrf' }),
};

/** A value for a field: a plausible one half the time, junk otherwise. */
export function valueFor(name: string): fc.Arbitrary<Val> {
  const plausible = PLAUSIBLE[name];
  return plausible
    ? fc.oneof({ weight: 1, arbitrary: plausible }, { weight: 1, arbitrary: junkVal })
    : junkVal;
}

const junkKeys = fc.oneof(
  fc
    .constantFrom('__proto__', 'constructor', 'prototype', 'userId[]', 'a[b]', 'userIds[0]', '', 'toString')
    .map((s): Key => ({ k: 'name', s })),
  fc.constantFrom(...RAW_ESCAPES).map((s): Key => ({ k: 'raw', s })),
  fc.constantFrom('%00', 'user%00Id', '%FFuserId', 'user%C3%28Id').map((s): Key => ({ k: 'raw', s })),
  fc.string({ maxLength: 12, unit: 'binary' }).map((s): Key => ({ k: 'name', s })),
  fc.integer({ min: 101, max: 20_000 }).map((n): Key => ({ k: 'name', s: 'k'.repeat(n) })),
);

const times = fc.oneof(
  { weight: 12, arbitrary: fc.constant(1) },
  { weight: 4, arbitrary: fc.integer({ min: 2, max: 5 }) },
  { weight: 1, arbitrary: fc.integer({ min: 6, max: 2_000 }) },
);

/**
 * Parameters for a route, two ways: a free list (names the route reads, other known names,
 * junk keys), or the route's whole form, each field present and plausible most of the
 * time, so that requests get past the first check and the later ones run too.
 */
export function fieldsFor(route: FuzzRoute, maxLength = 8): fc.Arbitrary<Field[]> {
  const names = fieldNamesOf(route);
  const namedField = (pool: readonly string[]) =>
    fc
      .constantFrom(...pool)
      .chain((name) =>
        fc.record({ key: fc.constant<Key>({ k: 'name', s: name }), value: valueFor(name), times }),
      );
  const field = fc.oneof(
    ...(names.length > 0 ? [{ weight: 8, arbitrary: namedField(names) }] : []),
    { weight: 2, arbitrary: namedField(KNOWN_FIELD_NAMES) },
    { weight: 1, arbitrary: fc.record({ key: junkKeys, value: junkVal, times }) },
  );
  const free = fc.array(field, { maxLength });
  if (names.length === 0) return free;
  const wholeForm = fc
    .tuple(
      fc.tuple(
        ...names.map((name) =>
          fc.option(
            fc.record({
              key: fc.constant<Key>({ k: 'name', s: name }),
              value: fc.oneof(
                { weight: 4, arbitrary: PLAUSIBLE[name] ?? junkVal },
                { weight: 1, arbitrary: junkVal },
              ),
              times,
            }),
            { freq: 12, nil: undefined },
          ),
        ),
      ),
      fc.array(field, { maxLength: 2 }),
    )
    .map(([form, extra]) => [...form.filter((f): f is Field => f !== undefined), ...extra]);
  return fc.oneof(free, wholeForm);
}

const CSV_LABELS = ['所属部署', 'ユーザ名', '電話番号', 'メールアドレス', '適用開始日', '適用終了日'];

const csvCell: fc.Arbitrary<Val> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('総合部', '試験 太郎', '03-1234-5678', 'taro@example.jp', '2026/04/01', '9999/12/31', '')
      .map(text),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('"', '"a""b"', 'a,b', 'a\nb', '"unterminated', '=1+1', '\u0000', '\ufeff', '𠮷', '\r')
      .map(text),
  },
  { weight: 1, arbitrary: junkVal },
);

const fileContent: fc.Arbitrary<FileContent> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      f: fc.constant('csv' as const),
      header: fc.oneof(
        fc.constant(CSV_LABELS),
        fc.shuffledSubarray(CSV_LABELS),
        fc.array(fc.oneof(fc.constantFrom(...CSV_LABELS), fc.string({ maxLength: 8 })), { maxLength: 10 }),
      ),
      rows: fc.array(fc.array(csvCell, { maxLength: 8 }), { maxLength: 12 }),
      eol: fc.constantFrom('\r\n', '\n', '\r'),
      bom: fc.boolean(),
      encoding: fc.constantFrom('utf8' as const, 'cp932' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      f: fc.constant('repeat' as const),
      line: fc.constantFrom('a,b,c,d', '所属部署,ユーザ名,電話番号,メールアドレス', '', '"', ',,,,,,,,'),
      times: fc.integer({ min: 1, max: 60_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      f: fc.constant('wide' as const),
      cell: fc.constantFrom('', 'a', '"x"'),
      cols: fc.integer({ min: 7, max: 100_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      f: fc.constant('bytes' as const),
      bytes: fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 64 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      f: fc.constant('huge' as const),
      n: fc.integer({ min: 900_000, max: 1_300_000 }),
    }),
  },
);

const filePart: fc.Arbitrary<FilePart> = fc.record({
  name: fc.constantFrom('file', 'file', 'file', 'other', '_csrf', ''),
  filename: fc.oneof(
    fc.constantFrom('users.csv', '', 'ユーザ.csv', '../../etc/passwd', 'a"b.csv', 'x\u0000.csv').map(text),
    junkVal,
  ),
  contentType: fc.constantFrom(
    'text/csv',
    'application/octet-stream',
    'text/plain; charset=Shift_JIS',
    null,
    '%%%',
  ),
  content: fileContent,
});

const FORM_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=UTF-8',
  'application/x-www-form-urlencoded; charset=Shift_JIS',
  'application/x-www-form-urlencoded; charset=bogus',
  'application/x-www-form-urlencoded;charset="utf-8"',
  'APPLICATION/X-WWW-FORM-URLENCODED',
  'application/x-www-form-urlencoded; charset=utf-16le',
];
const JSON_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/vnd.api+json',
];
const OTHER_TYPES = [
  'text/plain',
  'text/plain; charset=utf-8',
  'text/html',
  'application/xml',
  'application/octet-stream',
  '*/*',
  '',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'application/x-www-form-urlencoded',
  'invalid content type',
  'text/plain; charset=\u00ff',
];

const jsonVal: fc.Arbitrary<JsonVal> = fc.oneof(
  { weight: 4, arbitrary: junkVal.map((v): JsonVal => ({ j: 'val', v })) },
  {
    weight: 2,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v): JsonVal => ({ j: 'lit', v })),
  },
  {
    weight: 2,
    arbitrary: fc.array(junkVal, { maxLength: 5 }).map((items): JsonVal => ({ j: 'arr', items })),
  },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.tuple(fc.constantFrom('a', '__proto__', 'userId', '0'), junkVal), { maxLength: 3 })
      .map((entries): JsonVal => ({ j: 'obj', entries })),
  },
);

function jsonEntries(route: FuzzRoute): fc.Arbitrary<[string, JsonVal][]> {
  const names = fieldNamesOf(route);
  const pool = names.length > 0 ? names : KNOWN_FIELD_NAMES;
  return fc.array(
    fc
      .constantFrom(...pool)
      .chain((name) =>
        fc.tuple(
          fc.constant(name),
          fc.oneof(
            { weight: 2, arbitrary: valueFor(name).map((v): JsonVal => ({ j: 'val', v })) },
            { weight: 3, arbitrary: jsonVal },
          ),
        ),
      ),
    { maxLength: 8 },
  );
}

function bodyFor(route: FuzzRoute): fc.Arbitrary<Body> {
  const multipartRoute = fieldNamesOf(route).includes('file');
  return fc.oneof(
    {
      weight: 14,
      arbitrary: fc.record({
        b: fc.constant('form' as const),
        ct: mostly(FORM_TYPES[0]!, FORM_TYPES, [6, 2]),
        fields: fieldsFor(route),
        sep: fc.constantFrom('&', '&', '&', '&', ';', '&&'),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        b: fc.constant('json' as const),
        ct: fc.constantFrom(...JSON_TYPES),
        entries: jsonEntries(route),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        b: fc.constant('jsonOther' as const),
        ct: fc.constantFrom(...JSON_TYPES),
        value: fc.oneof(
          fc.jsonValue({ maxDepth: 2 }),
          fc.constant<fc.JsonValue>([]),
          fc.constant<fc.JsonValue>(null),
        ),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        b: fc.constant('jsonRaw' as const),
        ct: fc.constantFrom(...JSON_TYPES),
        prefix: fc.constantFrom('{"userId":"', '{"password":"', '{"_csrf":"', '{', '[', '"', ''),
        middle: junkVal,
        suffix: fc.constantFrom('"}', '', '}', '"]', ',}', '"}garbage'),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        b: fc.constant('text' as const),
        ct: fc.oneof(fc.constantFrom(...OTHER_TYPES), fc.constant(null)),
        text: junkVal,
      }),
    },
    {
      weight: multipartRoute ? 10 : 2,
      arbitrary: fc.record({
        b: fc.constant('multipart' as const),
        framing: mostly<Framing>(
          'ok',
          ['quoted', 'missing', 'empty', 'mismatch', 'truncated', 'noClose', 'mixed'],
          [8, 4],
        ),
        fields: fieldsFor(route, 12),
        file: fc.option(filePart, { freq: 2 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        b: fc.constant('none' as const),
        ct: fc.oneof(fc.constantFrom(...OTHER_TYPES), fc.constant(null)),
      }),
    },
  );
}

const pathIdArb: fc.Arbitrary<Val> = fc.oneof(
  { weight: 5, arbitrary: fc.nat(20).map((i): Val => ({ k: 'ownId', i })) },
  { weight: 2, arbitrary: fc.constant<Val>({ k: 'selfId' }) },
  { weight: 3, arbitrary: fc.nat(20).map((i): Val => ({ k: 'otherId', i })) },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(
        '%00',
        'U%2F..%2F',
        'U%2F..%2F..%2Fhealthz',
        '%C3%28',
        '%ED%A0%80',
        '%FF',
        '%E2%80%A8',
        'U000000001%00',
        '%2e%2e',
        '..',
        '',
        '%',
        '%25',
        'U%3Bx',
        'U%20000000001',
        '%EF%BC%B5%EF%BC%91',
        '__proto__',
        'constructor',
        'U0000000010',
        'u000000001',
        'U000000001?x=1',
        'U000000001%23',
      )
      .map(raw),
  },
  {
    weight: 2,
    arbitrary: fc
      .record({
        unit: fc.constantFrom('9', 'U', '%00', '%E3%81%82', 'a'),
        n: fc.oneof(fc.constantFrom(11, 100, 101, 300), fc.integer({ min: 2, max: 6_000 })),
      })
      .map(({ unit, n }): Val => ({ k: 'long', unit, n, raw: true })),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }).map(text) },
);

const WILDCARDS = [
  'app.js',
  'style.css',
  'nope.js',
  '..%2F..%2Fpackage.json',
  '../../package.json',
  '%00',
  '%FF',
  '%C3%28',
  '',
  '.',
  '%2e%2e/%2e%2e/etc/passwd',
  'a'.repeat(300),
  'x/../../../src/app.tsx',
];

/** Half the requests carry the valid token in the form field, where the app reads it (D-19). */
const csrfMode = weighted<CsrfMode>({
  body: 75,
  header: 6,
  query: 6,
  none: 10,
  junk: 8,
  twice: 8,
  validAndJunk: 6,
  emptyString: 3,
  otherSession: 3,
});

const cookieMode = weighted<CookieMode>({
  normal: 60,
  none: 1,
  junkSession: 1,
  duplicateSession: 1,
  malformed: 1,
  preOnly: 1,
});

const HEADER_NAMES = [
  'x-forwarded-for',
  'x-csrf-token',
  'accept-charset',
  'user-agent',
  'accept',
  'origin',
  'referer',
  'sec-fetch-site',
];

const headerValue: fc.Arbitrary<Val> = fc.oneof(
  fc
    .constantFrom('same-origin', 'cross-site', 'none', 'http://localhost:80', 'null', '1.2.3.4, 5.6.7.8')
    .map(text),
  junkVal,
);

/** One request for a role, over the routes the app registered. */
export function requestArb(routes: FuzzRoute[], role: Role): fc.Arbitrary<FuzzRequest> {
  const routeWeight = (r: FuzzRoute) => (role === 'anonymous' ? (ANONYMOUS_FOCUS[r.pattern] ?? 1) : 1);
  const routeIndex = fc.oneof(
    ...routes.map((r, i) => ({ weight: routeWeight(r), arbitrary: fc.constant(i) })),
  );
  return routeIndex.chain((index) => {
    const route = routes[index]!;
    const method = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...route.methods) },
      { weight: 2, arbitrary: fc.constantFrom(...METHODS) },
    );
    return fc.record({
      route: fc.constant(index),
      method,
      pathId: pathIdArb,
      wildcard: fc.constantFrom(...WILDCARDS),
      variant: mostly<PathVariant>(
        'plain',
        ['trailingSlash', 'doubleSlash', 'upperCase', 'dotSegment', 'encodedSlash'],
        [20, 2],
      ),
      query: fc.oneof(
        { weight: 3, arbitrary: fc.constant<Field[]>([]) },
        { weight: 2, arbitrary: fieldsFor(route, 6) },
      ),
      body: bodyFor(route),
      csrf: csrfMode,
      cookies: cookieMode,
      headers: fc.oneof(
        { weight: 6, arbitrary: fc.constant<[string, Val][]>([]) },
        {
          weight: 1,
          arbitrary: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 2 }),
        },
      ),
    });
  });
}

/** The routes an anonymous visitor can really use get more of the anonymous role's requests. */
const ANONYMOUS_FOCUS: Record<string, number> = { '/login': 15, '/logout': 4, '/healthz': 2, '/*': 3 };
