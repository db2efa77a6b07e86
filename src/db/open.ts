import path from 'node:path';
import type { Config } from '../config.js';
import { openStore, type Store } from './connect.js';
import { migrateToLatest } from './migrations.js';

/** The store the configuration names (PostgreSQL when DATABASE_URL is set), migrated. */
export async function openConfiguredStore(config: Config): Promise<Store> {
  const store = config.databaseUrl
    ? openStore({ databaseUrl: config.databaseUrl })
    : openStore({ sqliteFile: path.join(config.dataDir, 'user-management.sqlite') });
  try {
    await migrateToLatest(store.db, store.dialect);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
