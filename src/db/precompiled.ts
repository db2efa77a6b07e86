import { type Compilable, type CompiledQuery, createQueryId, type DialectAdapter } from 'kysely';
import type { Db } from './connect.js';

/**
 * A query of a fixed shape, built and compiled once per database and then run with new
 * values. Building and compiling a Kysely query took about 10 µs each time, a tenth of a
 * list page's CPU with its four queries (docs/performance.md); the pages every request
 * runs (the session, the list) use this instead.
 *
 * `build` receives a `param(name)` that stands for a value: it must reach the SQL as a
 * bound parameter (`where(col, '=', param('x'))`, `limit(param('n'))`, `sql` template
 * values), never as SQL text. The values differ between calls; the SQL text does not.
 */
export interface Precompiled<P extends Record<string, unknown>, R> {
  (db: Db, params: P): Promise<R[]>;
  /** The query as it runs on `db` with `params` (for plan checks). */
  compileFor(db: Db, params: P): CompiledQuery<R>;
}

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
  build: (db: Db, param: <K extends keyof P & string>(name: K) => P[K]) => Compilable<R>,
): Precompiled<P, R> {
  // One compiled form per dialect (SQLite and PostgreSQL differ in placeholders), keyed
  // by the dialect's adapter, which a database's transactions share with it.
  const cache = new WeakMap<DialectAdapter, Compiled<R>>();

  function compiledFor(db: Db): Compiled<R> {
    const key = db.getExecutor().adapter;
    let compiled = cache.get(key);
    if (!compiled) {
      const query = build(db, (name) => new Slot(name) as never).compile();
      compiled = {
        query,
        slots: query.parameters.map((value) =>
          value instanceof Slot ? { name: value.name } : { constant: value },
        ),
      };
      cache.set(key, compiled);
    }
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
