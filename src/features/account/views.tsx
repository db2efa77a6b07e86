import type { VNode } from 'preact';
import type { MessageId } from '../../lib/messages.js';
import { DetailTable, Layout, type ShownMessage } from '../../web/layout.js';
import type { Passkey } from '../auth/passkeys/repository.js';
import type { SecondFactorStatus } from '../auth/second-factor.js';
import type { OwnSession } from '../auth/sessions.js';
import type { User } from '../users/model.js';
import type { PasskeyFormErrors } from './passkeys-service.js';
import { PasskeysSection, passkeyErrorMessages } from './passkeys-views.js';
import { OperatorSection } from './policy-views.js';
import { FactorSection, removeFactorErrorMessages } from './second-factor-views.js';
import type { RemoveFactorErrors } from './service.js';
import { endOthersErrorMessages, SessionsSection } from './session-views.js';
import type { Page } from './view-parts.js';

/** What the account page says after a refused form: each form's errors, beside its fields. */
export interface AccountFormErrors {
  errors?: ShownMessage[];
  removeErrors?: RemoveFactorErrors;
  endOthersError?: MessageId;
  passkeyErrors?: PasskeyFormErrors;
}

/** アカウント設定: password, second factor, sessions (and the operator's policy for admins). */
export function AccountPage(
  props: AccountFormErrors & {
    page: Page;
    user: User;
    operatorName: string;
    factor: SecondFactorStatus;
    required: boolean;
    sessions: OwnSession[];
    currentSessionId: string;
    infos?: ShownMessage[];
    passkeys: Passkey[];
  },
): VNode {
  const { page } = props;
  const errors: ShownMessage[] = [
    ...(props.errors ?? []),
    ...removeFactorErrorMessages(props.removeErrors),
    ...endOthersErrorMessages(props.endOthersError),
    ...passkeyErrorMessages(props.passkeyErrors),
  ];
  return (
    <Layout
      {...page}
      title="アカウント設定"
      breadcrumbs={[{ label: 'アカウント設定' }]}
      errors={errors}
      infos={props.infos}
    >
      <UserSection user={props.user} operatorName={props.operatorName} />
      <PasswordSection />

      <FactorSection
        csrfToken={page.csrfToken}
        factor={props.factor}
        required={props.required}
        errors={props.removeErrors}
      />
      <PasskeysSection csrfToken={page.csrfToken} passkeys={props.passkeys} errors={props.passkeyErrors} />
      <SessionsSection
        csrfToken={page.csrfToken}
        sessions={props.sessions}
        currentSessionId={props.currentSessionId}
        endOthersError={props.endOthersError}
      />
      {page.auth?.isAdmin ? <OperatorSection required={props.required} /> : null}
    </Layout>
  );
}

function UserSection(props: { user: User; operatorName: string }): VNode {
  const { user } = props;
  return (
    <section aria-labelledby="account-user">
      <h2 id="account-user">ユーザ情報</h2>
      <DetailTable
        rows={[
          ['ユーザID', user.userId],
          ['ユーザ名', user.userName],
          ['事業者コード', user.operatorCode],
          ['参加登録申請者名', props.operatorName],
        ]}
      />
    </section>
  );
}

function PasswordSection(): VNode {
  return (
    <section aria-labelledby="account-password">
      <h2 id="account-password">パスワード</h2>
      <p>
        <a class="button button-secondary" href="/password">
          パスワード変更
        </a>
      </p>
    </section>
  );
}
