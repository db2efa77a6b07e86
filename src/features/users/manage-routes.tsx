import type { FastifyInstance } from 'fastify';
import { adminOnly } from '../../web/guards.js';
import { userAccountRoutes } from './account/routes.js';
import { userChangeRoutes } from './change/routes.js';
import { userDeleteRoutes } from './delete/routes.js';
import { userBulkRegisterRoutes } from './register/bulk-routes.js';
import { userRegisterRoutes } from './register/routes.js';
import { sendUserListWithMessage } from './search/list-page.js';
import { userSecondFactorRoutes } from './second-factor/routes.js';

/**
 * Register, change, delete, bulk delete, unlock, reissue, bulk register (SPEC §4.4–§4.9,
 * §4.12) and the reset of a user's second factor (D-22); all admin-only (SPEC §2). The
 * flows know nothing of each other: what one needs of another (bulk delete shows its
 * refusal on the search flow's list) is passed in here.
 */
export async function userManageRoutes(app: FastifyInstance): Promise<void> {
  // SPEC §2: every route of this scope is for admins; the check is set once, here, and
  // runs after the security plugin's (session, CSRF) on each of them.
  app.addHook('preHandler', adminOnly);
  await app.register(userRegisterRoutes);
  await app.register(userChangeRoutes);
  await app.register(userDeleteRoutes, { listWithMessage: sendUserListWithMessage });
  await app.register(userAccountRoutes);
  await app.register(userBulkRegisterRoutes);
  await app.register(userSecondFactorRoutes);
}
