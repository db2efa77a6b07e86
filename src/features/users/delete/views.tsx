import type { VNode } from 'preact';
import { message } from '../../../lib/messages.js';
import { DetailTable, Layout, type ShownMessage } from '../../../web/layout.js';
import { ConfirmLayout, type ConfirmPageProps, DialogAnswers } from '../confirm-views.js';
import { ROLE_LABELS, type User } from '../model.js';
import { enabledLabel, userDetailRows } from '../presenters.js';
import { crumbs, DataTable, LIST_LINK, LinkButton, type PageBase, TokenButton } from '../shared-views.js';

/** The screens of SPEC §4.6 delete and §4.7 bulk delete (manual ch. 6, 7). */

/** ユーザ情報削除画面: read-only; 実行 asks in the browser's dialog (D-15), or on a page without JS. */
export function DeletePage(props: {
  page: PageBase;
  user: User;
  operatorName: string;
  token: string | null;
  errors?: ShownMessage[];
}): VNode {
  const { user } = props;
  return (
    <Layout
      {...props.page}
      title="ユーザ情報削除画面"
      breadcrumbs={crumbs.detail(user.userId, 'ユーザ情報削除画面')}
      errors={props.errors}
    >
      <DetailTable rows={userDetailRows(user, props.operatorName)} />
      <div class="actions">
        <LinkButton href={`/users/${user.userId}`} label="戻る" />
        {props.token ? (
          <TokenButton
            action={`/users/${user.userId}/delete`}
            csrfToken={props.page.csrfToken}
            token={props.token}
            label="実行"
            danger
            confirmed="0"
            confirmText={message('info.delete.confirm')}
          />
        ) : null}
      </div>
    </Layout>
  );
}

export function BulkDeleteConfirmPage(
  props: ConfirmPageProps & {
    /** The list's query, so that a refusal at 実行 returns to the same results. */
    listQuery: string;
    users: User[];
  },
): VNode {
  return (
    <ConfirmLayout
      page={props.page}
      title="ユーザ情報一括削除確認画面"
      breadcrumbs={crumbs.list('ユーザ情報一括削除確認画面')}
      question={{ id: 'info.bulkDelete.confirm', params: { count: props.users.length } }}
      executed={props.executed}
      executedLinks={[LIST_LINK]}
      answers={
        <DialogAnswers
          cancelHref={props.listQuery ? `/users?${props.listQuery}` : '/users'}
          action="/users/bulk-delete"
          csrfToken={props.page.csrfToken}
          token={props.token}
          danger
          hidden={[
            ...props.users.map((u): [string, string] => ['userIds', u.userId]),
            ['listQuery', props.listQuery],
          ]}
        />
      }
    >
      <DataTable
        label="一括削除するユーザ情報"
        headers={['ユーザID', 'ユーザ名', '権限区分', '事業者コード', '参加登録申請者名', '有効/無効']}
        rows={props.users.map((u) => [
          u.userId,
          u.userName,
          ROLE_LABELS[u.role],
          u.operatorCode,
          props.operatorName,
          enabledLabel(u.enabled),
        ])}
      />
    </ConfirmLayout>
  );
}
