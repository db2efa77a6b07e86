import iconv from 'iconv-lite';
import type { Body, Field, FileContent, FuzzRequest, JsonVal, Key, Role, Val } from './arbitraries.js';
import type { FuzzRoute } from './routes.js';

/** What a symbolic request is resolved against: one role's cookies, token and fixtures. */
export interface Binding {
  role: Role;
  /** Cookie name → value, as the role's browser holds them. */
  cookies: Map<string, string>;
  sessionCookie: string;
  csrf: string;
  /** A token of the right shape for another browser (refused here). */
  otherCsrf: string;
  selfId: string;
  ownIds: string[];
  otherIds: string[];
  ownOperator: string;
  otherOperator: string;
  password: string;
  /** A real one-time token of this session for `purpose`, or a junk one when there is none. */
  actionToken(purpose: string | null): Promise<string>;
}

/** A request ready for `app.inject`, and how to show it in a report. */
export interface Materialized {
  method: string;
  url: string;
  /** The path without the query string. */
  path: string;
  headers: Record<string, string>;
  payload: Buffer | undefined;
  routePattern: string;
  /** Whether the valid CSRF token went into the form field (where the app reads it). */
  validCsrf: boolean;
}

/** Bytes per encoded value and per body: big enough for D-19/D-20 limits, small enough to stay fast. */
const MAX_ENCODED = 1_500_000;
const MAX_TOTAL = 2_500_000;

const UNRESERVED = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~') {
  UNRESERVED[c.charCodeAt(0)] = 1;
}
const HEX = '0123456789ABCDEF';

/** Percent-encodes the UTF-8 bytes of a string (a lone surrogate becomes U+FFFD, as in a browser). */
export function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += UNRESERVED[b] ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 15]}`;
  }
  return out;
}

/** Decodes %XX escapes to bytes, leaving malformed ones as they are: raw values keep their bytes. */
function pctBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) {
      out.push(c);
    } else {
      out.push(...Buffer.from(s[i]!, 'utf8'));
    }
  }
  return Buffer.from(out);
}

function repeatCapped(unit: string, n: number): string {
  const times = unit.length === 0 ? 0 : Math.min(n, Math.floor(MAX_ENCODED / unit.length));
  return unit.repeat(times);
}

class Resolver {
  private tokenCache = new Map<string, Promise<string>>();
  constructor(
    readonly binding: Binding,
    readonly purpose: string | null,
  ) {}

  private pick(list: string[], i: number): string {
    return list.length === 0 ? 'U000000000' : list[i % list.length]!;
  }

  /** Values whose text is known only at run time (IDs, tokens). */
  async symbolic(v: Val): Promise<string | undefined> {
    const b = this.binding;
    switch (v.k) {
      case 'ownId':
        return this.pick(b.ownIds, v.i);
      case 'otherId':
        return this.pick(b.otherIds, v.i);
      case 'selfId':
        return b.selfId;
      case 'ownOperator':
        return b.ownOperator;
      case 'otherOperator':
        return b.otherOperator;
      case 'csrf':
        return b.csrf;
      case 'password':
        return b.password;
      case 'actionToken': {
        const key = this.purpose ?? '';
        let t = this.tokenCache.get(key);
        if (!t) {
          t = b.actionToken(this.purpose);
          this.tokenCache.set(key, t);
        }
        return t;
      }
      default:
        return undefined;
    }
  }

  /** For a URL or a url-encoded body. */
  async encoded(v: Val): Promise<string> {
    if (v.k === 'text') return pct(v.s);
    if (v.k === 'raw') return v.s;
    if (v.k === 'long') return repeatCapped(v.raw ? v.unit : pct(v.unit), v.n);
    return pct((await this.symbolic(v)) ?? '');
  }

  /** For a JSON, multipart or text body. */
  async bytes(v: Val): Promise<Buffer> {
    if (v.k === 'text') return Buffer.from(v.s, 'utf8');
    if (v.k === 'raw') return pctBytes(v.s);
    if (v.k === 'long') {
      const unit = v.raw ? pctBytes(v.unit) : Buffer.from(v.unit, 'utf8');
      const times = unit.length === 0 ? 0 : Math.min(v.n, Math.floor(MAX_ENCODED / unit.length));
      return Buffer.alloc(unit.length * times, unit);
    }
    return Buffer.from((await this.symbolic(v)) ?? '', 'utf8');
  }

  async text(v: Val): Promise<string> {
    if (v.k === 'text') return v.s;
    if (v.k === 'long' && !v.raw) return repeatCapped(v.unit, v.n);
    return (await this.bytes(v)).toString('utf8');
  }

  async key(k: Key): Promise<string> {
    return k.k === 'name' ? pct(k.s) : k.s;
  }
}

/** The one-time token purpose of a path (SPEC §4: `delete:<id>` and so on), if it has one. */
function purposeOf(pattern: string, id: string, binding: Binding): string | null {
  if (pattern.includes(':param') && !binding.ownIds.includes(id) && !binding.otherIds.includes(id))
    return null;
  const m = /^\/users\/:param\/(delete|unlock|reissue|change)$/.exec(pattern);
  if (m) {
    // A reissue of the acting user's own password would end the fuzz's own session.
    if (m[1] === 'reissue' && id === binding.selfId) return null;
    if (m[1] === 'change') return null; // its token must carry the confirmed values
    return `${m[1]}:${id}`;
  }
  if (pattern === '/users/bulk-delete') return 'bulkDelete';
  return null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

async function encodeFields(r: Resolver, fields: Field[], sep: string, budget: number): Promise<string> {
  const parts: string[] = [];
  let size = 0;
  for (const f of fields) {
    const one = `${await r.key(f.key)}=${await r.encoded(f.value)}`;
    const times = Math.max(1, Math.min(f.times, Math.floor((budget - size) / (one.length + 1))));
    for (let i = 0; i < times; i++) parts.push(one);
    size += times * (one.length + 1);
  }
  return parts.join(sep);
}

async function jsonValue(r: Resolver, v: JsonVal): Promise<unknown> {
  switch (v.j) {
    case 'val':
      return r.text(v.v);
    case 'lit':
      return v.v;
    case 'arr': {
      const items: string[] = [];
      let size = 0;
      for (const item of v.items) {
        const t = await r.text(item);
        if (size + t.length > MAX_ENCODED && items.length > 0) break;
        items.push(t);
        size += t.length;
      }
      return items;
    }
    case 'obj': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of v.entries)
        Object.defineProperty(out, k, {
          value: await r.text(x),
          enumerable: true,
          configurable: true,
          writable: true,
        });
      return out;
    }
  }
}

function csvBytes(content: Extract<FileContent, { f: 'csv' }>, rows: string[][]): Buffer {
  const text = [content.header.join(','), ...rows.map((row) => row.join(','))].join(content.eol);
  const body = content.encoding === 'cp932' ? iconv.encode(text, 'cp932') : Buffer.from(text, 'utf8');
  return content.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
}

async function fileBytes(r: Resolver, content: FileContent): Promise<Buffer> {
  switch (content.f) {
    case 'csv': {
      const rows: string[][] = [];
      for (const row of content.rows) rows.push(await Promise.all(row.map((c) => r.text(c))));
      return csvBytes(content, rows);
    }
    case 'repeat':
      return Buffer.from(`${content.line}\r\n`.repeat(content.times), 'utf8');
    case 'wide':
      return Buffer.from(
        `所属部署,ユーザ名,電話番号,メールアドレス\r\n${Array(content.cols).fill(content.cell).join(',')}\r\n`,
      );
    case 'bytes':
      return Buffer.from(content.bytes);
    case 'huge':
      return Buffer.alloc(content.n, 0x61);
  }
}

let boundaryCounter = 0;

async function multipart(
  r: Resolver,
  body: Extract<Body, { b: 'multipart' }>,
  csrfFields: [string, string][],
): Promise<{ payload: Buffer; contentType: string }> {
  boundaryCounter += 1;
  const boundary = `----fuzzBoundary${boundaryCounter}`;
  const bodyBoundary = body.framing === 'mismatch' ? `${boundary}x` : boundary;
  const chunks: Buffer[] = [];
  const part = (disposition: Buffer, type: string | null, value: Buffer) => {
    chunks.push(Buffer.from(`--${bodyBoundary}\r\nContent-Disposition: form-data; name="`));
    chunks.push(disposition);
    chunks.push(Buffer.from(`\r\n${type === null ? '' : `Content-Type: ${type}\r\n`}\r\n`));
    chunks.push(value, Buffer.from('\r\n'));
  };
  for (const [name, value] of csrfFields) part(Buffer.from(`${name}"`), null, Buffer.from(value));
  let size = 0;
  for (const f of body.fields) {
    const name = f.key.k === 'name' ? Buffer.from(f.key.s, 'utf8') : pctBytes(f.key.s);
    const value = await r.bytes(f.value);
    const room = Math.floor((MAX_TOTAL - size) / (value.length + name.length + 80));
    const times = Math.max(1, Math.min(f.times, 50, room));
    for (let i = 0; i < times; i++) part(Buffer.concat([name, Buffer.from('"')]), null, value);
    size += times * (value.length + name.length + 80);
    if (size >= MAX_TOTAL) break;
  }
  if (body.file) {
    const filename = await r.bytes(body.file.filename);
    part(
      Buffer.concat([Buffer.from(`${body.file.name}"; filename="`), filename, Buffer.from('"')]),
      body.file.contentType,
      await fileBytes(r, body.file.content),
    );
  }
  if (body.framing !== 'noClose') chunks.push(Buffer.from(`--${bodyBoundary}--\r\n`));
  let payload = Buffer.concat(chunks);
  if (body.framing === 'truncated') payload = payload.subarray(0, Math.floor(payload.length / 2));
  const contentType = {
    ok: `multipart/form-data; boundary=${boundary}`,
    mismatch: `multipart/form-data; boundary=${boundary}`,
    truncated: `multipart/form-data; boundary=${boundary}`,
    noClose: `multipart/form-data; boundary=${boundary}`,
    quoted: `multipart/form-data; boundary="${boundary}"`,
    missing: 'multipart/form-data',
    empty: 'multipart/form-data; boundary=',
    mixed: `multipart/mixed; boundary=${boundary}`,
  }[body.framing];
  return { payload, contentType };
}

/** Header values must be Latin-1 without CR, LF or NUL, or Node refuses to build the request. */
function headerSafe(s: string): string {
  return s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?').slice(0, 8_000);
}

/** Resolves a symbolic request into what `app.inject` sends. */
export async function materialize(
  req: FuzzRequest,
  route: FuzzRoute,
  binding: Binding,
): Promise<Materialized> {
  const method = req.method;
  const pathIdResolver = new Resolver(binding, null);
  const encodedId = await pathIdResolver.encoded(req.pathId);
  const purpose = route.pattern.includes(':param')
    ? purposeOf(route.pattern, safeDecode(encodedId), binding)
    : purposeOf(route.pattern, '', binding);
  const r = new Resolver(binding, purpose);

  let path = route.pattern
    .split('/')
    .map((segment) => (segment === ':param' ? encodedId : segment === '*' ? req.wildcard : segment))
    .join('/');
  switch (req.variant) {
    case 'trailingSlash':
      path = `${path}/`;
      break;
    case 'doubleSlash':
      path = `/${path}`;
      break;
    case 'upperCase':
      path = path.toUpperCase();
      break;
    case 'dotSegment':
      path = `/.${path}`;
      break;
    case 'encodedSlash':
      path = path.replace(/^(\/[^/]*)\//, '$1%2F');
      break;
    default:
      break;
  }

  const headers: Record<string, string> = {};
  const csrfQuery: string[] = [];
  /** The CSRF field(s) a body carries, by name and value. */
  const csrfFields: [string, string][] = [];
  const junk = 'x'.repeat(43);
  const fieldBody = req.body.b === 'form' || req.body.b === 'json' || req.body.b === 'multipart';
  let validCsrf = false;
  switch (req.csrf) {
    case 'body':
      if (fieldBody) csrfFields.push(['_csrf', binding.csrf]);
      else headers['x-csrf-token'] = binding.csrf;
      validCsrf = fieldBody;
      break;
    // The app reads the token from the form field only (D-19): these two must be refused.
    case 'header':
      headers['x-csrf-token'] = binding.csrf;
      break;
    case 'query':
      csrfQuery.push(`_csrf=${pct(binding.csrf)}`);
      break;
    case 'junk':
      if (fieldBody) csrfFields.push(['_csrf', junk]);
      else headers['x-csrf-token'] = junk;
      break;
    case 'twice':
      if (fieldBody) csrfFields.push(['_csrf', binding.csrf], ['_csrf', binding.csrf]);
      else csrfQuery.push(`_csrf=${pct(binding.csrf)}`, `_csrf=${pct(binding.csrf)}`);
      break;
    case 'validAndJunk':
      if (fieldBody) csrfFields.push(['_csrf', binding.csrf], ['_csrf', junk]);
      else headers['x-csrf-token'] = `${binding.csrf}, ${junk}`;
      break;
    case 'emptyString':
      if (fieldBody) csrfFields.push(['_csrf', '']);
      else headers['x-csrf-token'] = '';
      break;
    case 'otherSession':
      if (fieldBody) csrfFields.push(['_csrf', binding.otherCsrf]);
      else headers['x-csrf-token'] = binding.otherCsrf;
      break;
    default:
      break;
  }

  const queryParts = [...csrfQuery];
  if (req.query.length > 0) queryParts.push(await encodeFields(r, req.query, '&', MAX_TOTAL));
  const query = queryParts.join('&');
  const url = query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path;

  let payload: Buffer | undefined;
  let contentType: string | null = null;
  const body = req.body;
  switch (body.b) {
    case 'none':
      contentType = body.ct;
      break;
    case 'form': {
      contentType = body.ct;
      const csrf = csrfFields.map(([k, v]) => `${k}=${pct(v)}`);
      const fields = await encodeFields(r, body.fields, body.sep, MAX_TOTAL);
      payload = Buffer.from([...csrf, ...(fields ? [fields] : [])].join(body.sep), 'utf8');
      break;
    }
    case 'json': {
      contentType = body.ct;
      const entries: string[] = [];
      const csrfValues = csrfFields.map(([, v]) => v);
      if (csrfValues.length === 1) entries.push(`"_csrf":${JSON.stringify(csrfValues[0])}`);
      if (csrfValues.length > 1) entries.push(`"_csrf":${JSON.stringify(csrfValues)}`);
      let size = 0;
      for (const [k, v] of body.entries) {
        const entry = `${JSON.stringify(k)}:${JSON.stringify(await jsonValue(r, v))}`;
        if (size + entry.length > MAX_TOTAL && entries.length > 0) break;
        entries.push(entry);
        size += entry.length;
      }
      payload = Buffer.from(`{${entries.join(',')}}`, 'utf8');
      break;
    }
    case 'jsonOther':
      contentType = body.ct;
      payload = Buffer.from(JSON.stringify(body.value) ?? 'null', 'utf8');
      break;
    case 'jsonRaw':
      contentType = body.ct;
      payload = Buffer.concat([
        Buffer.from(body.prefix),
        await r.bytes(body.middle),
        Buffer.from(body.suffix),
      ]);
      break;
    case 'text':
      contentType = body.ct;
      payload = await r.bytes(body.text);
      break;
    case 'multipart': {
      const m = await multipart(r, body, csrfFields);
      contentType = m.contentType;
      payload = m.payload;
      break;
    }
  }
  if (contentType !== null) headers['content-type'] = headerSafe(contentType);

  const cookie = cookieHeader(req.cookies, binding);
  if (cookie !== null) headers.cookie = cookie;
  for (const [name, value] of req.headers) {
    // A browser's cross-site headers make the app refuse the post before the token (counted as invalid).
    if (name === 'origin' || name === 'sec-fetch-site') validCsrf = false;
    headers[name] = headerSafe(await r.text(value));
  }
  if (req.cookies !== 'normal') validCsrf = false;

  return {
    method,
    url,
    path: url.split('?')[0]!,
    headers,
    payload: payload && payload.length > 0 ? payload : undefined,
    routePattern: route.pattern,
    validCsrf,
  };
}

function cookieHeader(mode: FuzzRequest['cookies'], b: Binding): string | null {
  const all = [...b.cookies].map(([k, v]) => `${k}=${v}`);
  const pre = [...b.cookies].filter(([k]) => k !== b.sessionCookie).map(([k, v]) => `${k}=${v}`);
  const junk = `${b.sessionCookie}=${'A'.repeat(43)}`;
  switch (mode) {
    case 'normal':
      return all.length > 0 ? all.join('; ') : null;
    case 'none':
      return null;
    case 'junkSession':
      return [...pre, junk].join('; ');
    case 'duplicateSession':
      return [...all, junk].join('; ');
    case 'malformed':
      return `${b.sessionCookie}; =; %FF=%00; ;;${b.sessionCookie}=%E0%A4%A; ${pre.join('; ')}`;
    case 'preOnly':
      return pre.length > 0 ? pre.join('; ') : null;
  }
}

/** A short, printable account of a request for failure reports. */
export function describeRequest(m: Materialized): string {
  const show = (s: string, max: number) => {
    // Cut first: a payload of a few MB must not be escaped whole.
    const printable = s
      .slice(0, max)
      .replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
    return s.length > max ? `${printable}… (${s.length} chars)` : printable;
  };

  const headers = Object.entries(m.headers)
    .filter(([k]) => k !== 'cookie')
    .map(([k, v]) => `${k}: ${show(v, 120)}`)
    .join('; ');
  const body = m.payload
    ? `body ${m.payload.length} B: ${show(m.payload.toString('latin1'), 400)}`
    : 'no body';
  return `${m.method} ${show(m.url, 400)} [${headers}${headers ? '; ' : ''}cookie: ${m.headers.cookie ? 'role cookies' : 'none'}] ${body}`;
}
