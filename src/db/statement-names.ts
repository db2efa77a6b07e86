/**
 * Which SQL texts run on PostgreSQL as named prepared statements. PostgreSQL parses and
 * plans a statement sent without a name every time it runs; with a name, each connection
 * parses it once and may keep its plan. Parsing and planning were most of PostgreSQL's CPU
 * for a list page and for a login (docs/performance.md).
 *
 * Named: the precompiled queries (the session, the list, the detail, the login's user),
 * and any other text once it has run a few times, as pgjdbc's `prepareThreshold` does. A
 * text run once (a migration, a maintenance command) stays unnamed. The numbers are
 * bounded, so no connection collects statements without limit: the app's SQL is a few
 * hundred texts at most.
 */

/** Runs of a text before it is named. */
const RUNS_BEFORE_NAMING = 3;
/** Named statements at most (each connection parses each of them once). */
const MAX_NAMES = 500;
/** Texts whose runs are counted, at most. */
const MAX_COUNTED = 5_000;

const names = new Map<string, string>();
const runs = new Map<string, number>();

function assign(sqlText: string): string | undefined {
  if (names.size >= MAX_NAMES) return undefined;
  const name = `cmus_${names.size + 1}`;
  names.set(sqlText, name);
  runs.delete(sqlText);
  return name;
}

/** A precompiled query's text: named from its first run. */
export function nameStatement(sqlText: string): void {
  if (!names.has(sqlText)) assign(sqlText);
}

/** The name to run `sqlText` under, or undefined to run it unnamed (counting the run). */
export function statementName(sqlText: string): string | undefined {
  const name = names.get(sqlText);
  if (name) return name;
  const seen = (runs.get(sqlText) ?? 0) + 1;
  if (seen >= RUNS_BEFORE_NAMING) return assign(sqlText);
  if (runs.has(sqlText) || runs.size < MAX_COUNTED) runs.set(sqlText, seen);
  return undefined;
}
