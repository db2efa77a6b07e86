import 'fastify';
import type { Config } from '../../config.js';
import type { Store } from '../../db/connect.js';
import type { Clock } from '../../lib/clock.js';
import type { User } from '../users/model.js';
import type { SecondFactorState, Session } from './sessions.js';

/** Where an attempt comes from and when: what the login's use cases record and audit. */
export interface RequestContext {
  ip: string;
  userAgent: string;
  now: Date;
}

export interface Auth {
  user: User;
  operatorName: string;
  session: Session;
  /** SPEC D-22: whether the operator requires a second factor, and whether the user has one. */
  secondFactor: SecondFactorState;
}

declare module 'fastify' {
  interface FastifyInstance {
    store: Store;
    clock: Clock;
    appConfig: Config;
    /** Keys derived from the server key (src/db/server-keys.ts), one per purpose. */
    keys: { preSession: Buffer; actionToken: Buffer; formDraft: Buffer };
  }
  interface FastifyRequest {
    auth: Auth | null;
    /** The token every form of this page carries (SPEC §4, CSRF). */
    csrfToken: string;
    /** True when the request carried a session cookie that is no longer valid. */
    sessionExpired: boolean;
    /** SHA-256 of this browser's pre-session cookie ('' when it has none): what a login challenge is bound to. */
    preSessionId: string;
  }
  interface FastifyContextConfig {
    /** Reachable without a session (login, health, assets). */
    public?: boolean;
    /** Reachable with a temporary password (before the forced change). */
    allowTemporaryPassword?: boolean;
    /** Reachable by a user whom the operator's policy sends to enrol a second factor first. */
    allowSecondFactorEnrolment?: boolean;
    /** A static file under /assets/: public, and no session work at all. */
    asset?: boolean;
    /** Takes a multipart upload and checks its CSRF field itself. */
    multipart?: boolean;
  }
}
