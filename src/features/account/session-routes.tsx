import type { FastifyInstance } from 'fastify';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import { sendPage } from '../../web/render.js';
import { ownActor, passwordRateLimit, renderAccountPage } from './pages.js';
import { endOtherSessionsOfOwn, endSessionOfOwn } from './service.js';

const END_SESSION_FORM = { session: one('セッション', 64) } satisfies InputSpec;
const END_OTHERS_FORM = { password: one('パスワード', 1024) } satisfies InputSpec;

/** ASVS V7.5.2: the user ends one of their other sessions, or all of them after the password. */
export function ownSessionRoutes(app: FastifyInstance): void {
  app.post('/account/sessions/end', async (request, reply) => {
    const form = requireInput(request.body, END_SESSION_FORM);
    const ended = await endSessionOfOwn(app.store.db, { ...ownActor(app, request), sessionId: form.session });
    if (!ended) {
      const errors = [{ id: 'error.sessions.notFound' as const }];
      return sendPage(reply, await renderAccountPage(app, request, { errors }), 404);
    }
    return reply.redirect('/account?done=sessionEnded', 303);
  });

  const rateLimit = passwordRateLimit(app);
  app.post('/account/sessions/end-others', { config: { rateLimit } }, async (request, reply) => {
    const form = requireInput(request.body, END_OTHERS_FORM);
    const result = await endOtherSessionsOfOwn(app.store.db, {
      ...ownActor(app, request),
      password: form.password,
    });
    if (!result.ok) {
      return sendPage(reply, await renderAccountPage(app, request, { endOthersError: result.error }), 400);
    }
    return reply.redirect(`/account?done=othersEnded&count=${result.count}`, 303);
  });
}
