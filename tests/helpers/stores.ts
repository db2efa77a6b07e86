import crypto from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { openStore, type Store } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrations.js';

export type StoreKind = 'sqlite' | 'postgres';

/** The stores integration tests run against; PostgreSQL only when the server answers. */
export const storeKinds: { kind: StoreKind; skip: boolean }[] = [
  { kind: 'sqlite', skip: false },
  { kind: 'postgres', skip: !inject('postgresUrl') },
];

/**
 * A fresh, migrated database for one test file: SQLite in memory, or a PostgreSQL
 * database of its own that is dropped afterwards.
 */
export async function openTestStore(
  kind: StoreKind,
): Promise<Store & { url?: string; drop(): Promise<void> }> {
  if (kind === 'sqlite') {
    const store = openStore({ sqliteFile: ':memory:' });
    await migrateToLatest(store.db, store.dialect);
    return { ...store, drop: () => store.close() };
  }
  const adminUrl = inject('postgresUrl');
  const name = `cmus_test_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const store = openStore({ databaseUrl: url.toString() });
  await migrateToLatest(store.db, store.dialect);
  return {
    ...store,
    url: url.toString(),
    async drop() {
      await store.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
