import type { Selectable } from 'kysely';
import type { Database } from '../../src/db/schema.js';
import { hashToken } from '../../src/features/auth/sessions.js';
import { issueActionToken } from '../../src/features/users/action-tokens.js';
import type { Agent, Response, TestContext } from './context.js';

/** Helpers of the register/change/delete/unlock/reissue integration tests (SPEC §4.4–§4.9). */

/** The session ID of a signed-in agent (sessions store the SHA-256 of the cookie token). */
export function sessionIdOf(agent: Agent): string {
  const token = agent.sessionToken;
  if (!token) throw new Error('agent is not signed in');
  return hashToken(token);
}

/** A one-time token as the list or detail page would issue it for this agent's session. */
export function issueToken(
  ctx: Pick<TestContext, 'app' | 'clock'>,
  agent: Agent,
  purpose: string,
  payload?: unknown,
): string {
  return issueActionToken(ctx.app.keys.actionToken, {
    sessionId: sessionIdOf(agent),
    purpose,
    payload,
    now: ctx.clock.now(),
  });
}

/** The token carried by the form that posts to `action` on a rendered page. */
export function formToken(body: string, action: string): string {
  const escaped = action.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`action="${escaped}"[^>]*>(?:(?!</form>)[\\s\\S])*?name="token" value="([^"]+)"`).exec(
    body,
  );
  if (!m) throw new Error(`no form posting to ${action} with a token`);
  return m[1]!;
}

/** The catalog IDs of the messages a page shows (SPEC D-7). */
export function messageIds(body: string): string[] {
  return [...body.matchAll(/data-message-id="([^"]+)"/g)].map((m) => m[1]!);
}

/** The catalog IDs of the error messages at the top of a page. */
export function errorIds(body: string): string[] {
  return messageIds(/<div class="messages messages-error"[\s\S]*?<\/div>/.exec(body)?.[0] ?? '');
}

/** The text next to a field (its error), or undefined. */
export function fieldErrorText(body: string, field: string): string | undefined {
  return new RegExp(`id="${field}-error"[^>]*>([^<]*)<`).exec(body)?.[1];
}

export async function userRow(ctx: TestContext, userId: string) {
  return ctx.store.db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirstOrThrow();
}

export async function outboxFor(ctx: TestContext, event: string, bodyContains: string) {
  const rows = await ctx.store.db
    .selectFrom('mail_outbox')
    .selectAll()
    .where('event', '=', event)
    .orderBy('id')
    .execute();
  return rows.filter((r) => r.body.includes(bodyContains));
}

export async function auditFor(ctx: TestContext, action: string, targetUserId: string | null) {
  let q = ctx.store.db.selectFrom('audit_records').selectAll().where('action', '=', action);
  q =
    targetUserId === null
      ? q.where('target_user_id', 'is', null)
      : q.where('target_user_id', '=', targetUserId);
  return q.orderBy('id').execute();
}

/** The tables that hold rows of one user (their `user_id`). */
export type UserRowsTable =
  | 'sessions'
  | 'password_history'
  | 'totp_factors'
  | 'recovery_codes'
  | 'login_challenges'
  | 'passkeys'
  | 'passkey_challenges';

/** How many rows of `table` belong to the user. */
export async function userRowCount(
  ctx: Pick<TestContext, 'store'>,
  table: UserRowsTable,
  userId: string,
): Promise<number> {
  const row = await ctx.store.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The rows of `table` that belong to the user, as stored. */
export async function rowsOfUser<T extends UserRowsTable>(
  ctx: Pick<TestContext, 'store'>,
  table: T,
  userId: string,
): Promise<Selectable<Database[T]>[]> {
  const rows = await ctx.store.db
    .selectFrom(table as UserRowsTable)
    .selectAll()
    .where('user_id', '=', userId)
    .execute();
  return rows as Selectable<Database[T]>[];
}

/** The one row of `table` that belongs to the user (a test that expects exactly one). */
export async function rowOfUser<T extends UserRowsTable>(
  ctx: Pick<TestContext, 'store'>,
  table: T,
  userId: string,
): Promise<Selectable<Database[T]>> {
  const row = await ctx.store.db
    .selectFrom(table as UserRowsTable)
    .selectAll()
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return row as Selectable<Database[T]>;
}

/** How many sessions the user has open. */
export async function sessionCount(ctx: Pick<TestContext, 'store'>, userId: string): Promise<number> {
  return userRowCount(ctx, 'sessions', userId);
}

/** The live general users of an operator, in user ID order (the limit of eight counts them). */
export async function liveGeneralUsers(ctx: Pick<TestContext, 'store'>, operatorCode: string) {
  return ctx.store.db
    .selectFrom('users')
    .selectAll()
    .where('operator_code', '=', operatorCode)
    .where('role', '=', 'general')
    .where('deleted', '=', 0)
    .orderBy('user_id')
    .execute();
}

/** A complete, valid registration form. */
export function registerForm(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    role: '7',
    department: '総合エネルギー事業部',
    userName: '事業者 二郎',
    phone1: '03',
    phone2: '1234',
    phone3: '5678',
    email: 'jiro@example.jp',
    ...overrides,
  };
}

/** A form's POST and, when it answers 303 See Other, the GET of the page it names. */
type PostAndFollow = (
  agent: Agent,
  url: string,
  form: Record<string, string | string[] | undefined>,
) => Promise<Response & { posted: Response }>;

const postAndFollow: PostAndFollow = async (agent, url, form) => {
  const posted = await agent.post(url, form);
  return { ...(await agent.follow(posted)), posted };
};

/**
 * 実行 as a browser does it: the POST and, when it answers 303 See Other, the GET of the
 * completion page it names (Post/Redirect/Get). The page's answer, with the POST's.
 */
export const execute: PostAndFollow = postAndFollow;

/** The same 実行 posted `times` times at once (a double click, reloads): every answer. */
export function executeAtOnce(
  agent: Agent,
  url: string,
  form: Record<string, string | string[] | undefined>,
  times: number,
): Promise<(Response & { posted: Response })[]> {
  return Promise.all(Array.from({ length: times }, () => execute(agent, url, form)));
}

/**
 * A form posted as a browser does it: the POST and, when it answers 303 See Other, the GET
 * it names (a confirmation page, or the form again after 戻る: Post/Redirect/Get). The
 * page's answer, with the POST's; an answer that is not a redirect (the form with its
 * errors) is both.
 */
export const submit: PostAndFollow = postAndFollow;

/** The user list's CSV export as its form posts it after the browser's dialog (confirmed=1). */
export function exportCsv(agent: Agent, params: Record<string, string>): Promise<Response> {
  return agent.post('/users/export', { confirmed: '1', ...params });
}

/** How many rows the tables an action writes to hold: a completion page must change none. */
export async function writtenRows(ctx: TestContext) {
  const count = async (
    table: 'users' | 'audit_records' | 'mail_outbox' | 'used_action_tokens' | 'sessions',
  ) =>
    Number(
      (
        await ctx.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    users: await count('users'),
    audit: await count('audit_records'),
    outbox: await count('mail_outbox'),
    usedTokens: await count('used_action_tokens'),
    sessions: await count('sessions'),
  };
}

/**
 * The header of the user list's CSV export: the manual's columns, then (SPEC D-22, beyond
 * the manual) whether the user has a second factor.
 */
export const USER_CSV_HEADER = [
  'ユーザID',
  '権限区分',
  '事業者コード',
  '参加登録申請者名',
  '所属部署',
  'ユーザ名',
  '電話番号',
  'メールアドレス',
  '有効/無効',
  '適用開始日',
  '適用終了日',
  'ユーザロック',
  '削除状態',
  '二要素認証',
];
