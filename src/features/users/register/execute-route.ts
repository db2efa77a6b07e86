import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import { UserLimitReached } from '../errors.js';
import type { User } from '../model.js';
import { executeToCompletion, type RefusalScreen, refusedOn } from '../outcome-routes.js';
import { parseActionForm } from '../shared-routes.js';
import type { RegisterContext } from './service.js';

/**
 * 実行 of register and bulk register (SPEC §4.4, §4.12; §4: at most once): the users of the
 * confirmation's token registered in one transaction, then 303 to the completion page
 * (PRG). The limit can fill between confirmation and 実行: that refusal is said on the
 * confirmation's screen, any other on the form's.
 */
export function registerExecuteRoute(
  app: FastifyInstance,
  options: {
    path: string;
    donePath: string;
    action: 'register' | 'bulkRegister';
    screen: RefusalScreen;
    confirmationScreen: RefusalScreen;
    register: (db: Kysely<Database>, ctx: RegisterContext) => Promise<User[]>;
  },
): void {
  app.post(options.path, async (request, reply) => {
    const form = parseActionForm(request.body);
    const screen = (error: unknown): RefusalScreen =>
      error instanceof UserLimitReached ? options.confirmationScreen : options.screen;
    return refusedOn(app, request, reply, screen, async () =>
      executeToCompletion(app, request, reply, {
        token: form.token,
        run: async (ctx) => {
          const users = await options.register(app.store.db, { ...ctx, dialect: app.store.dialect });
          return users.map((u) => u.userId);
        },
        path: options.donePath,
        action: options.action,
      }),
    );
  });
}
