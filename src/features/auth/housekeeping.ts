import type { Store } from '../../db/connect.js';
import { purgeActionTokens } from '../users/action-tokens.js';
import { purgeLoginChallenges } from './login-repository.js';
import { purgePasskeyChallenges } from './passkeys/challenges.js';
import { purgeExpiredSessions, type SessionPolicy } from './sessions.js';

export interface HousekeepingResult {
  sessions: number;
  actionTokens: number;
  rateLimits: number;
  loginChallenges: number;
  passkeyChallenges: number;
}

/**
 * Deletes what can no longer be used: sessions past their idle or absolute limit,
 * one-time tokens past their lifetime, rate-limit windows that have ended, login
 * challenges (the code step, SPEC D-22) and passkey challenges past theirs. Validation
 * already refuses them; this keeps the tables small (and ended sessions out of backups).
 */
export async function runHousekeeping(
  store: Store,
  now: Date,
  policy: SessionPolicy,
): Promise<HousekeepingResult> {
  const sessions = await purgeExpiredSessions(store.db, now, policy);
  const actionTokens = await purgeActionTokens(store.db, now);
  const ended = await store.db
    .deleteFrom('rate_limits')
    .where('window_ends_at', '<=', now.toISOString())
    .executeTakeFirst();
  const loginChallenges = await purgeLoginChallenges(store.db, now);
  const passkeyChallenges = await purgePasskeyChallenges(store.db, now);
  return {
    sessions,
    actionTokens,
    rateLimits: Number(ended.numDeletedRows),
    loginChallenges,
    passkeyChallenges,
  };
}

/** Runs housekeeping every `intervalMs` in the background; returns a function that stops it. */
export function startHousekeeping(options: {
  store: Store;
  policy: SessionPolicy;
  intervalMs: number;
  now?: () => Date;
  onError: (error: unknown) => void;
}): () => void {
  const now = options.now ?? (() => new Date());
  const timer = setInterval(() => {
    runHousekeeping(options.store, now(), options.policy).catch(options.onError);
  }, options.intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
