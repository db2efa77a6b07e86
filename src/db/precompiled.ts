import {
  type Compilable,
  type CompiledQuery,
  createQueryId,
  type DialectAdapter,
  type KyselyPlugin,
  type RawBuilder,
  SqliteAdapter,
  sql,
} from 'kysely';
import type { Db } from './connect.js';
import { nameStatement } from './statement-names.js';

/**
 * A query of a fixed shape, built and compiled once per database and then run with new
 * values. Building and compiling a Kysely query took about 10 µs each time, a tenth of a
 * list page's CPU with its four queries (docs/performance.md); the pages every request
 * runs (the session, the list) use this instead.
 *
 * `build` receives a `param(name)` that stands for a value: it must reach the SQL as a
 * bound parameter (`where(col, '=', param('x'))`, `limit(param('n'))`, `sql` template
 * values), never as SQL text. The values differ between calls; the SQL text does not.
 * Plugins see the query when it is compiled (their `transformQuery`, once) and every
 * result (`transformResult`).
 */
export interface Precompiled<P extends Record<string, unknown>, R> {
  (db: Db, params: P): Promise<R[]>;
  /** The query as it runs on `db` with `params` (for plan checks). */
  compileFor(db: Db, params: P): CompiledQuery<R>;
}

/** What `build` receives to stand for a value of `P`. */
export type Param<P extends Record<string, unknown>> = <K extends keyof P & string>(name: K) => P[K];

/** A parameter's stand-in: an object no caller's value can equal. */
class Slot {
  constructor(readonly name: string) {}
}

interface Compiled<R> {
  query: CompiledQuery<R>;
  /** For each bound parameter: the name of the value it takes, or the constant it had. */
  slots: ({ name: string } | { constant: unknown })[];
}

export function precompile<P extends Record<string, unknown>, R>(
  build: (db: Db, param: Param<P>) => Compilable<R>,
): Precompiled<P, R> {
  // One compiled form per dialect and set of plugins: SQLite and PostgreSQL differ in
  // placeholders, and a plugin may rewrite a query when it is compiled. A database's
  // transactions share its adapter and its plugins (in a list of their own).
  const cache = new WeakMap<DialectAdapter, { plugins: readonly KyselyPlugin[]; compiled: Compiled<R> }[]>();

  function compiledFor(db: Db): Compiled<R> {
    const { adapter, plugins } = db.getExecutor();
    let entries = cache.get(adapter);
    if (!entries) {
      entries = [];
      cache.set(adapter, entries);
    }
    const same = (other: readonly KyselyPlugin[]) =>
      other.length === plugins.length && other.every((plugin, i) => plugin === plugins[i]);
    const found = entries.find((entry) => same(entry.plugins));
    if (found) return found.compiled;
    const query = build(db, (name) => new Slot(name) as never).compile();
    nameStatement(query.sql);
    const compiled: Compiled<R> = {
      query,
      slots: query.parameters.map((value) =>
        value instanceof Slot ? { name: value.name } : { constant: value },
      ),
    };
    entries.push({ plugins: [...plugins], compiled });
    return compiled;
  }

  function bound(db: Db, params: P): CompiledQuery<R> {
    const { query, slots } = compiledFor(db);
    return {
      query: query.query,
      queryId: createQueryId(),
      sql: query.sql,
      parameters: slots.map((slot) => ('name' in slot ? params[slot.name] : slot.constant)),
    };
  }

  const run = async (db: Db, params: P): Promise<R[]> => (await db.executeQuery(bound(db, params))).rows;
  return Object.assign(run, { compileFor: bound });
}

/**
 * A bound value the SQLite planner cannot look at: `(select ?)` on SQLite, the value
 * itself on PostgreSQL. Once ANALYZE has gathered statistics (sqlite_stat4), SQLite plans
 * `column = ?` for the value bound, marks the statement as depending on it, and parses
 * and plans it again every time a value is bound: the list's page query spent 40 % of its
 * time there (docs/performance.md). A scalar subquery hides the value, so the statement
 * keeps the one plan it was prepared with, which reads the index range all the same
 * (tests/integration/users-search-plans.test.ts). PostgreSQL plans prepared statements
 * its own way (src/db/statement-names.ts). For the same reason a fixed LIMIT is written
 * as a literal (`sql.lit`): SQLite reads a bound LIMIT when it plans.
 */
export function planIndependent<T>(db: Db, value: T): T | RawBuilder<T> {
  return db.getExecutor().adapter instanceof SqliteAdapter ? sql<T>`(select ${value})` : value;
}
