import type { FastifyInstance } from 'fastify';
import { userAccountRoutes } from './account-routes.js';
import { userChangeRoutes } from './change-routes.js';
import { userDeleteRoutes } from './delete-routes.js';
import { userRegisterRoutes } from './register-routes.js';

/** Register, change, delete, bulk delete, unlock, reissue (SPEC §4.4–§4.9); all admin-only (SPEC §2). */
export async function userManageRoutes(app: FastifyInstance): Promise<void> {
  await app.register(userRegisterRoutes);
  await app.register(userChangeRoutes);
  await app.register(userDeleteRoutes);
  await app.register(userAccountRoutes);
}
