import type { Kysely } from 'kysely';
import type { Db } from '../../db/connect.js';
import type { Database } from '../../db/schema.js';
import type { MessageId } from '../../lib/messages.js';
import { hashPassword, verifyPassword } from '../../lib/passwords.js';
import { recordAudit } from '../audit/service.js';
import type { User } from '../users/model.js';
import { recentPasswordHashes, revokeUserSessions } from '../users/repository.js';
import { currentPasswordHash, replacePassword } from './login-repository.js';
import { passwordPolicyProblems } from './password-policy.js';
import type { RequestContext } from './request-context.js';
import { createSession, type PreviousLogin } from './sessions.js';

/** SPEC D-13: a new password may not equal the current one or one of the three previous. */
const PASSWORD_HISTORY_DEPTH = 3;

/** The problems of each field of the password change form (the new password's, all at once). */
export type PasswordChangeErrors = Partial<
  Record<'currentPassword' | 'newPassword' | 'confirmPassword', MessageId[]>
>;

interface PasswordChangeInput extends RequestContext {
  user: User;
  sessionId: string;
  /** The current session's 前回ログイン, carried to the session that replaces it. */
  previousLogin?: PreviousLogin | null;
  currentPassword: string;
  newPassword: string;
  confirmPassword: string;
}

/** Whether the password is the user's current one (one argon2 verification). */
export async function verifyOwnPassword(db: Db, userId: string, password: string): Promise<boolean> {
  if (!password) return false;
  return verifyPassword(await currentPasswordHash(db, userId), password);
}

/**
 * SPEC §4.10 own password change. On success the user's other sessions end and the
 * current one is replaced by a new session (returned token). A refusal names every
 * problem at once (D-13: all the rules the new password breaks, a mismatch, a wrong
 * current password); only the comparison with the previous passwords waits until the
 * current password is known to be right, so that nobody can test guesses against them.
 */
export async function changeOwnPassword(
  db: Kysely<Database>,
  input: PasswordChangeInput,
): Promise<{ ok: true; token: string } | { ok: false; errors: PasswordChangeErrors }> {
  const errors = formProblems(input);
  const hash = await currentPasswordHash(db, input.user.userId);
  if (input.currentPassword && !(await verifyPassword(hash, input.currentPassword))) {
    await recordPasswordChangeAudit(db, input, 'failure', { reason: 'currentPasswordWrong' });
    errors.currentPassword = ['error.password.currentWrong'];
  }
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  if (await reusesRecentPassword(db, input.user.userId, hash, input.newPassword)) {
    return { ok: false, errors: { newPassword: ['error.password.reused'] } };
  }

  const newHash = await hashPassword(input.newPassword);
  return db.transaction().execute(async (tx) => {
    const { user } = input;
    await replacePassword(tx, { userId: user.userId, oldHash: hash, newHash, now: input.now });
    // A new password ends every session of the user; this browser gets a fresh one.
    await revokeUserSessions(tx, user.userId);
    const { token } = await createSession(tx, {
      userId: user.userId,
      ip: input.ip,
      userAgent: input.userAgent,
      now: input.now,
      previousLogin: input.previousLogin ?? null,
    });
    await recordPasswordChangeAudit(tx, input, 'success', { wasTemporary: user.passwordIsTemporary });
    return { ok: true, token } as const;
  });
}

/** What the form shows wrong before the current password is checked: empty fields, D-13, a mismatch. */
function formProblems(input: PasswordChangeInput): PasswordChangeErrors {
  const errors: PasswordChangeErrors = {};
  if (!input.currentPassword) errors.currentPassword = ['error.password.required'];
  if (!input.newPassword) errors.newPassword = ['error.password.required'];
  if (!input.confirmPassword) errors.confirmPassword = ['error.password.required'];
  if (input.newPassword) {
    const problems = passwordPolicyProblems(input.newPassword, input.user);
    if (problems.length > 0) errors.newPassword = problems;
  }
  if (input.newPassword && input.confirmPassword && input.newPassword !== input.confirmPassword) {
    errors.confirmPassword = ['error.password.mismatch'];
  }
  return errors;
}

/** D-13: whether the new password is the current one or one of the previous three. */
async function reusesRecentPassword(db: Db, userId: string, currentHash: string, password: string) {
  const previous = [currentHash, ...(await recentPasswordHashes(db, userId, PASSWORD_HISTORY_DEPTH))];
  for (const old of previous) {
    if (await verifyPassword(old, password)) return true;
  }
  return false;
}

function recordPasswordChangeAudit(
  db: Db,
  input: PasswordChangeInput,
  outcome: 'success' | 'failure',
  detail: Record<string, unknown>,
) {
  return recordAudit(db, {
    at: input.now,
    action: 'changePassword',
    outcome,
    actorUserId: input.user.userId,
    operatorCode: input.user.operatorCode,
    ip: input.ip,
    targetUserId: input.user.userId,
    detail,
  });
}
