import type { VNode } from 'preact';
import { formatJapanDateTime } from '../../lib/japan-time.js';
import { CsrfField, DetailTable, Layout, type ShownMessage } from '../../web/layout.js';
import type { Passkey } from '../auth/passkeys/repository.js';
import type { SecondFactorStatus } from '../auth/second-factor.js';
import { groupSecret } from '../auth/totp.js';
import type { PasskeyFormErrors } from './passkeys-service.js';
import { PasskeysSection, passkeyErrorMessages } from './passkeys-views.js';
import { policyLabel } from './policy-views.js';
import type { RemoveFactorErrors } from './service.js';
import {
  ACCOUNT_CRUMB,
  CodeRow,
  CurrentPasswordRow,
  DangerButton,
  FormActions,
  fieldErrorMessages,
  fieldOf,
  type Page,
} from './view-parts.js';

/** The removal form's fields, as the messages at the top of the page link to them. */
const REMOVE_FIELDS = {
  password: { id: 'removePassword', label: 'パスワード' },
  code: { id: 'removeCode', label: '確認コード' },
} as const;

export function removeFactorErrorMessages(errors: RemoveFactorErrors | undefined): ShownMessage[] {
  return fieldErrorMessages(errors, REMOVE_FIELDS);
}

/** The account page's authenticator app: its state, then its removal or a way to set it up. */
export function FactorSection(props: {
  csrfToken: string;
  factor: SecondFactorStatus;
  required: boolean;
  errors?: RemoveFactorErrors;
}): VNode {
  const { factor } = props;
  const since: [string, string][] =
    factor.enabled && factor.enabledAt
      ? [
          ['設定日時', formatJapanDateTime(factor.enabledAt)],
          ['残りのリカバリーコード', `${factor.recoveryCodesLeft}個`],
        ]
      : [];
  return (
    <section aria-labelledby="account-factor">
      <h2 id="account-factor">二要素認証（認証アプリ）</h2>
      <DetailTable
        rows={[
          ['状態', factor.enabled ? '設定済み' : '未設定'],
          ...since,
          ['所属する事業者の設定', policyLabel(props.required)],
        ]}
      />
      {factor.enabled ? (
        <RemoveFactorForm csrfToken={props.csrfToken} errors={props.errors ?? {}} />
      ) : (
        <p>
          <a class="button button-primary" href="/account/second-factor">
            二要素認証を設定
          </a>
        </p>
      )}
    </section>
  );
}

/** Nobody removes the factor without the password and a code (a stolen session alone cannot). */
function RemoveFactorForm(props: { csrfToken: string; errors: RemoveFactorErrors }): VNode {
  const code = fieldOf(
    'removeCode',
    props.errors.code,
    '認証アプリの6桁の確認コード、またはリカバリーコード',
  );
  return (
    <form method="post" action="/account/second-factor/remove" class="form" novalidate>
      <CsrfField token={props.csrfToken} />
      <p>解除するには、パスワードと確認コードを入力してください。</p>
      <table class="form-table">
        <tbody>
          <CurrentPasswordRow field={fieldOf('removePassword', props.errors.password)} />
          <CodeRow field={code} maxLength={40} />
        </tbody>
      </table>
      <DangerButton label="二要素認証を解除" />
    </form>
  );
}

/** The secret waiting for its first code, as a QR code (an SVG made on the server) and as text. */
export interface PendingSecret {
  secret: string;
  qrDataUri: string;
  userId: string;
}

/** Enrolment: start, then the QR code and the secret as text, then the first code. */
export function EnrolmentPage(props: {
  page: Page;
  forced: boolean;
  pending?: PendingSecret;
  errors?: ShownMessage[];
  /** A passkey counts as the second factor too (SPEC D-22). */
  passkeys?: Passkey[];
  passkeyErrors?: PasskeyFormErrors;
}): VNode {
  const { csrfToken } = props.page;
  const infos: ShownMessage[] = [
    ...(props.forced ? [{ id: 'info.secondFactor.mustEnrol' as const }] : []),
    ...(props.pending ? [{ id: 'info.secondFactor.scan' as const }] : []),
  ];
  return (
    <Layout
      {...props.page}
      title="二要素認証の設定"
      breadcrumbs={[ACCOUNT_CRUMB, { label: '二要素認証の設定' }]}
      errors={[...(props.errors ?? []), ...passkeyErrorMessages(props.passkeyErrors)]}
      infos={infos}
    >
      {props.pending ? (
        <>
          <EnrolmentSteps pending={props.pending} />
          <ConfirmCodeForm
            csrfToken={csrfToken}
            forced={props.forced}
            error={props.errors?.find((e) => e.field?.id === 'code')}
          />
          <RestartForm csrfToken={csrfToken} />
        </>
      ) : (
        <StartForm csrfToken={csrfToken} forced={props.forced} />
      )}
      {props.passkeys ? (
        // Either kind of factor meets the operator's policy.
        <PasskeysSection csrfToken={csrfToken} passkeys={props.passkeys} errors={props.passkeyErrors} />
      ) : null}
    </Layout>
  );
}

function EnrolmentSteps({ pending }: { pending: PendingSecret }): VNode {
  return (
    <ol class="enrol-steps">
      <li>
        スマートフォンなどの認証アプリ（Google Authenticator、Microsoft Authenticator
        など）で、次のQRコードを読み取ります。
        <div class="qr-code">
          <img
            src={pending.qrDataUri}
            width={220}
            height={220}
            alt={`認証アプリ用のQRコード（容量市場システム ${pending.userId}）`}
          />
        </div>
      </li>
      <li>
        QRコードを読み取れない場合は、アプリに次のシークレットキーを入力します（種類: 時間ベース）。
        <p>
          シークレットキー: <code data-totp-secret={pending.secret}>{groupSecret(pending.secret)}</code>
        </p>
      </li>
      <li>アプリに表示された6桁の確認コードを入力して「設定」を押します。</li>
    </ol>
  );
}

/** 戻る: none for a user whom the operator's policy sends here (nowhere to go back to). */
const BACK_TO_ACCOUNT = { href: '/account', label: '戻る' };

function ConfirmCodeForm(props: { csrfToken: string; forced: boolean; error: ShownMessage | undefined }) {
  const code = { htmlFor: 'code', error: props.error };
  return (
    <form method="post" action="/account/second-factor/confirm" class="form" novalidate>
      <CsrfField token={props.csrfToken} />
      <table class="form-table">
        <tbody>
          <CodeRow field={code} maxLength={20} numeric />
        </tbody>
      </table>
      <FormActions back={props.forced ? undefined : BACK_TO_ACCOUNT} submit="設定" />
    </form>
  );
}

function RestartForm({ csrfToken }: { csrfToken: string }): VNode {
  return (
    <form method="post" action="/account/second-factor/start" class="form">
      <CsrfField token={csrfToken} />
      <p class="note">QRコードを読み取る前に画面を閉じた場合などは、新しいキーで最初からやり直せます。</p>
      <button type="submit" class="button-secondary">
        新しいキーでやり直す
      </button>
    </form>
  );
}

function StartForm(props: { csrfToken: string; forced: boolean }): VNode {
  return (
    <form method="post" action="/account/second-factor/start" class="form">
      <CsrfField token={props.csrfToken} />
      <p>
        ログインのとき、パスワードに加えて認証アプリに表示される確認コードを入力するようにします。
        設定には、認証アプリを入れたスマートフォンなどが必要です。
      </p>
      <FormActions back={props.forced ? undefined : BACK_TO_ACCOUNT} submit="設定を開始" />
    </form>
  );
}

/** The text file of the recovery codes (a download made in the page: no copy on the server). */
export function recoveryCodesText(userId: string, codes: string[], at: Date): string {
  return [
    '容量市場システム リカバリーコード',
    `ユーザID: ${userId}`,
    `発行日時: ${formatJapanDateTime(at)}`,
    '',
    '認証アプリを使えないときに、確認コードの代わりに1回だけ使えます。',
    '',
    ...codes,
    '',
  ].join('\r\n');
}

/** The ten recovery codes, shown once, with a download as text (works without JavaScript). */
export function RecoveryCodesPage(props: {
  page: Page;
  userId: string;
  codes: string[];
  at: Date;
  next: string;
}): VNode {
  const text = recoveryCodesText(props.userId, props.codes, props.at);
  const href = `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`;
  return (
    <Layout
      {...props.page}
      title="リカバリーコード"
      breadcrumbs={[ACCOUNT_CRUMB, { label: 'リカバリーコード' }]}
      infos={[{ id: 'info.secondFactor.enabled' }]}
    >
      <p>
        認証アプリを使えないとき（スマートフォンの紛失など）は、確認コードの代わりに次のリカバリーコードを入力してログインできます。
        各コードは1回だけ使えます。印刷するか、安全な場所に保存してください。
      </p>
      <ol class="recovery-codes" data-recovery-codes>
        {props.codes.map((c) => (
          <li>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <div class="actions">
        <a class="button button-secondary" href={href} download={`recovery-codes-${props.userId}.txt`}>
          テキストファイルでダウンロード
        </a>
        <a class="button button-primary" href={props.next}>
          保存しました（次へ）
        </a>
      </div>
    </Layout>
  );
}
