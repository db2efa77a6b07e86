import { expect } from 'vitest';
import type { User } from '../../src/features/users/model.js';
import { Agent, type Response, type TestContext } from './context.js';
import { DEFAULT_PASSWORD } from './factories.js';

/** The steps of a login through the form, for the tests of its second step (SPEC D-22). */

/** The password step in a new browser: its agent and the answer (`/login/code` for a user with a factor). */
export async function passwordStep(
  ctx: Pick<TestContext, 'app'>,
  user: Pick<User, 'userId'>,
  password = DEFAULT_PASSWORD,
): Promise<{ agent: Agent; res: Response }> {
  const agent = new Agent(ctx.app);
  await agent.get('/login');
  const res = await agent.post('/login', { userId: user.userId, password });
  return { agent, res };
}

/** The password step of a user with a second factor: the browser, now at the code screen. */
export async function atCodeScreen(
  ctx: Pick<TestContext, 'app'>,
  user: Pick<User, 'userId'>,
): Promise<Agent> {
  const { agent, res } = await passwordStep(ctx, user);
  expect(res.location).toBe('/login/code');
  return agent;
}
