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

export async function sessionCount(ctx: TestContext, userId: string): Promise<number> {
  const rows = await ctx.store.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute();
  return rows.length;
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

/**
 * 実行 as a browser does it: the POST and, when it answers 303 See Other, the GET of the
 * completion page it names (Post/Redirect/Get). The page's answer, with the POST's.
 */
export async function execute(
  agent: Agent,
  url: string,
  form: Record<string, string | string[] | undefined>,
): Promise<Response & { posted: Response }> {
  const posted = await agent.post(url, form);
  return { ...(await agent.follow(posted)), posted };
}

/**
 * A form posted as a browser does it: the POST and, when it answers 303 See Other, the GET
 * it names (a confirmation page, or the form again after 戻る: Post/Redirect/Get). The
 * page's answer, with the POST's; an answer that is not a redirect (the form with its
 * errors) is both.
 */
export async function submit(
  agent: Agent,
  url: string,
  form: Record<string, string | string[] | undefined>,
): Promise<Response & { posted: Response }> {
  const posted = await agent.post(url, form);
  return { ...(await agent.follow(posted)), posted };
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
