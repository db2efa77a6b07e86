import type { Db } from '../../../db/connect.js';
import { queueNotice } from '../../mail/notices.js';
import { type ActionContext, consumeToken, loadTarget, recordActionAudit, tokenPurpose } from '../action.js';
import { SecondFactorNotEnabled, UserDeleted } from '../errors.js';
import type { User } from '../model.js';
import { deleteUserSecondFactor, revokeUserSessions } from '../repository.js';

/**
 * SPEC D-22, issue 10 item 4: an admin resets the second factor of a user of their
 * operator who lost the authenticator app and the recovery codes. The user then logs in
 * with the password alone and enrols again (or is sent to enrolment by the operator's
 * policy). Nobody removes their own factor this way: アカウント設定 asks for the password
 * and a code, and the detail page offers the reset (and its token) for other users only.
 */

/** The rule, told before the confirmation and checked again by 実行 in its transaction. */
export function assertSecondFactorResettable(user: User, secondFactor: boolean): void {
  if (user.deleted) throw new UserDeleted();
  if (!secondFactor) throw new SecondFactorNotEnabled();
}

/**
 * One transaction: the token used once, the target loaded within the actor's operator,
 * the authenticator app, its recovery codes, the passkeys and any waiting login deleted,
 * every session of the user ended (the next request of each is refused), the audit
 * record and the notice to the user and both admins (SPEC §5). A refusal rolls all of it
 * back, the token included.
 */
export async function resetSecondFactor(db: Db, ctx: ActionContext & { userId: string }): Promise<User> {
  return db.transaction().execute(async (tx) => {
    await consumeToken(tx, ctx, tokenPurpose.secondFactorReset(ctx.userId));
    const user = await loadTarget(tx, ctx, ctx.userId);
    if (user.deleted) throw new UserDeleted();
    // Deleting the factors is the check: a concurrent removal leaves nothing to reset.
    const removed = await deleteUserSecondFactor(tx, user.userId);
    if (!removed) throw new SecondFactorNotEnabled();
    const sessions = await revokeUserSessions(tx, user.userId);
    await recordActionAudit(tx, ctx, {
      action: 'secondFactorReset',
      targetUserId: user.userId,
      detail: {
        authenticatorApp: removed.authenticatorApp,
        recoveryCodesLeft: removed.recoveryCodesLeft,
        passkeys: removed.passkeys,
        sessions,
      },
    });
    await queueNotice(tx, { event: 'secondFactorReset', at: ctx.now, user, actor: ctx.actor });
    return user;
  });
}
