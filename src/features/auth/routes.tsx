import type { FastifyInstance } from 'fastify';
import { codeStepRoutes, passkeyLoginRoutes } from './code-step-routes.js';
import { loginRoutes } from './login-routes.js';
import { logoutRoute } from './logout-routes.js';
import { passwordChangeRoutes } from './password-routes.js';

/** The screens of the login and the own password: one registration a screen. */
export async function authRoutes(app: FastifyInstance): Promise<void> {
  await loginRoutes(app);
  await codeStepRoutes(app);
  await passkeyLoginRoutes(app);
  await logoutRoute(app);
  await passwordChangeRoutes(app);
}
