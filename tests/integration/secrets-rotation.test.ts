import * as OTPAuth from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import type { SecretKeySource } from '../../src/db/server-keys.js';
import {
  confirmEnrolment,
  pendingEnrolment,
  startEnrolment,
  useSecondFactorCode,
} from '../../src/features/auth/second-factor.js';
import { rotateSecretsKey } from '../../src/features/auth/secrets-rotation.js';
import { FakeClock } from '../../src/lib/clock.js';
import { newSecretKeyText, parseSecretKey, SecretUnreadable, sealedKeyId } from '../../src/lib/secret-box.js';
import { createUser } from '../helpers/factories.js';
import { openTestStore, storeKinds } from '../helpers/stores.js';

/** SPEC D-22: second-factor secrets sealed at rest, and the rotation of their key. */
describe.each(storeKinds)('secrets at rest and key rotation on $kind', ({ kind, skip }) => {
  let store: Awaited<ReturnType<typeof openTestStore>>;
  const clock = new FakeClock('2026-04-01T01:00:00.000Z');
  beforeAll(async () => {
    if (!skip) store = await openTestStore(kind);
  });
  afterAll(async () => {
    await store?.drop();
  });

  const none: SecretKeySource = { current: undefined, previous: [] };
  const ctx = () => ({ store, clock });

  /** A user with an enrolled app; returns the base32 secret. */
  async function enrolled(keys: SecretKeySource) {
    const user = await createUser(ctx());
    await startEnrolment(store.db, { user, keys, now: clock.now() });
    const { secret } = (await pendingEnrolment(store.db, { userId: user.userId, keys, now: clock.now() }))!;
    const code = OTPAuth.TOTP.generate({
      secret: OTPAuth.Secret.fromBase32(secret),
      timestamp: clock.now().getTime(),
    });
    const done = await confirmEnrolment(store.db, { user, code, keys, ip: '127.0.0.1', now: clock.now() });
    expect(done.ok).toBe(true);
    return { user, secret };
  }

  /** Whether the factor still checks a current code with these keys (each call one step later). */
  async function works(userId: string, secret: string, keys: SecretKeySource) {
    clock.advance(30_000);
    const code = OTPAuth.TOTP.generate({
      secret: OTPAuth.Secret.fromBase32(secret),
      timestamp: clock.now().getTime(),
    });
    return (await useSecondFactorCode(store.db, { userId, code, keys, now: clock.now() })) === 'totp';
  }

  async function sealedWith(userId: string) {
    const row = await store.db
      .selectFrom('totp_factors')
      .select('secret')
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return sealedKeyId(row.secret);
  }

  it.skipIf(skip)('rotates the database key, then moves to SECRETS_KEY, then rotates that', async () => {
    const { user, secret } = await enrolled(none);
    const first = await sealedWith(user.userId);
    expect(await works(user.userId, secret, none)).toBe(true);

    // Without SECRETS_KEY: a new key in the database, every secret re-sealed with it.
    const rotated = await rotateSecretsKey(store.db, none, clock.now());
    expect(rotated).toMatchObject({ keyLocation: 'database', resealed: 1, unchanged: 0 });
    expect(await sealedWith(user.userId)).not.toBe(first);
    expect(await works(user.userId, secret, none)).toBe(true);

    // To SECRETS_KEY: re-sealed with it, and the database key is gone.
    const env = parseSecretKey(newSecretKeyText())!;
    const moved = await rotateSecretsKey(store.db, { current: env, previous: [] }, clock.now());
    expect(moved).toMatchObject({ keyLocation: 'environment', keyId: env.id, resealed: 1 });
    expect(
      await store.db.selectFrom('server_keys').select('name').where('name', '=', 'secrets').execute(),
    ).toEqual([]);
    expect(await works(user.userId, secret, { current: env, previous: [] })).toBe(true);
    // Without the key the secret does not open.
    await expect(
      works(user.userId, secret, { current: parseSecretKey(newSecretKeyText())!, previous: [] }),
    ).rejects.toThrow(SecretUnreadable);

    // A new SECRETS_KEY with the old one as SECRETS_KEY_PREVIOUS.
    const next = parseSecretKey(newSecretKeyText())!;
    const again = await rotateSecretsKey(store.db, { current: next, previous: [env] }, clock.now());
    expect(again).toMatchObject({ resealed: 1, unchanged: 0 });
    expect(await works(user.userId, secret, { current: next, previous: [] })).toBe(true);
    // Run twice, nothing left to do.
    expect(await rotateSecretsKey(store.db, { current: next, previous: [] }, clock.now())).toMatchObject({
      resealed: 0,
      unchanged: 1,
    });
  });

  it.skipIf(skip)('a secret no known key opens stops the rotation and changes nothing', async () => {
    const lost = parseSecretKey(newSecretKeyText())!;
    const { user } = await enrolled({ current: lost, previous: [] });
    const before = await sealedWith(user.userId);
    await expect(
      rotateSecretsKey(store.db, { current: parseSecretKey(newSecretKeyText())!, previous: [] }, clock.now()),
    ).rejects.toThrow(SecretUnreadable);
    expect(await sealedWith(user.userId)).toBe(before);
  });
});

describe('secrets new-key', () => {
  it('prints a key that SECRETS_KEY accepts', async () => {
    let out = '';
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      out += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      expect(await runCli(['secrets', 'new-key'])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(parseSecretKey(out.trim())).toBeDefined();
  });
});
