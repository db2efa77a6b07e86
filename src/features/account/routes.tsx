import type { FastifyInstance } from 'fastify';
import { type InputSpec, one, readInput } from '../../web/input.js';
import type { ShownMessage } from '../../web/layout.js';
import { sendPage } from '../../web/render.js';
import { renderAccountPage } from './pages.js';
import { passkeyAccountRoutes } from './passkeys-routes.js';
import { policyRoutes } from './policy-routes.js';
import { secondFactorRoutes } from './second-factor-routes.js';
import { ownSessionRoutes } from './session-routes.js';

/** What the account page says after an action (its query, read totally: D-19). */
const ACCOUNT_QUERY = {
  done: one('done', 20),
  count: one('count', 5),
} satisfies InputSpec;

/**
 * アカウント設定 (SPEC D-22, ASVS V6.3.3 and V7.5.2): every signed-in user's own page with the
 * password change, the second factor (enrol, remove), passkeys and their sessions (each
 * endable, all others at once after the password); for admins, the operator's
 * second-factor policy. One function a screen registers its routes.
 */
export async function accountRoutes(app: FastifyInstance): Promise<void> {
  app.get('/account', async (request, reply) => {
    const infos = doneMessages(readInput(request.query, ACCOUNT_QUERY).values);
    return sendPage(reply, await renderAccountPage(app, request, { infos }));
  });
  passkeyAccountRoutes(app);
  secondFactorRoutes(app);
  ownSessionRoutes(app);
  await app.register(policyRoutes);
}

/** The outcome an action's redirect names (`?done=…`), as the page's message. */
function doneMessages(q: { done: string; count: string }): ShownMessage[] {
  const infos: ShownMessage[] = [];
  if (q.done === 'removed') infos.push({ id: 'info.secondFactor.removed' });
  if (q.done === 'sessionEnded') infos.push({ id: 'info.sessions.ended' });
  if (q.done === 'passkeyAdded') infos.push({ id: 'info.passkey.added' });
  if (q.done === 'passkeyRemoved') infos.push({ id: 'info.passkey.removed' });
  if (q.done === 'othersEnded' && /^[0-9]{1,5}$/.test(q.count)) {
    infos.push({ id: 'info.sessions.othersEnded', params: { count: Number(q.count) } });
  }
  return infos;
}
