import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAuth } from '../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../web/input.js';
import { sendPage } from '../../web/render.js';
import { passkeyRegistrationOptions } from '../auth/passkeys/registration.js';
import { relyingParty } from '../auth/passkeys/webauthn.js';
import { ownActor, passwordRateLimit, renderPasskeyFormPage } from './pages.js';
import { type PasskeyFormErrors, registerOwnPasskey, removeOwnPasskey } from './passkeys-service.js';

/** SPEC D-19: the registration's fields; a WebAuthn response is a few kilobytes of JSON. */
const REGISTER_FORM = {
  name: one('パスキーの名前', 200),
  response: one('パスキー', 32_768),
} satisfies InputSpec;
const REMOVE_FORM = {
  passkey: one('削除するパスキー', 12),
  password: one('パスワード', 1024),
} satisfies InputSpec;
/** The challenge is asked for with the CSRF token alone. */
const OPTIONS_FORM = {} satisfies InputSpec;

/**
 * The account page's passkeys (SPEC D-22): the registration challenge (a POST that the
 * page's script sends with the CSRF token, D-18), the registration, the removal. A user
 * whom the operator's policy sends to enrolment may register one: it counts as the factor.
 */
export function passkeyAccountRoutes(app: FastifyInstance): void {
  const rateLimit = passwordRateLimit(app);
  const config = { allowSecondFactorEnrolment: true, rateLimit };
  app.post('/account/passkeys/options', { config }, (request, reply) => sendOptions(app, request, reply));
  app.post('/account/passkeys', { config }, (request, reply) => registerPasskey(app, request, reply));
  app.post('/account/passkeys/remove', { config: { rateLimit } }, (request, reply) =>
    removePasskey(app, request, reply),
  );
}

function relyingPartyOf(app: FastifyInstance, request: FastifyRequest) {
  return relyingParty(app.appConfig.publicUrl, { protocol: request.protocol, host: request.host });
}

/** The page the passkey form was on, shown again with its errors (400). */
async function showAgain(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  errors: PasskeyFormErrors,
) {
  return sendPage(reply, await renderPasskeyFormPage(app, request, errors), 400);
}

/** The registration's challenge, as JSON for the page's script. */
async function sendOptions(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const auth = requireAuth(request);
  requireInput(request.body, OPTIONS_FORM);
  const rp = relyingPartyOf(app, request);
  if (!rp) return reply.status(400).send({ error: 'error.passkey.failed' });
  const options = await passkeyRegistrationOptions(app.store.db, {
    user: auth.user,
    sessionId: auth.session.id,
    rp,
    now: app.clock.now(),
  });
  if (options === 'tooMany') return reply.status(409).send({ error: 'error.passkey.tooMany' });
  return reply.send(options);
}

async function registerPasskey(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const form = requireInput(request.body, REGISTER_FORM);
  const rp = relyingPartyOf(app, request);
  if (!rp) return showAgain(app, request, reply, { response: 'error.passkey.failed' });
  const result = await registerOwnPasskey(app.store.db, {
    ...ownActor(app, request),
    name: form.name,
    response: form.response,
    rp,
  });
  if (!result.ok) return showAgain(app, request, reply, result.errors);
  return reply.redirect('/account?done=passkeyAdded', 303);
}

async function removePasskey(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply) {
  const form = requireInput(request.body, REMOVE_FORM);
  const id = /^[0-9]{1,12}$/.test(form.passkey) ? Number(form.passkey) : undefined;
  const result = await removeOwnPasskey(app.store.db, {
    ...ownActor(app, request),
    passkeyId: id,
    password: form.password,
  });
  if (!result.ok) return showAgain(app, request, reply, result.errors);
  return reply.redirect('/account?done=passkeyRemoved', 303);
}
