import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  Kysely,
  PostgresDialect,
  type PostgresPool,
  type PostgresPoolClient,
  SqliteDialect,
  type SqliteDialectConfig,
  type SqliteStatement,
  sql,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { statementName } from './statement-names.js';

/** Prepared statements kept per SQL text; the queries of this app are a few dozen shapes. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver prepares every query anew; preparing was 15 % of a list page's
 * CPU under load (docs/performance.md). This keeps the statements of recent SQL texts
 * (least recently used dropped first). Reuse is safe: the driver runs one query at a time
 * on its one connection, and each statement is run to completion (`all` or `run`).
 *
 * Rows are read as arrays and made objects here: better-sqlite3 looks up each column's
 * name for every row it makes an object of (6 % of the list page's event loop under load,
 * docs/performance.md). The objects are the same (a later column of the same name wins,
 * as there).
 */
function withStatementCache(database: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sqlText: string) {
      let statement = cache.get(sqlText);
      if (statement) {
        cache.delete(sqlText);
      } else {
        statement = rowsAsArrays(database.prepare(sqlText));
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      cache.set(sqlText, statement);
      return statement;
    },
  };
}

function rowsAsArrays(statement: SqliteDatabase.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  const names = statement.columns().map((column) => column.name);
  const raw = statement.raw(true);
  const toObject = (row: unknown[]): Record<string, unknown> => {
    const object: Record<string, unknown> = {};
    for (let c = 0; c < names.length; c++) object[names[c]!] = row[c];
    return object;
  };
  return {
    reader: true,
    all: (parameters) => (raw.all(parameters) as unknown[][]).map(toObject),
    run: (parameters) => raw.run(parameters),
    *iterate(parameters) {
      for (const row of raw.iterate(parameters) as IterableIterator<unknown[]>) yield toObject(row);
    },
  };
}

export type DialectName = 'sqlite' | 'postgres';

/** The database or an open transaction: what repositories take as their first argument. */
export type Db = Kysely<Database> | Transaction<Database>;

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where the data lives, for logs (never a password). */
  describe: string;
  close(): Promise<void>;
}

export type StoreOptions = { databaseUrl: string } | { sqliteFile: string };

/** Opens SQLite (embedded default) or PostgreSQL behind one Kysely instance. */
export function openStore(options: StoreOptions): Store {
  if ('databaseUrl' in options) return openPostgres(options.databaseUrl);
  return openSqlite(options.sqliteFile);
}

function openSqlite(file: string): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const database = new SqliteDatabase(file);
  // WAL with synchronous=FULL: a commit is on disk before it returns (durable commits).
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return {
    db,
    dialect: 'sqlite',
    describe: file === ':memory:' ? 'SQLite (in memory)' : `SQLite ${file}`,
    close: () => db.destroy(),
  };
}

function openPostgres(url: string): Store {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server must not crash the process; the next query
  // reports the outage (and /healthz answers 503). The warning names no credentials.
  pool.on('error', (error) => {
    process.emitWarning(`PostgreSQL idle client error: ${error.message}`, 'DatabaseWarning');
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withNamedStatements(pool) }) });
  const safe = new URL(url);
  safe.password = '';
  return {
    db,
    dialect: 'postgres',
    describe: `PostgreSQL ${safe.host}${safe.pathname}`,
    close: () => db.destroy(),
  };
}

/**
 * Statements run as named prepared statements where `statementName` says so
 * (src/db/statement-names.ts): each connection parses them once. After five runs PostgreSQL
 * may keep a generic plan; the searches are written so that the generic plan reads the
 * operator's index range too (tests/integration/users-search-plans.test.ts).
 */
function withNamedStatements(pool: pg.Pool): PostgresPool {
  // One wrapper per pooled connection, made when it is first lent, not at every query.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  function wrap(client: pg.PoolClient): PostgresPoolClient {
    // Kysely passes SQL text and values (no cursor is configured for the dialect).
    const query = (text: string, values: readonly unknown[]) =>
      client.query({ name: statementName(text), text, values: [...values] });
    return {
      query: query as unknown as PostgresPoolClient['query'],
      release: (destroy?: boolean) => client.release(destroy),
    };
  }
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

/** True when the database answers a trivial query. */
export async function pingStore(store: Store): Promise<boolean> {
  try {
    await sql`select 1`.execute(store.db);
    return true;
  } catch {
    return false;
  }
}
