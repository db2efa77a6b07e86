import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { DialectName } from './connect.js';
import { initial } from './migrations/001-initial.js';
import { actionTokenForm } from './migrations/002-action-token-form.js';
import { serverKeys } from './migrations/003-server-keys.js';
import { usersOperatorLive } from './migrations/004-users-operator-live.js';
import { signedActionTokens } from './migrations/005-signed-action-tokens.js';
import { secondFactor } from './migrations/006-second-factor.js';
import { passkeys } from './migrations/007-passkeys.js';
import { loginChallengePasswordOk } from './migrations/008-login-challenge-password-ok.js';
import type { AnyDb, IdColumn } from './migrations/kit.js';
import type { Database } from './schema.js';

/**
 * One set of migrations for both stores, one file each in migrations/, applied in the
 * order of their names. A migration once released is never changed: a change is a new one.
 */
function migrations(dialect: DialectName): Record<string, Migration> {
  // The one dialect difference: how an integer key numbers itself.
  const idColumn: IdColumn = (c) =>
    dialect === 'postgres' ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement();
  const step = (up: (db: AnyDb, idColumn: IdColumn) => Promise<void>): Migration => ({
    up: (db: AnyDb) => up(db, idColumn),
  });
  return {
    '001_initial': step(initial),
    '002_action_token_form': step(actionTokenForm),
    '003_server_keys': step(serverKeys),
    '004_users_operator_live': step(usersOperatorLive),
    '005_signed_action_tokens': step(signedActionTokens),
    '006_second_factor': step(secondFactor),
    '007_passkeys': step(passkeys),
    '008_login_challenge_password_ok': step(loginChallengePasswordOk),
  };
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<Database>, dialect: DialectName): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
