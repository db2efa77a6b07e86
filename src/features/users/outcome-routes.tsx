import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendErrorPage } from '../../web/error-page.js';
import { requireAuth, sendUserNotFound } from '../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import type { Crumb, ShownMessage } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import type { AuditAction } from '../audit/service.js';
import { type ActionContext, recordActionAudit } from './action.js';
import { issueReceipt, type Receipt, verifyReceipt } from './action-tokens.js';
import { describeUserActionError, UserActionError } from './errors.js';
import type { User } from './model.js';
import { findOperatorUser } from './repository.js';
import { actionContext } from './shared-routes.js';
import { type PageLink, ResultPage } from './shared-views.js';

/**
 * How an action's outcome is shown, for the register, change, delete, bulk-delete, unlock,
 * reissue and second-factor routes: a refusal on the action's screen, audited; a 実行 that
 * went through, on its completion page behind a signed receipt (Post/Redirect/Get).
 */

/** What a page after an action shows besides its messages: the user concerned, the ways on. */
interface ResultScreen {
  title: string;
  breadcrumbs: Crumb[];
  rows?: [string, string][] | undefined;
  links: PageLink[];
}

function sendResultPage(
  request: FastifyRequest,
  reply: FastifyReply,
  screen: ResultScreen,
  outcome: { infos: ShownMessage[] } | { error: ShownMessage },
  status = 200,
): FastifyReply {
  return sendPage(
    reply,
    <ResultPage
      page={pageContext(request)}
      title={screen.title}
      breadcrumbs={screen.breadcrumbs}
      outcome={outcome}
      rows={screen.rows}
      links={screen.links}
    />,
    status,
  );
}

/** Where a refused action is shown, and what its audit record names. */
export interface RefusalScreen extends ResultScreen {
  action: AuditAction;
  targetUserId?: string | null;
  /** Shows the refusal on another screen (the list, for bulk delete) instead of an error page. */
  render?: (message: ShownMessage, status: number) => Promise<FastifyReply>;
}

/**
 * Shows a refused action (SPEC §4: the message at the top) and records the refusal in
 * the audit trail (SPEC §6: the outcome too). Anything that is not a refusal is rethrown
 * to the app's 500 handler.
 */
export async function sendRefusal(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  screen: RefusalScreen,
): Promise<FastifyReply> {
  if (!(error instanceof UserActionError)) throw error;
  const described = describeUserActionError(error);
  const shown: ShownMessage = { id: described.id, params: described.params };
  // A refused action is audited (SPEC §6); a page that only shows why a button would be
  // refused (the change form of a deleted user) is a view, and a GET writes nothing (D-18).
  if (request.method !== 'GET') {
    const actor = { actor: requireAuth(request).user, ip: request.ip, now: app.clock.now() };
    await recordActionAudit(app.store.db, actor, {
      action: screen.action,
      outcome: 'failure',
      targetUserId: screen.targetUserId ?? null,
      detail: { reason: error.kind },
    });
  }
  if (screen.render) return screen.render(shown, described.status);
  return sendResultPage(request, reply, screen, { error: shown }, described.status);
}

/**
 * SPEC §4: one step of an action (a confirmation, 戻る, 実行) whose refusal is shown on
 * the action's screen and audited; `screen` may depend on the refusal.
 */
export async function refusedOn(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  screen: RefusalScreen | ((error: unknown) => RefusalScreen),
  step: () => Promise<FastifyReply>,
): Promise<FastifyReply> {
  try {
    return await step();
  } catch (error) {
    return sendRefusal(app, request, reply, error, typeof screen === 'function' ? screen(error) : screen);
  }
}

/** SPEC D-19: what a completion page reads from its query. */
const RECEIPT_QUERY = { receipt: one('受付票', 4096) } satisfies InputSpec;

/**
 * Post/Redirect/Get (action-tokens.ts, receipts): a 実行 that went through answers 303 See
 * Other to its completion page, whose URL carries a receipt of this session naming the
 * action and the users it concerned. Reloading or going back to it executes nothing.
 */
export async function executeToCompletion(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  execute: {
    /** The posted confirmation token, used by the action (SPEC §4: at most once, D-18). */
    token: string;
    /** Runs the action; answers the IDs of the users it concerned. */
    run: (ctx: ActionContext) => Promise<readonly string[]>;
    /** The completion page's path and the action its receipt names. */
    path: string;
    action: string;
  },
): Promise<FastifyReply> {
  const ctx = actionContext(app, request, execute.token);
  const userIds = await execute.run(ctx);
  const receipt = issueReceipt(app.keys.actionToken, {
    sessionId: requireAuth(request).session.id,
    action: execute.action,
    userIds,
    executedAt: ctx.now,
  });
  return reply.redirect(`${execute.path}?receipt=${receipt}`, 303);
}

/** What a completion page shows: its receipt, and its users as they are now. */
export interface Completed {
  receipt: Receipt;
  /** The receipt's users that exist within the viewer's operator, in the receipt's order. */
  users: User[];
  /** The first of them: the user of a one-user action. */
  user: User;
  /** The name of the viewer's operator, as the pages show it beside a user. */
  operatorName: string;
}

/** What a completion page shows: its title and trail, the action's message, the users, the ways on. */
export interface CompletionScreen extends ResultScreen {
  info: ShownMessage;
}

const NO_RECEIPT_BACK = { href: '/users', label: 'ユーザ情報一覧画面へ戻る' };

/**
 * The receipt of the request, checked: signed for this session and this action, not
 * expired, naming the user of the URL where the URL names one ('invalid' otherwise); and
 * its users read within the viewer's operator ('notFound' when none is: SPEC §2, another
 * operator's user does not exist). Reads only (D-18).
 */
async function readReceipt(
  app: FastifyInstance,
  request: FastifyRequest,
  action: string,
): Promise<Completed | 'invalid' | 'notFound'> {
  const auth = requireAuth(request);
  const { receipt: given } = requireInput(request.query, RECEIPT_QUERY);
  const receipt = verifyReceipt(app.keys.actionToken, {
    receipt: given,
    sessionId: auth.session.id,
    action,
    now: app.clock.now(),
  });
  if (!receipt) return 'invalid';
  const pathId = (request.params as { id?: string } | undefined)?.id;
  if (pathId !== undefined && (receipt.userIds.length !== 1 || receipt.userIds[0] !== pathId))
    return 'invalid';
  const users: User[] = [];
  for (const userId of receipt.userIds) {
    const user = await findOperatorUser(app.store.db, auth.user.operatorCode, userId);
    if (user) users.push(user);
  }
  const [user] = users;
  return user ? { receipt, users, user, operatorName: auth.operatorName } : 'notFound';
}

/**
 * Registers the completion page (完了画面) of an action: `GET path?receipt=…`. A forged,
 * altered, expired or another session's receipt is a 404 page with its message; one naming
 * nobody of the viewer's operator, the 404 of an unknown user (SPEC §2). Never a 500
 * (D-19), and nothing is written (D-18).
 */
export function completionRoute(
  app: FastifyInstance,
  options: {
    path: string;
    action: string;
    /** What the page shows; it may read more of its users (never write: a GET, D-18). */
    page: (done: Completed) => CompletionScreen | Promise<CompletionScreen>;
  },
): void {
  app.get(options.path, async (request, reply) => {
    const done = await readReceipt(app, request, options.action);
    if (done === 'notFound') return sendUserNotFound(request, reply);
    if (done === 'invalid')
      return sendErrorPage(request, reply, 404, [{ id: 'error.receipt.invalid' }], NO_RECEIPT_BACK);
    const screen = await options.page(done);
    // The mail notice line follows the action's message (SPEC §5).
    return sendResultPage(request, reply, screen, { infos: [screen.info, { id: 'info.mail.notice' }] });
  });
}
