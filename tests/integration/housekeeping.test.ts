import { expect, it } from 'vitest';
import { runHousekeeping } from '../../src/features/auth/housekeeping.js';
import { consumeActionToken, issueActionToken } from '../../src/features/users/action-tokens.js';
import { Agent, createOperatorWithAdmins, describeOnStores, loginAs } from '../helpers/integration.js';

describeOnStores('housekeeping on $kind', (ctx, { skip }) => {
  it.skipIf(skip)(
    'deletes ended sessions, stale one-time tokens and ended rate-limit windows only',
    async () => {
      const { admin, otherAdmin } = await createOperatorWithAdmins(ctx);
      const idle = await loginAs(ctx, admin);
      const idleSession = (await ctx.store.db.selectFrom('sessions').select('id').execute())[0]!.id;
      // A confirmation used at once: its record outlives the token by nothing.
      const token = issueActionToken(ctx.app.keys.actionToken, {
        sessionId: idleSession,
        purpose: 'register',
        now: ctx.clock.now(),
      });
      const used = await consumeActionToken(ctx.store.db, {
        key: ctx.app.keys.actionToken,
        token,
        sessionId: idleSession,
        purpose: 'register',
        now: ctx.clock.now(),
      });
      expect(used.ok).toBe(true);
      await new Agent(ctx.app).post('/login', { userId: 'U000000000', password: 'x' });
      ctx.clock.advance(61 * 60_000);
      const active = await loginAs(ctx, otherAdmin);
      // Past the login's one-minute rate-limit window; the new session is still fresh.
      ctx.clock.advance(61_000);
      const policy = { idleMs: ctx.config.sessionIdleMs, absoluteMs: ctx.config.sessionAbsoluteMs };

      const result = await runHousekeeping(ctx.store, ctx.clock.now(), policy);
      expect(result.sessions).toBe(1);
      expect(result.actionTokens).toBe(1);
      expect(result.rateLimits).toBe(1);
      expect((await idle.get('/')).statusCode).toBe(303);
      expect((await active.get('/')).statusCode).toBe(200);
      const left = await ctx.store.db.selectFrom('sessions').select('user_id').execute();
      expect(left.map((s) => s.user_id)).toEqual([otherAdmin.userId]);
    },
  );
});
