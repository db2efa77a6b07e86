import type { FastifyInstance } from 'fastify';

/** A route as the app registered it: `/users/:param/change`, with its methods. */
export interface FuzzRoute {
  pattern: string;
  methods: string[];
}

/**
 * The routes of a built app, read from `app.printRoutes()` (Fastify's own listing), so that
 * a route added tomorrow is fuzzed without anyone editing this suite. Path parameters become
 * `:param` (Fastify prints `/:userId|:id` where routes name one position differently).
 */
export function discoverRoutes(app: FastifyInstance): FuzzRoute[] {
  const listing = app.printRoutes({ commonPrefix: false });
  const pathAtDepth: string[] = [];
  const routes: FuzzRoute[] = [];
  for (const line of listing.split('\n')) {
    const m = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    const segment = m[2]!.replace(/:[A-Za-z0-9_]+(?:\|:[A-Za-z0-9_]+)*/g, ':param');
    const path = (depth === 0 ? '' : (pathAtDepth[depth - 1] ?? '')) + segment;
    pathAtDepth[depth] = path;
    pathAtDepth.length = depth + 1;
    if (m[3]) routes.push({ pattern: path, methods: m[3].split(',').map((s) => s.trim()) });
  }
  return routes;
}

/**
 * The names each route reads (grep of src/features/**\/*routes.tsx and the parsers they
 * call). A route missing here gets every known name, so it is still fuzzed with fields.
 */
const SEARCH = ['operatorCode', 'userId', 'userName', 'enabled', 'showDeleted', 'page', 'search'];
const USER_FORM = ['department', 'userName', 'phone1', 'phone2', 'phone3', 'email'];
const CHANGE_FORM = [...USER_FORM, 'enabled', 'validFrom', 'validTo', 'version'];
const ACTION_FORM = ['token', 'confirmed', 'userIds', 'listQuery'];
const AUDIT_FILTER = ['from', 'to', 'action', 'userId', 'outcome', 'page'];

const FIELDS: Record<string, string[]> = {
  '/': ['passwordChanged'],
  '/login': ['userId', 'password', 'next', 'expired', 'loggedOut'],
  '/logout': [],
  '/password': ['currentPassword', 'newPassword', 'confirmPassword'],
  '/participation': [],
  '/healthz': [],
  '/*': [],
  '/users': SEARCH,
  '/users/export': [...SEARCH, 'encoding', 'confirmed'],
  '/users/:param': ['back'],
  // The form, and the form again after 戻る (`?token=`).
  '/users/new': [...ACTION_FORM, 'formId'],
  '/users/new/confirm': ['role', ...USER_FORM, 'formId', 'token'],
  '/users/new/back': ACTION_FORM,
  '/users/bulk-delete': ACTION_FORM,
  '/users/bulk-register': [...ACTION_FORM, 'formId'],
  '/users/bulk-register/template': [],
  '/users/bulk-register/confirm': ['formId', 'encoding', 'file', 'token'],
  '/users/:param/change': [...CHANGE_FORM, ...ACTION_FORM],
  '/users/:param/change/confirm': [...CHANGE_FORM, 'token'],
  '/users/:param/change/back': ACTION_FORM,
  '/users/:param/delete': ACTION_FORM,
  '/users/:param/unlock': ACTION_FORM,
  '/users/:param/reissue': ACTION_FORM,
  // The confirmation pages after 確認 (Post/Redirect/Get): GET ?token=.
  '/users/bulk-delete/confirm': ['token'],
  '/users/:param/delete/confirm': ['token'],
  '/users/:param/unlock/confirm': ['token'],
  '/users/:param/reissue/confirm': ['token'],
  '/users/:param/second-factor-reset/confirm': ['token'],
  // The completion pages after 実行 (Post/Redirect/Get).
  '/users/new/done': ['receipt'],
  '/users/bulk-register/done': ['receipt'],
  '/users/bulk-delete/done': ['receipt'],
  '/users/:param/change/done': ['receipt'],
  '/users/:param/delete/done': ['receipt'],
  '/users/:param/unlock/done': ['receipt'],
  '/users/:param/reissue/done': ['receipt'],
  '/users/:param/second-factor-reset': ACTION_FORM,
  '/users/:param/second-factor-reset/done': ['receipt'],
  '/audit': AUDIT_FILTER,
  '/audit/export': AUDIT_FILTER,
  '/login/code': ['code'],
  '/login/passkey': ['response'],
  '/login/passkey/options': [],
  '/account': ['done', 'count'],
  '/account/second-factor': [],
  '/account/second-factor/start': [],
  '/account/second-factor/confirm': ['code'],
  '/account/second-factor/remove': ['password', 'code'],
  '/account/sessions/end': ['session'],
  '/account/sessions/end-others': ['password'],
  '/account/policy': ['required', 'confirmed', 'done'],
  '/account/passkeys': ['name', 'response'],
  '/account/passkeys/options': [],
  '/account/passkeys/remove': ['passkey', 'password'],
};

export const KNOWN_FIELD_NAMES: string[] = [...new Set(Object.values(FIELDS).flat())];

export function fieldNamesOf(route: FuzzRoute): string[] {
  return FIELDS[route.pattern] ?? KNOWN_FIELD_NAMES;
}
