import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './connect.js';

describe('SQLite rows read as arrays (src/db/connect.ts)', () => {
  const store = openStore({ sqliteFile: ':memory:' });
  const direct = new SqliteDatabase(':memory:');
  afterAll(async () => {
    await store.close();
    direct.close();
  });

  it('gives the objects better-sqlite3 gives, names and values alike', async () => {
    const texts = [
      "select 1 as a, 'ユーザ' as b, null as c, 2.5 as d",
      // Two columns of one name: the later wins, as in better-sqlite3's objects.
      'select 1 as a, 2 as b, 3 as a',
      'select count(*), max(x) from (select 1 as x union all select 2)',
    ];
    for (const text of texts) {
      const { rows } = await sql.raw(text).execute(store.db);
      expect(rows, text).toEqual(direct.prepare(text).all());
    }
  });

  it('still reports what a write changed', async () => {
    await sql`create table t (id integer primary key, v text)`.execute(store.db);
    const result = await sql`insert into t (v) values ('x'), ('y')`.execute(store.db);
    expect(result.numAffectedRows).toBe(2n);
    expect(await sql`select v from t order by id`.execute(store.db)).toMatchObject({
      rows: [{ v: 'x' }, { v: 'y' }],
    });
  });
});
