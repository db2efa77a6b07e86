import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireAuth, sendUserNotFound } from '../../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../../web/input.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { tokenPurpose } from '../action.js';
import { findOperatorUserWithFactor, type UserWithFactor } from '../repository.js';
import { confirmationToken } from '../shared-routes.js';
import { UserDetailPage } from './detail-views.js';
import { userExportRoutes } from './export-routes.js';
import { sendUserList } from './list-page.js';
import { parseSearchQuery } from './query.js';

/** A user ID as a URL can name it; anything else is simply not found. */
const USER_ID_IN_PATH = /^[0-9A-Za-z]{1,10}$/;

/** SPEC D-19: what the detail reads from its query. */
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

/** SPEC §2 rows 2–4 and §4.5–§4.9: each button of the detail screen only for whom it is allowed. */
function detailButtons(app: FastifyInstance, request: FastifyRequest, user: UserWithFactor) {
  const auth = requireAuth(request);
  const isAdmin = auth.user.role === 'admin';
  const token = (purpose: string) => confirmationToken(app, request, purpose);
  return {
    unlockToken:
      isAdmin && user.locked && !user.deleted ? token(tokenPurpose.unlock(user.userId)) : undefined,
    reissueToken: isAdmin && !user.deleted ? token(tokenPurpose.reissue(user.userId)) : undefined,
    // SPEC D-22: for a user who has a factor; one's own is removed on アカウント設定 with the
    // password and a code, so no token is ever issued for it here.
    secondFactorResetToken:
      isAdmin && user.secondFactor && !user.deleted && user.userId !== auth.user.userId
        ? token(tokenPurpose.secondFactorReset(user.userId))
        : undefined,
    passwordChange: user.userId === auth.user.userId,
    change: isAdmin && !user.deleted,
    delete: isAdmin && !user.deleted && user.role !== 'admin',
  };
}

/** List and search, detail, CSV export (SPEC §4.1–§4.3). */
export async function userListRoutes(app: FastifyInstance): Promise<void> {
  // SPEC §4.1: the conditions and the page live in the URL (D-9). Every visit runs the
  // search, the first with the defaults (own operator, not deleted), so the list is
  // never empty for lack of a click.
  app.get('/users', async (request, reply) => {
    const parsed = parseSearchQuery(request.query, requireAuth(request).user.operatorCode);
    return sendUserList(app, request, reply, parsed);
  });

  await app.register(userExportRoutes);

  app.get<{ Params: { userId: string } }>('/users/:userId', async (request, reply) => {
    const auth = requireAuth(request);
    const { userId } = request.params;
    // SPEC §2: another operator's user is answered exactly like an unknown ID.
    const user = USER_ID_IN_PATH.test(userId)
      ? await findOperatorUserWithFactor(app.store.db, auth.user.operatorCode, userId)
      : undefined;
    if (!user) return sendUserNotFound(request, reply);
    return sendPage(
      reply,
      <UserDetailPage
        {...pageContext(request)}
        user={user}
        operatorName={auth.operatorName}
        buttons={detailButtons(app, request, user)}
        backHref={safeListBack(requireInput(request.query, DETAIL_QUERY).back)}
      />,
    );
  });
}
