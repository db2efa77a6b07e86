import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore, type Store } from './connect.js';
import { precompile } from './precompiled.js';

describe('precompile', () => {
  let store: Store;
  beforeAll(async () => {
    store = openStore({ sqliteFile: ':memory:' });
    await sql`create table t (id integer primary key, name text, kind text)`.execute(store.db);
    await sql`insert into t values (1, 'a', 'x'), (2, 'b', 'x'), (3, 'c', 'y'), (4, 'd', 'x')`.execute(
      store.db,
    );
  });
  afterAll(() => store.close());

  const byKind = precompile<{ kind: string; after: number; limit: number }, { id: number; name: string }>(
    (db, param) =>
      // The constant 'z' stays a bound constant; the three params change per call.
      (db as unknown as Kysely<{ t: { id: number; name: string; kind: string } }>)
        .selectFrom('t')
        .select(['id', 'name'])
        .where('kind', '=', param('kind'))
        .where('kind', '!=', 'z')
        .where('id', '>', param('after'))
        .orderBy('id')
        .limit(param('limit')),
  );

  it('runs the one compiled query with each call’s values', async () => {
    expect(await byKind(store.db, { kind: 'x', after: 0, limit: 10 })).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
      { id: 4, name: 'd' },
    ]);
    expect(await byKind(store.db, { kind: 'x', after: 1, limit: 1 })).toEqual([{ id: 2, name: 'b' }]);
    expect(await byKind(store.db, { kind: 'y', after: 0, limit: 10 })).toEqual([{ id: 3, name: 'c' }]);
  });

  it('compiles once per dialect, transactions included', async () => {
    const compile = vi.fn((db: Parameters<Parameters<typeof precompile>[0]>[0]) =>
      db.selectNoFrom(sql<number>`1`.as('one')),
    );
    const one = precompile<Record<string, never>, { one: number }>(compile);
    await one(store.db, {});
    await one(store.db, {});
    await store.db.transaction().execute((tx) => one(tx, {}));
    expect(compile).toHaveBeenCalledTimes(1);
    // A database with a plugin of its own compiles its own, through the plugin.
    const seen: string[] = [];
    const withPlugin = store.db.withPlugin({
      transformQuery: (args) => {
        seen.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    await one(withPlugin, {});
    await one(withPlugin, {});
    expect(compile).toHaveBeenCalledTimes(2);
    expect(seen).toEqual(['SelectQueryNode']);
  });

  it('binds values, never splices them into the SQL', async () => {
    const rows = await byKind(store.db, { kind: "x' or '1'='1", after: 0, limit: 10 });
    expect(rows).toEqual([]);
    const compiled = byKind.compileFor(store.db, { kind: 'x', after: 2, limit: 5 });
    expect(compiled.sql).not.toContain("'x'");
    expect(compiled.parameters).toEqual(['x', 'z', 2, 5]);
  });
});
