import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { VNode } from 'preact';
import type { Database } from '../../../db/schema.js';
import { requireAuth } from '../../../web/guards.js';
import { pageContext, sendPage } from '../../../web/render.js';
import type { User } from '../model.js';
import {
  type Completed,
  type CompletionScreen,
  completionRoute,
  type RefusalScreen,
  refusedOn,
} from '../outcome-routes.js';
import { readConfirmation } from '../shared-routes.js';
import { registerExecuteRoute } from './execute-route.js';
import type { RegisterContext } from './service.js';
import type { RegisterConfirmProps } from './views.js';

/** Register or bulk register, from its confirmation on. */
export interface ConfirmedRegistration<T> {
  /** The form's path: the confirmation page is `<path>/confirm`, 実行 posts to `<path>`, the completion page is `<path>/done`. */
  path: string;
  action: 'register' | 'bulkRegister';
  /** The purpose of the confirmation's token. */
  purpose: string;
  /** Where a refusal is shown; one at 実行 because the limit filled meanwhile, on `confirmationScreen`. */
  screen: RefusalScreen;
  confirmationScreen: RefusalScreen;
  confirmationPage: (props: RegisterConfirmProps, payload: T) => VNode;
  register: (db: Kysely<Database>, ctx: RegisterContext) => Promise<User[]>;
  /** The completion page, from the receipt: the users as stored now; reloading it registers nobody. */
  completionPage: (done: Completed) => CompletionScreen;
}

/**
 * What register and bulk register share after 確認 (SPEC §4.4, §4.12): the confirmation page,
 * 実行 (execute-route.ts) and the completion page, each reached by a redirect (PRG).
 */
export function confirmedRegistrationRoutes<T>(app: FastifyInstance, flow: ConfirmedRegistration<T>): void {
  confirmationPageRoute(app, flow);
  registerExecuteRoute(app, {
    path: flow.path,
    donePath: `${flow.path}/done`,
    action: flow.action,
    screen: flow.screen,
    confirmationScreen: flow.confirmationScreen,
    register: flow.register,
  });
  completionRoute(app, { path: `${flow.path}/done`, action: flow.action, page: flow.completionPage });
}

/**
 * The confirmation page: a GET of the sealed token, what was confirmed in it; it writes
 * nothing (D-18). A token that does not hold is refused on the form's screen.
 */
function confirmationPageRoute<T>(app: FastifyInstance, flow: ConfirmedRegistration<T>): void {
  app.get(`${flow.path}/confirm`, async (request, reply) =>
    refusedOn(app, request, reply, flow.screen, async () => {
      const auth = requireAuth(request);
      const confirmation = await readConfirmation<T>(app, request, flow.purpose);
      const props: RegisterConfirmProps = {
        page: pageContext(request),
        operatorCode: auth.user.operatorCode,
        operatorName: auth.operatorName,
        token: confirmation.token,
        executed: confirmation.used,
      };
      return sendPage(reply, flow.confirmationPage(props, confirmation.payload));
    }),
  );
}
