import type { FastifyInstance } from 'fastify';
import { adminOnly, requireAuth } from '../../web/guards.js';
import { type InputSpec, one, readInput, requireInput } from '../../web/input.js';
import type { ShownMessage } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import { secondFactorRequired } from '../auth/second-factor.js';
import { actionContext, ENROLMENT_OPEN } from './pages.js';
import { PolicyConfirmPage, PolicyPage, policyLabel } from './policy-views.js';
import { setSecondFactorPolicy } from './service.js';

const POLICY_FORM = { required: one('二要素認証の必須', 1), confirmed: one('確認', 1) } satisfies InputSpec;
const POLICY_QUERY = { done: one('done', 20) } satisfies InputSpec;

/**
 * SPEC D-22: an admin's second-factor policy for their operator. An admin who has just
 * required a second factor still sees the outcome (and can undo it) before enrolling.
 */
export async function policyRoutes(app: FastifyInstance): Promise<void> {
  app.addHook('preHandler', adminOnly);

  app.get('/account/policy', ENROLMENT_OPEN, async (request, reply) => {
    const auth = requireAuth(request);
    const q = readInput(request.query, POLICY_QUERY).values;
    const required = await secondFactorRequired(app.store.db, auth.user.operatorCode);
    const value = policyLabel(required);
    const infos: ShownMessage[] =
      q.done === 'changed'
        ? [{ id: 'info.policy.changed', params: { value } }]
        : q.done === 'unchanged'
          ? [{ id: 'info.policy.unchanged', params: { value } }]
          : [];
    const page = pageContext(request);
    return sendPage(
      reply,
      <PolicyPage page={page} operatorCode={auth.user.operatorCode} required={required} infos={infos} />,
    );
  });

  app.post('/account/policy', ENROLMENT_OPEN, async (request, reply) => {
    const auth = requireAuth(request);
    const form = requireInput(request.body, POLICY_FORM);
    if (form.required !== '0' && form.required !== '1') return reply.redirect('/account/policy', 303);
    const required = form.required === '1';
    // D-15: without JavaScript the confirmation is a page; with it, the browser's dialog.
    if (form.confirmed !== '1') {
      return sendPage(reply, <PolicyConfirmPage page={pageContext(request)} required={required} />);
    }
    const outcome = await setSecondFactorPolicy(app.store.db, {
      actor: auth.user,
      required,
      ...actionContext(app, request),
    });
    return reply.redirect(`/account/policy?done=${outcome}`, 303);
  });
}
