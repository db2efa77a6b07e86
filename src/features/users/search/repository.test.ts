import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userRowValues } from '../../../../tests/helpers/factories.js';
import { openStore, type Store } from '../../../db/connect.js';
import { migrateToLatest } from '../../../db/migrations.js';
import { escapeLike, type SearchConditions, searchUserBatches } from './repository.js';

describe('escapeLike', () => {
  it('escapes the LIKE wildcards and the escape character', () => {
    expect(escapeLike('100%_a\\b')).toBe('100\\%\\_a\\\\b');
    expect(escapeLike('普通の名前')).toBe('普通の名前');
  });
});

describe('searchUserBatches (CSV export reading)', () => {
  let store: Store;
  const conditions: SearchConditions = {
    operatorCode: 'B001',
    userIdPrefix: '',
    userName: '',
    enabled: null,
    showDeleted: true,
  };
  beforeAll(async () => {
    store = openStore({ sqliteFile: ':memory:' });
    await migrateToLatest(store.db, store.dialect);
    const now = '2026-04-01T00:00:00.000Z';
    await store.db
      .insertInto('operators')
      .values([
        { operator_code: 'B001', operator_name: '株式会社B001', created_at: now },
        { operator_code: 'B002', operator_name: '株式会社B002', created_at: now },
      ])
      .execute();
    const row = (i: number, operatorCode: string) =>
      userRowValues({
        userId: `U${operatorCode === 'B001' ? 1 : 2}${String(i).padStart(8, '0')}`,
        operatorCode,
        userName: `利用者${i}`,
        email: `u${i}@example.jp`,
        passwordHash: 'not-a-login-hash',
        now,
        deleted: i % 2 === 1,
      });
    // Inserted out of order: the batches must still come in user_id order.
    for (let start = 1233; start >= 0; start -= 100) {
      const rows = [];
      for (let i = Math.max(0, start - 99); i <= start; i++) rows.push(row(i, 'B001'), row(i, 'B002'));
      await store.db.insertInto('users').values(rows).execute();
    }
  });
  afterAll(async () => {
    await store?.close();
  });

  it('reads every matching row once, in user_id order, in batches of the given size', async () => {
    const sizes: number[] = [];
    const ids: string[] = [];
    for await (const batch of searchUserBatches(store.db, 'B001', conditions, 500)) {
      sizes.push(batch.length);
      ids.push(...batch.map((u) => u.userId));
    }
    expect(sizes).toEqual([500, 500, 234]);
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(1234);
    expect(ids.every((id) => id.startsWith('U1'))).toBe(true);
  });

  it('is lazy: a consumer that stops early has read only the batches it pulled', async () => {
    const iterator = searchUserBatches(store.db, 'B001', conditions, 100);
    const first = await iterator.next();
    expect(first.done).toBe(false);
    expect((first.value as unknown[]).length).toBe(100);
    await iterator.return(undefined);
    expect((await iterator.next()).done).toBe(true);
  });

  it('applies the conditions to every batch and stays within the viewer’s operator', async () => {
    let count = 0;
    for await (const batch of searchUserBatches(
      store.db,
      'B001',
      { ...conditions, showDeleted: false },
      200,
    )) {
      expect(batch.every((u) => !u.deleted && u.operatorCode === 'B001')).toBe(true);
      count += batch.length;
    }
    expect(count).toBe(617);
    const foreign = searchUserBatches(store.db, 'B001', { ...conditions, operatorCode: 'B002' });
    expect((await foreign.next()).done).toBe(true);
  });
});
