import type { VNode } from 'preact';
import { CsrfField, DetailTable, Layout } from '../../../web/layout.js';
import { USERS_CRUMBS, userDetailRowsWithFactor } from '../presenters.js';
import type { UserWithFactor } from '../repository.js';
import type { PageBase } from '../shared-views.js';
import { LIST_TITLE } from './export-views.js';

const DETAIL_TITLE = 'ユーザ情報詳細画面';

export interface DetailButtons {
  unlockToken?: string | undefined;
  reissueToken?: string | undefined;
  secondFactorResetToken?: string | undefined;
  passwordChange: boolean;
  change: boolean;
  delete: boolean;
}

/**
 * The detail screen's account actions (SPEC §4.8, §4.9, and the second factor's reset of
 * D-22), asked in the browser's dialog.
 */
const ACCOUNT_ACTIONS = [
  {
    path: 'unlock',
    token: 'unlockToken',
    question: 'ユーザロックを解除します。よろしいですか。',
    label: 'ユーザロック解除',
  },
  {
    path: 'reissue',
    token: 'reissueToken',
    question: 'パスワードを再発行します。よろしいですか。',
    label: 'パスワード再発行',
  },
  {
    path: 'second-factor-reset',
    token: 'secondFactorResetToken',
    question:
      '二要素認証（認証アプリ、リカバリーコード、パスキー）をリセットします。ログイン中のセッションは終了します。よろしいですか。',
    label: '二要素認証リセット',
  },
] as const;

/** A button that posts the action's token after the browser's dialog (D-15: a page asks without JS). */
function ConfirmedAction(props: {
  action: string;
  question: string;
  csrfToken: string;
  token: string;
  label: string;
}): VNode {
  return (
    <form method="post" action={props.action} data-confirm={props.question}>
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="confirmed" value="0" />
      <input type="hidden" name="token" value={props.token} />
      <button type="submit" class="button-secondary">
        {props.label}
      </button>
    </form>
  );
}

/** ユーザ情報詳細画面 (manual ch. 3 ④, SPEC §4.2), buttons in the manual's order. */
export function UserDetailPage(
  props: PageBase & { user: UserWithFactor; operatorName: string; buttons: DetailButtons; backHref: string },
): VNode {
  const { user, buttons } = props;
  const id = encodeURIComponent(user.userId);
  return (
    <Layout
      title={DETAIL_TITLE}
      auth={props.auth}
      csrfToken={props.csrfToken}
      breadcrumbs={[...USERS_CRUMBS, { label: LIST_TITLE, href: props.backHref }, { label: DETAIL_TITLE }]}
    >
      <DetailTable rows={userDetailRowsWithFactor(user, props.operatorName, user.secondFactor)} />
      <div class="actions">
        {ACCOUNT_ACTIONS.map((a) => {
          const token = buttons[a.token];
          return token ? (
            <ConfirmedAction
              action={`/users/${id}/${a.path}`}
              question={a.question}
              csrfToken={props.csrfToken}
              token={token}
              label={a.label}
            />
          ) : null;
        })}
        {buttons.passwordChange ? (
          <a class="button button-secondary" href="/password">
            パスワード変更
          </a>
        ) : null}
        {buttons.change ? (
          <a class="button button-primary" href={`/users/${id}/change`}>
            変更
          </a>
        ) : null}
        {buttons.delete ? (
          <a class="button button-danger" href={`/users/${id}/delete`}>
            削除
          </a>
        ) : null}
      </div>
      <p>
        <a class="button button-secondary" href={props.backHref}>
          戻る
        </a>
      </p>
    </Layout>
  );
}
