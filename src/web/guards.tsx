import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendErrorPage } from './error-page.js';

/** The signed-in user, their session and operator, as the security plugin loaded them. */
export type Authenticated = NonNullable<FastifyRequest['auth']>;

const BACK_TO_LIST = { href: '/users', label: 'ユーザ情報一覧画面へ戻る' };

/**
 * The signed-in user of a private route. The security plugin lets no request without a
 * session reach one, so a missing session here is a bug: it is thrown to the 500 handler.
 */
export function requireAuth(request: FastifyRequest): Authenticated {
  const auth = request.auth;
  if (!auth) throw new Error(`no session on the private route ${request.routeOptions.url ?? request.url}`);
  return auth;
}

/**
 * SPEC §2: register, change, delete, unlock and reissue are for admins. The check runs
 * on the server, whatever buttons a page shows: a general user gets 403 and nothing runs.
 */
export async function adminOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.auth?.user.role !== 'admin') {
    await sendErrorPage(request, reply, 403, [{ id: 'error.forbidden' }], BACK_TO_LIST);
  }
}

/** Another operator's user, or no such user: the same "not found" page (SPEC §2). */
export function sendUserNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendErrorPage(request, reply, 404, [{ id: 'error.user.notFound' }], BACK_TO_LIST);
}
