import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import type { SecretKeySource } from '../../db/server-keys.js';
import { requireAuth } from '../../web/guards.js';
import type { ShownMessage } from '../../web/layout.js';
import { pageContext } from '../../web/render.js';
import { listPasskeys } from '../auth/passkeys/repository.js';
import { pendingEnrolment, secondFactorStatus } from '../auth/second-factor.js';
import { listOwnSessions } from '../auth/sessions.js';
import { totpQrSvg } from '../auth/totp.js';
import type { User } from '../users/model.js';
import type { AccountContext } from './own-audit.js';
import type { PasskeyFormErrors } from './passkeys-service.js';
import { EnrolmentPage, type PendingSecret } from './second-factor-views.js';
import { type AccountFormErrors, AccountPage } from './views.js';

/**
 * What the account screens' routes share: the keys that seal a second factor's secret,
 * who acts and the context an action is audited with, the password's rate limit, and the two pages a
 * refused form is shown again on, read afresh.
 */

export function secretKeys(app: FastifyInstance): SecretKeySource {
  return { current: app.appConfig.secretsKey, previous: app.appConfig.secretsKeyPrevious };
}

export function actionContext(app: FastifyInstance, request: FastifyRequest): AccountContext {
  return { ip: request.ip, now: app.clock.now() };
}

/** Who acts on their own account: the signed-in user, the session they act from, where and when. */
export function ownActor(
  app: FastifyInstance,
  request: FastifyRequest,
): { user: User; currentSessionId: string } & AccountContext {
  const auth = requireAuth(request);
  return { user: auth.user, currentSessionId: auth.session.id, ...actionContext(app, request) };
}

/** Each route that checks the password has it: no guessing the password at speed from a session. */
export function passwordRateLimit(app: FastifyInstance) {
  return {
    max: app.appConfig.loginRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) => `password:${request.auth?.user.userId ?? request.ip}`,
  };
}

export type PasswordRateLimit = ReturnType<typeof passwordRateLimit>;

/** The enrolment pages stay open to a user whom the operator's policy sends there. */
export const ENROLMENT_OPEN = { config: { allowSecondFactorEnrolment: true } };

/** The account page, with the messages of an action or a refused form. */
export async function renderAccountPage(
  app: FastifyInstance,
  request: FastifyRequest,
  extra: AccountFormErrors & { infos?: ShownMessage[] },
): Promise<VNode> {
  const auth = requireAuth(request);
  const policy = { idleMs: app.appConfig.sessionIdleMs, absoluteMs: app.appConfig.sessionAbsoluteMs };
  const now = app.clock.now();
  return (
    <AccountPage
      page={pageContext(request)}
      user={auth.user}
      operatorName={auth.operatorName}
      factor={await secondFactorStatus(app.store.db, auth.user.userId)}
      required={auth.secondFactor.required}
      sessions={await listOwnSessions(app.store.db, auth.user.userId, now, policy)}
      passkeys={await listPasskeys(app.store.db, auth.user.userId)}
      currentSessionId={auth.session.id}
      {...extra}
    />
  );
}

/** The enrolment page: its start, or the pending secret as a QR code and as text. */
export async function renderEnrolmentPage(
  app: FastifyInstance,
  request: FastifyRequest,
  errors?: ShownMessage[],
  passkeyErrors?: PasskeyFormErrors,
): Promise<VNode> {
  const auth = requireAuth(request);
  const pending = await pendingEnrolment(app.store.db, {
    userId: auth.user.userId,
    keys: secretKeys(app),
    now: app.clock.now(),
  });
  const qr = pending ? await totpQrSvg(pending.uri) : undefined;
  const shown: PendingSecret | undefined =
    pending && qr
      ? {
          secret: pending.secret,
          userId: auth.user.userId,
          qrDataUri: `data:image/svg+xml;base64,${Buffer.from(qr).toString('base64')}`,
        }
      : undefined;
  return (
    <EnrolmentPage
      page={pageContext(request)}
      forced={auth.secondFactor.required}
      pending={shown}
      errors={errors}
      passkeys={await listPasskeys(app.store.db, auth.user.userId)}
      passkeyErrors={passkeyErrors}
    />
  );
}

/** A passkey form's errors: on the enrolment page for a user the policy sends there. */
export async function renderPasskeyFormPage(
  app: FastifyInstance,
  request: FastifyRequest,
  passkeyErrors: PasskeyFormErrors,
): Promise<VNode> {
  const { secondFactor } = requireAuth(request);
  return secondFactor.required && !secondFactor.enabled
    ? renderEnrolmentPage(app, request, undefined, passkeyErrors)
    : renderAccountPage(app, request, { passkeyErrors });
}
