import type { FastifyInstance } from 'fastify';
import type { VNode } from 'preact';
import { requireAuth } from '../../../web/guards.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { type RefusalScreen, refusedOn } from '../outcome-routes.js';
import { readConfirmation } from '../shared-routes.js';
import type { ConfirmPageProps } from '../shared-views.js';

/** What the confirmation pages of register and bulk register take besides what they confirm. */
export type RegisterConfirmProps = ConfirmPageProps & { operatorCode: string };

/**
 * The confirmation page of register and bulk register (SPEC §4.4, §4.12; PRG): a GET of the
 * sealed token, what was confirmed in it; it writes nothing (D-18). A token that does not
 * hold is refused on `screen`.
 */
export function registerConfirmationRoute<T>(
  app: FastifyInstance,
  options: {
    path: string;
    purpose: string;
    screen: RefusalScreen;
    render: (props: RegisterConfirmProps, payload: T) => VNode;
  },
): void {
  app.get(options.path, async (request, reply) =>
    refusedOn(app, request, reply, options.screen, async () => {
      const auth = requireAuth(request);
      const confirmation = await readConfirmation<T>(app, request, options.purpose);
      const props: RegisterConfirmProps = {
        page: pageContext(request),
        operatorCode: auth.user.operatorCode,
        operatorName: auth.operatorName,
        token: confirmation.token,
        executed: confirmation.used,
      };
      return sendPage(reply, options.render(props, confirmation.payload));
    }),
  );
}
