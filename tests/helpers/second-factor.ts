import type { FactoryContext } from './factories.js';

/** Rows of a user's second factor (SPEC D-22) written directly, for tests whose subject is not the enrolment. */

/**
 * An authenticator app of the user: enabled (its first code confirmed) unless
 * `enabled: false`, an enrolment still waiting for that code. The secret is a stand-in.
 */
export async function plantTotpFactor(
  ctx: FactoryContext,
  userId: string,
  options: { enabled?: boolean } = {},
): Promise<void> {
  const at = ctx.clock.now().toISOString();
  await ctx.store.db
    .insertInto('totp_factors')
    .values({
      user_id: userId,
      secret: 'v1.sealed',
      created_at: at,
      enabled_at: options.enabled === false ? null : at,
      last_used_step: null,
    })
    .execute();
}

/** A passkey of the user, never used, with a stand-in public key. */
export async function plantPasskey(
  ctx: FactoryContext,
  userId: string,
  values: { credentialId: string; userHandle: string; name: string },
): Promise<void> {
  await ctx.store.db
    .insertInto('passkeys')
    .values({
      user_id: userId,
      credential_id: values.credentialId,
      public_key: 'pQECAyYgASFYIA',
      counter: 0,
      transports: 'internal',
      backup_eligible: 0,
      backed_up: 0,
      aaguid: '00000000-0000-0000-0000-000000000000',
      user_handle: values.userHandle,
      name: values.name,
      created_at: ctx.clock.now().toISOString(),
      last_used_at: null,
    })
    .execute();
}
