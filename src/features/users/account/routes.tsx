import type { FastifyInstance } from 'fastify';
import { tokenPurpose } from '../action.js';
import type { User } from '../model.js';
import { type OneUserAction, oneUserActionRoute, PLAIN_TARGET } from '../one-user-action.js';
import { detailLink, LIST_LINK, resultRows } from '../shared-views.js';
import { assertReissuable, assertUnlockable, reissuePassword, unlockUser } from './service.js';

/** The completion page of both: the user as it is now, back to it or to the list. */
const result = (after: User, operatorName: string) => ({
  rows: resultRows(after, operatorName),
  links: [detailLink(after.userId), LIST_LINK],
});

/** The two detail-page actions on a user's account (SPEC §4.8, §4.9). */
const ACTIONS: OneUserAction[] = [
  {
    path: 'unlock',
    receipt: 'unlock',
    audit: 'unlock',
    ...PLAIN_TARGET,
    purpose: tokenPurpose.unlock,
    check: assertUnlockable,
    execute: (app, ctx) => unlockUser(app.store.db, ctx),
    via: [],
    confirmTitle: 'ユーザロック解除確認画面',
    completeTitle: 'ユーザロック解除完了画面',
    confirm: 'info.unlock.confirm',
    complete: 'info.unlock.complete',
    result,
  },
  {
    path: 'reissue',
    receipt: 'reissue',
    audit: 'reissuePassword',
    ...PLAIN_TARGET,
    purpose: tokenPurpose.reissue,
    check: assertReissuable,
    execute: async (app, ctx) => (await reissuePassword(app.store.db, ctx)).user,
    via: [],
    confirmTitle: 'パスワード再発行確認画面',
    completeTitle: 'パスワード再発行完了画面',
    confirm: 'info.reissue.confirm',
    complete: 'info.reissue.complete',
    result,
  },
];

/**
 * SPEC §4.8 unlock and §4.9 password reissue (manual ch. 8, 9), posted by the detail page
 * with the token of `unlock:<id>` / `reissue:<id>`.
 */
export async function userAccountRoutes(app: FastifyInstance): Promise<void> {
  for (const action of ACTIONS) oneUserActionRoute(app, action);
}
