import type { Store } from '../db/connect.js';
import type { Clock } from '../lib/clock.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * A @fastify/rate-limit store kept in the database, so that the limit holds across
 * processes and restarts (a process-local map would reset with each process).
 * One atomic upsert per request: a new window starts when the old one has ended.
 */
export function databaseRateLimitStore(store: Store, clock: Clock) {
  return class DatabaseRateLimitStore {
    incr(key: string, callback: Callback, timeWindow: number): void {
      const now = clock.now();
      const nowIso = now.toISOString();
      const windowEnds = new Date(now.getTime() + timeWindow).toISOString();
      store.db
        .insertInto('rate_limits')
        .values({ key, count: 1, window_ends_at: windowEnds })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet((eb) => ({
            count: eb
              .case()
              .when('rate_limits.window_ends_at', '<=', nowIso)
              .then(1)
              .else(eb('rate_limits.count', '+', 1))
              .end(),
            window_ends_at: eb
              .case()
              .when('rate_limits.window_ends_at', '<=', nowIso)
              .then(windowEnds)
              .else(eb.ref('rate_limits.window_ends_at'))
              .end(),
          })),
        )
        .returning(['count', 'window_ends_at'])
        .executeTakeFirstOrThrow()
        .then(
          (row) =>
            callback(null, {
              current: Number(row.count),
              ttl: Math.max(0, new Date(row.window_ends_at).getTime() - now.getTime()),
            }),
          (error: Error) => callback(error),
        );
    }

    child(): DatabaseRateLimitStore {
      return this;
    }
  };
}
