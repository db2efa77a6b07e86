import { expect, it } from 'vitest';
import { generateUserId } from '../../src/features/users/repository.js';
import { createOperator, createUser, describeOnStores } from '../helpers/integration.js';

describeOnStores('ユーザID on $kind (SPEC §3)', (ctx, { skip }) => {
  it.skipIf(skip)('is U + 9 digits and never reuses an ID, not even a deleted user’s', async () => {
    const { operatorCode } = await createOperator(ctx);
    await createUser(ctx, { operatorCode, userId: 'U000000007', deleted: true });
    await createUser(ctx, { operatorCode, userId: 'U000000008' });
    const draws = [7, 8, 42];
    const id = await generateUserId(ctx.store.db, () => draws.shift()!);
    expect(id).toBe('U000000042');
    expect(draws).toEqual([]);
    expect(await generateUserId(ctx.store.db)).toMatch(/^U\d{9}$/);
  });
});
