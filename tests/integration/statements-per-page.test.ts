import type { KyselyPlugin } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createOperatorWithAdmins, createUser, loginAs, useTestContext } from '../helpers/context.js';
import { storeKinds } from '../helpers/stores.js';

/**
 * The pages every operator opens all day cost as few statements as they can: a statement
 * costs more in the query layer (and on PostgreSQL, a round trip) than the rows it reads
 * (docs/performance.md). Counted at the query layer: every executed statement passes
 * `transformResult`, precompiled ones included.
 */
describe.each(storeKinds)('statements per page on $kind', ({ kind, skip }) => {
  let statements = 0;
  const counter: KyselyPlugin = {
    transformQuery: (args) => args.node,
    async transformResult(args) {
      statements++;
      return args.result;
    },
  };
  const ctx = useTestContext(kind, skip, {}, { plugin: counter });

  async function count(run: () => Promise<{ statusCode: number; body: string }>, expected: string) {
    const before = statements;
    const res = await run();
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(expected);
    return statements - before;
  }

  it.skipIf(skip)('the list: the session, then one query for the rows and both counts', async () => {
    const { admin, operator } = await createOperatorWithAdmins(ctx);
    const general = await createUser(ctx, { operatorCode: operator.operatorCode, userName: '一覧 一郎' });
    for (let i = 0; i < 3; i++) await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
    const adminAgent = await loginAs(ctx, admin);
    const generalAgent = await loginAs(ctx, general);

    // An admin's list shows the rows, the total and the room left of eight.
    expect(await count(() => adminAgent.get('/users'), '(全3件)')).toBe(2);
    expect(await count(() => adminAgent.get('/users?search=1&showDeleted=1'), '(全6件)')).toBe(2);
    expect(await count(() => adminAgent.get('/users?search=1&userName=一覧'), '(全1件)')).toBe(2);
    expect(await count(() => generalAgent.get('/users'), '(全3件)')).toBe(2);
    // Nothing found, or a page past the last: the counts once more.
    expect(
      await count(() => adminAgent.get('/users?search=1&userName=該当なし'), 'error.search.noHits'),
    ).toBe(3);
    expect(await count(() => adminAgent.get('/users?search=1&page=9'), '(全3件)')).toBe(4);
  });

  it.skipIf(skip)('the detail: the session and the user', async () => {
    const { admin, operator } = await createOperatorWithAdmins(ctx);
    const general = await createUser(ctx, { operatorCode: operator.operatorCode });
    const agent = await loginAs(ctx, admin);
    expect(await count(() => agent.get(`/users/${general.userId}`), general.userId)).toBe(2);
  });
});
