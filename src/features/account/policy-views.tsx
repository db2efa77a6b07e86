import type { VNode } from 'preact';
import { CsrfField, DetailTable, Layout, type ShownMessage } from '../../web/layout.js';
import { ACCOUNT_CRUMB, FormActions, type Page } from './view-parts.js';

export const POLICY_LABELS = { required: '必須', optional: '任意' } as const;

export function policyLabel(required: boolean): string {
  return required ? POLICY_LABELS.required : POLICY_LABELS.optional;
}

/** The account page's link to the operator's policy, for admins. */
export function OperatorSection({ required }: { required: boolean }): VNode {
  return (
    <section aria-labelledby="account-operator">
      <h2 id="account-operator">事業者の設定</h2>
      <p>
        <a href="/account/policy">二要素認証の必須設定</a>（現在: {policyLabel(required)}）
      </p>
    </section>
  );
}

/** SPEC D-22: an admin's setting for their operator: require a second factor of every user. */
export function PolicyPage(props: {
  page: Page;
  operatorCode: string;
  required: boolean;
  infos?: ShownMessage[];
}): VNode {
  return (
    <Layout
      {...props.page}
      title="二要素認証の必須設定"
      breadcrumbs={[ACCOUNT_CRUMB, { label: '二要素認証の必須設定' }]}
      infos={props.infos}
    >
      <p>
        事業者コード {props.operatorCode}{' '}
        のすべてのユーザに二要素認証（認証アプリ）を必須にできます。必須にすると、設定していないユーザは次回のログイン時に設定が求められ、設定が終わるまでほかの画面を利用できません。変更は両方の登録作業者(管理者)にメールで通知されます。
      </p>
      <DetailTable rows={[['現在の設定', policyLabel(props.required)]]} />
      <form
        method="post"
        action="/account/policy"
        class="form"
        data-confirm="二要素認証の必須設定を変更します。よろしいですか。"
      >
        <CsrfField token={props.page.csrfToken} />
        <input type="hidden" name="confirmed" value="" />
        <input type="hidden" name="required" value={props.required ? '0' : '1'} />
        <FormActions
          back={{ href: '/account', label: '戻る' }}
          submit={props.required ? '必須を解除する（任意にする）' : '必須にする'}
        />
      </form>
    </Layout>
  );
}

/** The confirmation without JavaScript (D-15): キャンセル and OK, as the browser's dialog. */
export function PolicyConfirmPage(props: { page: Page; required: boolean }): VNode {
  return (
    <Layout
      {...props.page}
      title="二要素認証の必須設定 確認"
      breadcrumbs={[
        ACCOUNT_CRUMB,
        { label: '二要素認証の必須設定', href: '/account/policy' },
        { label: '確認' },
      ]}
      infos={[{ id: 'info.policy.confirm', params: { value: policyLabel(props.required) } }]}
    >
      <form method="post" action="/account/policy" class="form">
        <CsrfField token={props.page.csrfToken} />
        <input type="hidden" name="confirmed" value="1" />
        <input type="hidden" name="required" value={props.required ? '1' : '0'} />
        <FormActions back={{ href: '/account/policy', label: 'キャンセル' }} submit="OK" />
      </form>
    </Layout>
  );
}
