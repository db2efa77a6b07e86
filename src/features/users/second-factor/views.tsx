import type { VNode } from 'preact';
import { DetailTable } from '../../../web/layout.js';
import type { User } from '../model.js';
import { userDetailRowsWithFactor } from '../presenters.js';
import { ConfirmLayout, crumbs, DialogAnswers, LIST_LINK, type PageBase } from '../shared-views.js';

export const RESET_CONFIRM_TITLE = '二要素認証リセット確認画面';
export const RESET_COMPLETE_TITLE = '二要素認証リセット完了画面';

/** The user's rows with whether they have a second factor, as every screen of the reset shows them. */
export const resetRows = (user: User, operatorName: string, secondFactor: boolean) =>
  userDetailRowsWithFactor(user, operatorName, secondFactor);

/**
 * 二要素認証リセット確認画面: the confirmation a browser without JavaScript gets instead of
 * the dialog (D-15), answered with the dialog's キャンセル and OK; OK posts the same
 * token with confirmed=1.
 */
export function SecondFactorResetConfirmPage(props: {
  page: PageBase;
  user: User;
  operatorName: string;
  token: string;
  /** Already executed (back from the completion page): said so, and no OK; the factor as it is now. */
  executed?: { secondFactor: boolean };
}): VNode {
  const { user } = props;
  return (
    <ConfirmLayout
      page={props.page}
      title={RESET_CONFIRM_TITLE}
      breadcrumbs={crumbs.detail(user.userId, RESET_CONFIRM_TITLE)}
      question={{ id: 'info.secondFactorReset.confirm' }}
      executed={props.executed !== undefined}
      executedLinks={[
        { href: `/users/${encodeURIComponent(user.userId)}`, label: 'ユーザ情報詳細画面へ' },
        LIST_LINK,
      ]}
      answers={
        <DialogAnswers
          cancelHref={`/users/${encodeURIComponent(user.userId)}`}
          action={`/users/${encodeURIComponent(user.userId)}/second-factor-reset`}
          csrfToken={props.page.csrfToken}
          token={props.token}
          danger
        />
      }
    >
      <DetailTable rows={resetRows(user, props.operatorName, props.executed?.secondFactor ?? true)} />
    </ConfirmLayout>
  );
}
