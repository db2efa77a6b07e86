/** The benchmark's own requests to the app, as a browser makes them (loopback only). */

export const SESSION_COOKIE = 'cmus_session';
export const PRE_SESSION_COOKIE = 'cmus_pre';

export interface LoginForm {
  /** `cmus_pre=…`: the pre-session cookie the login page issued. */
  cookie: string;
  /** The login page's `_csrf`, derived from that cookie. */
  csrf: string;
}

export interface Session {
  /** `cmus_session=…` */
  cookie: string;
  /** The `_csrf` of the session's pages (for posts such as the CSV export). */
  csrf: string;
}

function cookiesOf(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const line of response.headers.getSetCookie()) {
    const pair = line.split(';', 1)[0]!;
    const eq = pair.indexOf('=');
    if (eq > 0) cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
  return cookies;
}

/** The value of the page's hidden `_csrf` input. */
export function csrfOf(html: string): string {
  const match = /<input[^>]*name="_csrf"[^>]*value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no _csrf field on the page');
  return match[1]!;
}

/** GET /login: a pre-session cookie and the CSRF token of the login form. */
export async function loginForm(baseUrl: string): Promise<LoginForm> {
  const response = await fetch(`${baseUrl}/login`, { redirect: 'manual' });
  const html = await response.text();
  if (response.status !== 200) throw new Error(`GET /login answered ${response.status}`);
  const pre = cookiesOf(response).get(PRE_SESSION_COOKIE);
  if (!pre) throw new Error('GET /login set no pre-session cookie');
  return { cookie: `${PRE_SESSION_COOKIE}=${pre}`, csrf: csrfOf(html) };
}

export function loginBody(form: LoginForm, userId: string, password: string): string {
  return new URLSearchParams({ userId, password, _csrf: form.csrf }).toString();
}

/** Logs in as a user with a normal (not temporary) password; the session and its CSRF token. */
export async function login(baseUrl: string, userId: string, password: string): Promise<Session> {
  const form = await loginForm(baseUrl);
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: loginBody(form, userId, password),
  });
  await response.arrayBuffer();
  const session = cookiesOf(response).get(SESSION_COOKIE);
  const location = response.headers.get('location');
  if (response.status !== 303 || !session || location === '/password') {
    throw new Error(`login of ${userId} failed: ${response.status} → ${location ?? '(no redirect)'}`);
  }
  const cookie = `${SESSION_COOKIE}=${session}`;
  const top = await getPage(baseUrl, '/', cookie);
  return { cookie, csrf: csrfOf(top) };
}

/** A page of the session; throws unless it is a 200 HTML page. */
export async function getPage(baseUrl: string, path: string, cookie: string): Promise<string> {
  const response = await fetch(`${baseUrl}${path}`, { redirect: 'manual', headers: { cookie } });
  const html = await response.text();
  if (response.status !== 200) {
    throw new Error(`GET ${path} answered ${response.status} ${response.headers.get('location') ?? ''}`);
  }
  return html;
}

export interface CsvDownload {
  ms: number;
  bytes: number;
  /** Data rows (lines after the header). */
  rows: number;
}

/**
 * POST /users/export, as the list page's CSV出力 posts it after the browser's dialog: the
 * search conditions, confirmed=1, the encoding and the session's CSRF token. Timed from
 * the request to the last byte.
 */
export async function exportCsv(
  baseUrl: string,
  session: Session,
  fields: Record<string, string>,
  encoding: 'utf8' | 'cp932',
): Promise<CsvDownload> {
  const body = new URLSearchParams({ ...fields, confirmed: '1', encoding, _csrf: session.csrf }).toString();
  const started = performance.now();
  const response = await fetch(`${baseUrl}/users/export`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const ms = performance.now() - started;
  const type = response.headers.get('content-type') ?? '';
  if (response.status !== 200 || !type.startsWith('text/csv')) {
    throw new Error(`CSV export (${encoding}) answered ${response.status} ${type}`);
  }
  let lines = 0;
  for (const b of bytes) if (b === 0x0a) lines += 1;
  return { ms, bytes: bytes.length, rows: lines - 1 };
}
