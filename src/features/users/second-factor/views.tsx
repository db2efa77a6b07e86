import type { User } from '../model.js';
import { userDetailRowsWithFactor } from '../presenters.js';

export const RESET_CONFIRM_TITLE = '二要素認証リセット確認画面';
export const RESET_COMPLETE_TITLE = '二要素認証リセット完了画面';

/** The user's rows with whether they have a second factor, as every screen of the reset shows them. */
export const resetRows = (user: User, operatorName: string, secondFactor: boolean) =>
  userDetailRowsWithFactor(user, operatorName, secondFactor);
