import type { Db } from '../../db/connect.js';
import { japanDate, temporaryPasswordExpiry } from '../../lib/japan-time.js';
import { generateTemporaryPassword, hashPassword } from '../../lib/passwords.js';
import { queueNotice } from '../mail/notices.js';
import { normaliseText, type Role, toSearchKey, type User } from './model.js';
import { generateUserId, insertUser } from './repository.js';

export interface IssuedCredentials {
  user: User;
  temporaryPassword: string;
  expiresAt: Date;
}

/**
 * Creates a user with a random temporary password and queues its registration notice,
 * in the caller's transaction. The one place a user row is born (CLI, register, bulk).
 */
export async function createUserWithTemporaryPassword(
  db: Db,
  input: {
    userName: string;
    department: string;
    email: string;
    operatorCode: string;
    role: Role;
    phone?: string | null;
    validFrom?: string;
    validTo?: string;
    userId?: string;
    actor: User | null;
    now: Date;
    /** False when the caller queues the notice itself (see addOperator). */
    notify?: boolean;
  },
): Promise<IssuedCredentials> {
  const temporaryPassword = generateTemporaryPassword();
  const expiresAt = temporaryPasswordExpiry(input.now);
  const at = input.now.toISOString();
  const userId = input.userId ?? (await generateUserId(db));
  const userName = normaliseText(input.userName);
  const user = await insertUser(db, {
    user_id: userId,
    operator_code: input.operatorCode,
    role: input.role,
    department: normaliseText(input.department),
    user_name: userName,
    user_name_key: toSearchKey(userName),
    phone: input.phone ?? null,
    email: input.email,
    enabled: 1,
    valid_from: input.validFrom ?? japanDate(input.now),
    valid_to: input.validTo ?? '9999-12-31',
    locked: 0,
    failed_login_count: 0,
    deleted: 0,
    deleted_at: null,
    password_hash: await hashPassword(temporaryPassword),
    password_is_temporary: 1,
    temporary_password_expires_at: expiresAt.toISOString(),
    password_changed_at: at,
    version: 1,
    created_at: at,
    updated_at: at,
  });
  if (input.notify !== false) {
    await queueNotice(db, {
      event: 'registered',
      at: input.now,
      user,
      actor: input.actor,
      temporaryPassword,
      expiresAt,
    });
  }
  return { user, temporaryPassword, expiresAt };
}
