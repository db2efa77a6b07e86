import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageId } from '../../lib/messages.js';
import { sendUserNotFound } from '../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import type { ShownMessage } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import { recordAudit } from '../audit/service.js';
import { issueActionToken } from './action-tokens.js';
import {
  CSV_MAX_ROWS,
  type CsvEncoding,
  contentDisposition,
  csvStream,
  findUnencodableCell,
  parseCsvEncoding,
} from './csv.js';
import { CsvConfirmPage, UserDetailPage, UserListPage } from './list-views.js';
import type { User } from './model.js';
import { findOperatorUser } from './repository.js';
import {
  countUsers,
  parseSearchQuery,
  type SearchConditions,
  type SearchParse,
  searchUserBatches,
  searchUsers,
} from './search.js';
import { countGeneralUsers, tokenPurpose } from './service.js';

/** A user ID as a URL can name it; anything else is simply not found. */
const USER_ID_IN_PATH = /^[0-9A-Za-z]{1,10}$/;

/** SPEC D-19: what the export and the detail read from their query besides the search. */
const EXPORT_QUERY = { encoding: one('文字コード', 20), confirmed: one('確認', 10) } satisfies InputSpec;
const DETAIL_QUERY = { back: one('戻り先', 2048) } satisfies InputSpec;

/**
 * The detail's 戻る returns to the list page it came from (SPEC D-9). Only a path of
 * the list itself is followed, so the parameter cannot send the user elsewhere.
 */
export function safeListBack(back: unknown): string {
  if (typeof back !== 'string') return '/users';
  if (back === '/users' || (back.startsWith('/users?') && !/[\s\\]/.test(back))) return back;
  return '/users';
}

function viewer(request: FastifyRequest): NonNullable<FastifyRequest['auth']> {
  // The security plugin lets no request without a session reach these private routes.
  return request.auth!;
}

/** What a re-rendered list keeps of the action that was refused on it. */
export interface ListRestore {
  /** The boxes ticked for a refused bulk delete stay ticked (manual ch. 7 ⑤). */
  selectedUserIds?: readonly string[];
}

/**
 * Renders ユーザ情報一覧画面 for a parsed query, with extra errors at the top (the CSV
 * export's refusals show here, as the manual's ch. 3 ⑥ says).
 */
async function sendUserList(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  parsed: SearchParse,
  extraErrors: ShownMessage[] = [],
  status?: number,
  restore: ListRestore = {},
): Promise<FastifyReply> {
  const auth = viewer(request);
  const isAdmin = auth.user.role === 'admin';
  // SPEC §1: admins see how many general users can still be registered (at most eight).
  const generalUserCount = isAdmin
    ? await countGeneralUsers(app.store.db, auth.user.operatorCode)
    : undefined;
  if (!parsed.ok) {
    // Errors at the top and next to each field (SPEC §4); never a 500.
    const ids = [...new Set(Object.values(parsed.errors))] as MessageId[];
    return sendPage(
      reply,
      <UserListPage
        {...pageContext(request)}
        form={parsed.form}
        fieldErrors={parsed.errors}
        errors={[...extraErrors, ...ids.map((id) => ({ id }))]}
        result={undefined}
        operatorName={auth.operatorName}
        isAdmin={isAdmin}
        bulkDeleteToken={undefined}
        generalUserCount={generalUserCount}
      />,
      400,
    );
  }
  const result = await searchUsers(app.store.db, auth.user.operatorCode, parsed.conditions, parsed.page);
  const errors: ShownMessage[] = [...extraErrors];
  if (result.total === 0 && extraErrors.length === 0) errors.push({ id: 'error.search.noHits' });
  const bulkDeleteToken =
    isAdmin && result.users.length > 0
      ? issueActionToken(app.keys.actionToken, {
          sessionId: auth.session.id,
          purpose: tokenPurpose.bulkDelete(),
          now: app.clock.now(),
        })
      : undefined;
  return sendPage(
    reply,
    <UserListPage
      {...pageContext(request)}
      form={parsed.form}
      fieldErrors={{}}
      errors={errors}
      result={result}
      operatorName={auth.operatorName}
      isAdmin={isAdmin}
      bulkDeleteToken={bulkDeleteToken}
      generalUserCount={generalUserCount}
      selectedUserIds={restore.selectedUserIds}
    />,
    status ?? (extraErrors.length > 0 ? 400 : 200),
  );
}

/**
 * The list for a query string (as the list's links carry it), with a message at the top:
 * how an action started from the list reports a refusal there (manual ch. 7 ⑤), keeping
 * what the user had ticked.
 */
export async function sendUserListWithMessage(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  listQuery: string,
  message: ShownMessage,
  status: number,
  restore: ListRestore = {},
): Promise<FastifyReply> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(listQuery)) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const parsed = parseSearchQuery(query, viewer(request).user.operatorCode);
  return sendUserList(app, request, reply, parsed, [message], status, restore);
}

/** List and search, detail, CSV export (SPEC §4.1–§4.3). */
export async function userListRoutes(app: FastifyInstance): Promise<void> {
  // SPEC §4.1: the conditions and the page live in the URL (D-9). Every visit runs the
  // search, the first with the defaults (own operator, not deleted), so the list is
  // never empty for lack of a click.
  app.get('/users', async (request, reply) => {
    const parsed = parseSearchQuery(request.query, viewer(request).user.operatorCode);
    return sendUserList(app, request, reply, parsed);
  });

  // SPEC §4.3 / D-10, and §2 row 6: admins and general users export. The confirmation is
  // a page anyone may open or reload (a GET reads only, D-18); the export itself, which
  // is audited, is a post: from the list after the browser's dialog, or from this page's OK.
  app.get('/users/export', async (request, reply) => {
    const auth = viewer(request);
    const parsed = parseSearchQuery(request.query, auth.user.operatorCode);
    const query = requireInput(request.query, EXPORT_QUERY);
    if (!parsed.ok) return sendUserList(app, request, reply, parsed);
    return sendPage(
      reply,
      <CsvConfirmPage
        {...pageContext(request)}
        form={parsed.form}
        encoding={parseCsvEncoding(query.encoding)}
      />,
    );
  });

  app.post('/users/export', async (request, reply) => {
    const auth = viewer(request);
    const parsed = parseSearchQuery(request.body, auth.user.operatorCode);
    const form = requireInput(request.body, EXPORT_QUERY);
    if (!parsed.ok) return sendUserList(app, request, reply, parsed);
    const encoding = parseCsvEncoding(form.encoding);
    if (form.confirmed !== '1') {
      // SPEC D-15: without JavaScript the confirmation is a page.
      return sendPage(
        reply,
        <CsvConfirmPage {...pageContext(request)} form={parsed.form} encoding={encoding} />,
      );
    }
    return exportCsv(app, request, reply, parsed, encoding);
  });

  app.get<{ Params: { userId: string } }>('/users/:userId', async (request, reply) => {
    const auth = viewer(request);
    const { userId } = request.params;
    // SPEC §2: another operator's user is answered exactly like an unknown ID.
    const user = USER_ID_IN_PATH.test(userId)
      ? await findOperatorUser(app.store.db, auth.user.operatorCode, userId)
      : undefined;
    if (!user) return sendUserNotFound(request, reply);
    const isAdmin = auth.user.role === 'admin';
    const now = app.clock.now();
    const token = (purpose: string) =>
      issueActionToken(app.keys.actionToken, { sessionId: auth.session.id, purpose, now });
    // SPEC §2 rows 2–4 and §4.5–§4.9: each button only for whom it is allowed.
    const buttons = {
      unlockToken:
        isAdmin && user.locked && !user.deleted ? token(tokenPurpose.unlock(user.userId)) : undefined,
      reissueToken: isAdmin && !user.deleted ? token(tokenPurpose.reissue(user.userId)) : undefined,
      passwordChange: user.userId === auth.user.userId,
      change: isAdmin && !user.deleted,
      delete: isAdmin && !user.deleted && user.role !== 'admin',
    };
    return sendPage(
      reply,
      <UserDetailPage
        {...pageContext(request)}
        user={user}
        operatorName={auth.operatorName}
        buttons={buttons}
        backHref={safeListBack(requireInput(request.query, DETAIL_QUERY).back)}
      />,
    );
  });
}

async function* replay(batches: User[][]): AsyncGenerator<User[]> {
  yield* batches;
}

function auditDetail(c: SearchConditions, encoding: CsvEncoding, extra: Record<string, unknown>) {
  return { conditions: c, encoding, ...extra };
}

/**
 * SPEC §4.3: count first, refuse 0 or more than 12,000 rows, check CP932 before the first
 * byte is sent, then stream the rows in batches. Every outcome leaves an audit record (§6).
 */
async function exportCsv(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  parsed: Extract<SearchParse, { ok: true }>,
  encoding: CsvEncoding,
): Promise<FastifyReply> {
  const auth = viewer(request);
  const db = app.store.db;
  const operatorCode = auth.user.operatorCode;
  const c = parsed.conditions;
  const audit = (outcome: 'success' | 'failure', extra: Record<string, unknown>) =>
    recordAudit(db, {
      at: app.clock.now(),
      action: 'csvExport',
      outcome,
      actorUserId: auth.user.userId,
      operatorCode,
      ip: request.ip,
      detail: auditDetail(c, encoding, extra),
    });
  const refuse = async (error: ShownMessage, extra: Record<string, unknown>) => {
    await audit('failure', extra);
    return sendUserList(app, request, reply, parsed, [error]);
  };

  const count = await countUsers(db, operatorCode, c);
  if (count === 0) return refuse({ id: 'error.csv.noHits' }, { rowCount: 0, reason: 'noHits' });
  if (count > CSV_MAX_ROWS) {
    return refuse(
      { id: 'error.csv.tooMany', params: { count: count.toLocaleString('ja-JP') } },
      { rowCount: count, reason: 'tooMany' },
    );
  }
  // CP932: every row is checked before the first byte is sent (a character CP932 lacks
  // must stop the export, never become `?` in the file); the checked rows (at most
  // 12,000) are then the file, so the database is read once and the file is what was checked.
  let checked: User[][] | undefined;
  if (encoding === 'cp932') {
    checked = [];
    for await (const batch of searchUserBatches(db, operatorCode, c)) {
      checked.push(batch);
      for (const user of batch) {
        const bad = findUnencodableCell(user, auth.operatorName);
        if (bad) {
          return refuse(
            { id: 'error.csv.unencodable', params: { where: `ユーザID ${bad.userId} の ${bad.column}` } },
            { rowCount: count, reason: 'unencodable', userId: bad.userId, column: bad.column },
          );
        }
      }
    }
  }

  const stream = csvStream(checked ? replay(checked) : searchUserBatches(db, operatorCode, c), {
    operatorName: auth.operatorName,
    encoding,
    onDone: async (rows, error) => {
      if (error) {
        request.log.warn({ err: error }, 'CSV export aborted while streaming');
        await audit('failure', { rowCount: rows, reason: 'aborted' });
      } else {
        await audit('success', { rowCount: rows });
      }
    },
  });
  const now = app.clock.now();
  return reply
    .status(200)
    .type(encoding === 'cp932' ? 'text/csv; charset=Shift_JIS' : 'text/csv; charset=utf-8')
    .header('Content-Disposition', contentDisposition(now))
    .send(stream);
}
