import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageId } from '../../../lib/messages.js';
import { requireAuth } from '../../../web/guards.js';
import type { ShownMessage } from '../../../web/layout.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { tokenPurpose } from '../action.js';
import { countGeneralUsers } from '../repository.js';
import { confirmationToken, type ListWithMessage } from '../shared-routes.js';
import { UserListPage } from './list-views.js';
import { parseSearchQuery, type SearchParse } from './query.js';
import { searchUsers } from './repository.js';

/** ユーザ情報一覧画面 as every route that shows it renders it: the search, or its refusal. */

/** What a re-rendered list keeps of the action that was refused on it. */
export interface ListRestore {
  /** The boxes ticked for a refused bulk delete stay ticked (manual ch. 7 ⑤). */
  selectedUserIds?: readonly string[];
}

/** What the list shows whatever the search: who looks. */
function listFrame(request: FastifyRequest) {
  const auth = requireAuth(request);
  return { ...pageContext(request), operatorName: auth.operatorName, isAdmin: auth.user.role === 'admin' };
}

/** The one-time token of the list's bulk delete form (admins, when there are rows). */
function bulkDeleteToken(app: FastifyInstance, request: FastifyRequest, rows: number): string | undefined {
  if (requireAuth(request).user.role !== 'admin' || rows === 0) return undefined;
  return confirmationToken(app, request, tokenPurpose.bulkDelete());
}

/**
 * Renders ユーザ情報一覧画面 for a parsed query, with extra errors at the top (the CSV
 * export's refusals show here, as the manual's ch. 3 ⑥ says).
 */
export async function sendUserList(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  parsed: SearchParse,
  extraErrors: ShownMessage[] = [],
  status?: number,
  restore: ListRestore = {},
): Promise<FastifyReply> {
  const frame = listFrame(request);
  const auth = requireAuth(request);
  if (!parsed.ok) {
    // Errors at the top and next to each field (SPEC §4); never a 500.
    const ids = [...new Set(Object.values(parsed.errors))] as MessageId[];
    const errors = [...extraErrors, ...ids.map((id) => ({ id }))];
    return sendPage(
      reply,
      <UserListPage
        {...frame}
        form={parsed.form}
        fieldErrors={parsed.errors}
        errors={errors}
        result={undefined}
        bulkDeleteToken={undefined}
        // SPEC §1: admins see how many general users can still be registered (at most eight).
        generalUserCount={
          frame.isAdmin ? await countGeneralUsers(app.store.db, auth.user.operatorCode) : undefined
        }
      />,
      400,
    );
  }
  const result = await searchUsers(app.store.db, auth.user.operatorCode, parsed.conditions, parsed.page, {
    countGeneralUsers: frame.isAdmin,
  });
  const errors: ShownMessage[] = [...extraErrors];
  if (result.total === 0 && extraErrors.length === 0) errors.push({ id: 'error.search.noHits' });
  return sendPage(
    reply,
    <UserListPage
      {...frame}
      form={parsed.form}
      fieldErrors={{}}
      errors={errors}
      result={result}
      generalUserCount={result.generalUserCount}
      bulkDeleteToken={bulkDeleteToken(app, request, result.users.length)}
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
export const sendUserListWithMessage: ListWithMessage = async (
  app,
  request,
  reply,
  listQuery,
  message,
  status,
  restore,
) => {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(listQuery)) {
    const seen = query[key];
    query[key] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const parsed = parseSearchQuery(query, requireAuth(request).user.operatorCode);
  return sendUserList(app, request, reply, parsed, [message], status, restore);
};
