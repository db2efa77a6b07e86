import { SESSION_COOKIE } from '../../src/features/auth/plugin.js';
import { createSession } from '../../src/features/auth/sessions.js';
import type { User } from '../../src/features/users/model.js';
import type { FactoryContext } from './factories.js';

/**
 * A signed-in session for a user without the login form, as a login makes it
 * (`createSession`): the row holds the token's hash, the returned cookie the token.
 * For tests whose subject is not the login itself (the Epic Stack's login fixture).
 */
export async function plantSession(
  ctx: FactoryContext,
  user: Pick<User, 'userId'>,
): Promise<{ name: string; value: string }> {
  const { token } = await createSession(ctx.store.db, {
    userId: user.userId,
    ip: '127.0.0.1',
    userAgent: 'planted by the test',
    now: ctx.clock.now(),
  });
  return { name: SESSION_COOKIE, value: token };
}
