/**
 * The benchmark's own database: an SQLite file in the run's directory, or, when
 * DATABASE_URL names a PostgreSQL server, a fresh database cmus_bench_<random> on it,
 * dropped at the end.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { openStore, type Store } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrations.js';

export interface BenchDatabase {
  kind: 'sqlite' | 'postgres';
  /** DATA_DIR for the server (SQLite file, .eml mails). */
  dataDir: string;
  /** DATABASE_URL for the server, on PostgreSQL. */
  databaseUrl: string | undefined;
  /** For the report: never a password. */
  describe: string;
  /** A migrated store for filling; close it before the server starts. */
  open(): Promise<Store>;
  /** Removes the database (the SQLite files, or DROP DATABASE). */
  remove(): Promise<void>;
}

/** The server URL with its password hidden, and the database name replaced. */
function withDatabase(url: string, name: string): URL {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u;
}

function redacted(url: URL): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

export async function createBenchDatabase(
  runDir: string,
  serverUrl: string | undefined,
): Promise<BenchDatabase> {
  const dataDir = path.join(runDir, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  if (!serverUrl) {
    const file = path.join(dataDir, 'user-management.sqlite');
    return {
      kind: 'sqlite',
      dataDir,
      databaseUrl: undefined,
      describe: `SQLite ${file}`,
      async open() {
        const store = openStore({ sqliteFile: file });
        await migrateToLatest(store.db, store.dialect);
        return store;
      },
      async remove() {
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
      },
    };
  }

  const name = `cmus_bench_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(serverUrl, name);
  return {
    kind: 'postgres',
    dataDir,
    databaseUrl: url.toString(),
    describe: `PostgreSQL ${redacted(url)}`,
    async open() {
      const store = openStore({ databaseUrl: url.toString() });
      await migrateToLatest(store.db, store.dialect);
      return store;
    },
    async remove() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The PostgreSQL server's version, for the report. */
export async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version ?? 'unknown';
  } finally {
    await client.end();
  }
}
