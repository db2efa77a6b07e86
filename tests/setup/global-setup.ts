import pg from 'pg';
import type { TestProject } from 'vitest/node';

export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres:postgres@127.0.0.1:5432/postgres';

/**
 * Decides once per run whether the PostgreSQL half of the integration tests can run.
 * Without a server the SQLite half still runs and the skip is said plainly; with
 * REQUIRE_POSTGRES=1 (CI) a missing server fails the run instead.
 */
export default async function setup(project: TestProject): Promise<void> {
  const url = process.env.TEST_DATABASE_URL ?? DEFAULT_TEST_DATABASE_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  let available = false;
  let reason = '';
  try {
    await client.connect();
    await client.query('select 1');
    available = true;
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
  } finally {
    await client.end().catch(() => {});
  }
  if (!available) {
    if (process.env.REQUIRE_POSTGRES === '1') {
      throw new Error(`REQUIRE_POSTGRES=1 but PostgreSQL is not reachable at ${redact(url)}: ${reason}`);
    }
    process.stdout.write(
      `\n*** PostgreSQL not reachable at ${redact(url)} (${reason}).\n` +
        '*** The PostgreSQL runs of the integration tests are SKIPPED; only SQLite runs.\n' +
        '*** Start PostgreSQL (see README) or set TEST_DATABASE_URL to run both.\n\n',
    );
  }
  project.provide('postgresUrl', available ? url : '');
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}
