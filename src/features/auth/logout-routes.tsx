import type { FastifyInstance } from 'fastify';
import { recordAudit } from '../audit/service.js';
import { clearSessionCookie } from './plugin.js';
import { deleteSession } from './sessions.js';

/** ログアウト: the session ends (and is audited); the login page says so. */
export async function logoutRoute(app: FastifyInstance): Promise<void> {
  app.post('/logout', { config: { public: true, allowTemporaryPassword: true } }, async (request, reply) => {
    if (request.auth) {
      const { user, session } = request.auth;
      await app.store.db.transaction().execute(async (tx) => {
        await deleteSession(tx, session.id);
        await recordAudit(tx, {
          at: app.clock.now(),
          action: 'logout',
          outcome: 'success',
          actorUserId: user.userId,
          operatorCode: user.operatorCode,
          ip: request.ip,
          targetUserId: user.userId,
        });
      });
    }
    clearSessionCookie(app, reply);
    return reply.redirect('/login?loggedOut=1', 303);
  });
}
