import type { FastifyInstance } from 'fastify';
import { tokenPurpose } from '../action.js';
import { type OneUserAction, oneUserActionRoute } from '../one-user-action.js';
import { findOperatorUserWithFactor, hasEnabledSecondFactor, type UserWithFactor } from '../repository.js';
import { detailLink, LIST_LINK } from '../shared-views.js';
import { assertSecondFactorResettable, resetSecondFactor } from './service.js';
import { RESET_COMPLETE_TITLE, RESET_CONFIRM_TITLE, resetRows } from './views.js';

/** 二要素認証リセット on ユーザ情報詳細画面: the user and whether they have a factor, read in one query. */
const RESET: OneUserAction<UserWithFactor> = {
  path: 'second-factor-reset',
  receipt: 'secondFactorReset',
  audit: 'secondFactorReset',
  purpose: tokenPurpose.secondFactorReset,
  load: findOperatorUserWithFactor,
  rows: (user, operatorName) => resetRows(user, operatorName, user.secondFactor),
  check: (user) => assertSecondFactorResettable(user, user.secondFactor),
  execute: (app, ctx) => resetSecondFactor(app.store.db, ctx),
  danger: true,
  via: [],
  confirmTitle: RESET_CONFIRM_TITLE,
  completeTitle: RESET_COMPLETE_TITLE,
  confirm: 'info.secondFactorReset.confirm',
  complete: 'info.secondFactorReset.complete',
  // The user as stored now, their second factor too (reads only).
  result: async (after, operatorName, db) => ({
    rows: resetRows(after, operatorName, await hasEnabledSecondFactor(db, after.userId)),
    links: [detailLink(after.userId), LIST_LINK],
  }),
};

/**
 * SPEC D-22 (issue 10 item 4): 二要素認証リセット, posted by the detail page with the
 * token of `secondFactorReset:<id>` and confirmed=1 after the browser's dialog, otherwise
 * a confirmation page asks first (D-15); 実行 answers 303 to its completion page
 * (Post/Redirect/Get, one-user-action.tsx). Admin-only (manage-routes.tsx); the target is of
 * the admin's own operator or a 404 (SPEC §2).
 */
export async function userSecondFactorRoutes(app: FastifyInstance): Promise<void> {
  oneUserActionRoute(app, RESET);
}
