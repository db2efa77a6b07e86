import type { VNode } from 'preact';
import { formatJapanDateTime } from '../../lib/japan-time.js';
import {
  CsrfField,
  DetailTable,
  type FieldDescription,
  FieldRow,
  fieldAria,
  Layout,
  type LayoutProps,
  type ShownMessage,
} from '../../web/layout.js';
import type { Passkey } from '../auth/passkeys/repository.js';
import type { SecondFactorStatus } from '../auth/second-factor.js';
import type { OwnSession } from '../auth/sessions.js';
import { groupSecret } from '../auth/totp.js';
import type { User } from '../users/model.js';
import type { PasskeyFormErrors } from './passkeys-service.js';
import { PasskeysSection, passkeyErrorMessages } from './passkeys-views.js';
import type { RemoveFactorErrors } from './service.js';
import { describeUserAgent } from './user-agent.js';

type Page = Pick<LayoutProps, 'auth' | 'csrfToken'>;

const ACCOUNT_CRUMB = { label: 'アカウント設定', href: '/account' };

export const POLICY_LABELS = { required: '必須', optional: '任意' } as const;

function field(id: string, error: ShownMessage['id'] | undefined, hint?: string): FieldDescription {
  return { htmlFor: id, hint, error: error ? { id: error } : undefined };
}

/** アカウント設定: password, second factor, sessions (and the operator's policy for admins). */
export function AccountPage(props: {
  page: Page;
  user: User;
  operatorName: string;
  factor: SecondFactorStatus;
  required: boolean;
  sessions: OwnSession[];
  currentSessionId: string;
  infos?: ShownMessage[];
  errors?: ShownMessage[];
  removeErrors?: RemoveFactorErrors;
  endOthersError?: ShownMessage['id'];
  passkeys: Passkey[];
  passkeyErrors?: PasskeyFormErrors;
}): VNode {
  const { user, factor } = props;
  const removeErrors = props.removeErrors ?? {};
  const password = field('removePassword', removeErrors.password);
  const code = field('removeCode', removeErrors.code, '認証アプリの6桁の確認コード、またはリカバリーコード');
  const othersPassword = field('endOthersPassword', props.endOthersError);
  const errors: ShownMessage[] = [...(props.errors ?? [])];
  if (removeErrors.password) {
    errors.push({ id: removeErrors.password, field: { id: 'removePassword', label: 'パスワード' } });
  }
  if (removeErrors.code)
    errors.push({ id: removeErrors.code, field: { id: 'removeCode', label: '確認コード' } });
  if (props.endOthersError) {
    errors.push({ id: props.endOthersError, field: { id: 'endOthersPassword', label: 'パスワード' } });
  }
  errors.push(...passkeyErrorMessages(props.passkeyErrors));
  const others = props.sessions.filter((s) => s.id !== props.currentSessionId);
  return (
    <Layout
      {...props.page}
      title="アカウント設定"
      breadcrumbs={[{ label: 'アカウント設定' }]}
      errors={errors}
      infos={props.infos}
    >
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

      <section aria-labelledby="account-password">
        <h2 id="account-password">パスワード</h2>
        <p>
          <a class="button button-secondary" href="/password">
            パスワード変更
          </a>
        </p>
      </section>

      <section aria-labelledby="account-factor">
        <h2 id="account-factor">二要素認証（認証アプリ）</h2>
        <DetailTable
          rows={[
            ['状態', factor.enabled ? '設定済み' : '未設定'],
            ...(factor.enabled && factor.enabledAt
              ? ([
                  ['設定日時', formatJapanDateTime(factor.enabledAt)],
                  ['残りのリカバリーコード', `${factor.recoveryCodesLeft}個`],
                ] as [string, string][])
              : []),
            ['所属する事業者の設定', props.required ? '必須' : '任意'],
          ]}
        />
        {factor.enabled ? (
          <form method="post" action="/account/second-factor/remove" class="form" novalidate>
            <CsrfField token={props.page.csrfToken} />
            <p>解除するには、パスワードと確認コードを入力してください。</p>
            <table class="form-table">
              <tbody>
                <FieldRow label="パスワード" required {...password}>
                  <input
                    id="removePassword"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    maxlength={256}
                    required
                    {...fieldAria(password)}
                  />
                </FieldRow>
                <FieldRow label="確認コード" required {...code}>
                  <input
                    id="removeCode"
                    name="code"
                    type="text"
                    autocomplete="one-time-code"
                    maxlength={40}
                    required
                    {...fieldAria(code)}
                  />
                </FieldRow>
              </tbody>
            </table>
            <div class="actions">
              <button type="submit" class="button-danger">
                二要素認証を解除
              </button>
            </div>
          </form>
        ) : (
          <p>
            <a class="button button-primary" href="/account/second-factor">
              二要素認証を設定
            </a>
          </p>
        )}
      </section>

      <PasskeysSection
        csrfToken={props.page.csrfToken}
        passkeys={props.passkeys}
        errors={props.passkeyErrors}
      />

      <section aria-labelledby="account-sessions">
        <h2 id="account-sessions">ログイン中のセッション</h2>
        <div class="table-scroll">
          <table class="results sessions-table">
            <caption class="visually-hidden">ログイン中のセッション（{props.sessions.length}件）</caption>
            <thead>
              <tr>
                <th scope="col">ログイン日時</th>
                <th scope="col">最終アクセス</th>
                <th scope="col">接続元</th>
                <th scope="col">ブラウザ</th>
                <th scope="col">操作</th>
              </tr>
            </thead>
            <tbody>
              {props.sessions.map((s) => (
                <tr data-session-row={s.id === props.currentSessionId ? 'current' : 'other'}>
                  <td>{formatJapanDateTime(s.createdAt)}</td>
                  <td>{formatJapanDateTime(s.lastSeenAt)}</td>
                  <td>{s.ip}</td>
                  <td title={s.userAgent}>{describeUserAgent(s.userAgent)}</td>
                  <td>
                    {s.id === props.currentSessionId ? (
                      <span class="badge">この画面のセッション</span>
                    ) : (
                      <form method="post" action="/account/sessions/end">
                        <CsrfField token={props.page.csrfToken} />
                        <input type="hidden" name="session" value={s.id} />
                        <button
                          type="submit"
                          class="button-secondary"
                          aria-label={`${formatJapanDateTime(s.createdAt)}のセッションを終了`}
                        >
                          終了
                        </button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {others.length > 0 ? (
          <form method="post" action="/account/sessions/end-others" class="form" novalidate>
            <CsrfField token={props.page.csrfToken} />
            <p>ほかのセッションをすべて終了するには、パスワードを入力してください。</p>
            <table class="form-table">
              <tbody>
                <FieldRow label="パスワード" required {...othersPassword}>
                  <input
                    id="endOthersPassword"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    maxlength={256}
                    required
                    {...fieldAria(othersPassword)}
                  />
                </FieldRow>
              </tbody>
            </table>
            <div class="actions">
              <button type="submit" class="button-danger">
                ほかのセッションをすべて終了
              </button>
            </div>
          </form>
        ) : (
          <p class="note">ほかにログイン中のセッションはありません。</p>
        )}
      </section>

      {props.page.auth?.isAdmin ? (
        <section aria-labelledby="account-operator">
          <h2 id="account-operator">事業者の設定</h2>
          <p>
            <a href="/account/policy">二要素認証の必須設定</a>（現在: {props.required ? '必須' : '任意'}）
          </p>
        </section>
      ) : null}
    </Layout>
  );
}

/** Enrolment: start, then the QR code (an SVG made on the server) and the secret as text. */
export function EnrolmentPage(props: {
  page: Page;
  forced: boolean;
  pending?: { secret: string; qrDataUri: string; userId: string };
  errors?: ShownMessage[];
  /** A passkey counts as the second factor too (SPEC D-22). */
  passkeys?: Passkey[];
  passkeyErrors?: PasskeyFormErrors;
}): VNode {
  const codeError = props.errors?.find((e) => e.field?.id === 'code');
  const code = { htmlFor: 'code', error: codeError };
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
          <ol class="enrol-steps">
            <li>
              スマートフォンなどの認証アプリ（Google Authenticator、Microsoft Authenticator
              など）で、次のQRコードを読み取ります。
              <div class="qr-code">
                <img
                  src={props.pending.qrDataUri}
                  width={220}
                  height={220}
                  alt={`認証アプリ用のQRコード（容量市場システム ${props.pending.userId}）`}
                />
              </div>
            </li>
            <li>
              QRコードを読み取れない場合は、アプリに次のシークレットキーを入力します（種類: 時間ベース）。
              <p>
                シークレットキー:{' '}
                <code data-totp-secret={props.pending.secret}>{groupSecret(props.pending.secret)}</code>
              </p>
            </li>
            <li>アプリに表示された6桁の確認コードを入力して「設定」を押します。</li>
          </ol>
          <form method="post" action="/account/second-factor/confirm" class="form" novalidate>
            <CsrfField token={props.page.csrfToken} />
            <table class="form-table">
              <tbody>
                <FieldRow label="確認コード" required {...code}>
                  <input
                    id="code"
                    name="code"
                    type="text"
                    inputmode="numeric"
                    autocomplete="one-time-code"
                    maxlength={20}
                    required
                    {...fieldAria(code)}
                  />
                </FieldRow>
              </tbody>
            </table>
            <div class="actions">
              {props.forced ? null : (
                <a class="button button-secondary" href="/account">
                  戻る
                </a>
              )}
              <button type="submit" class="button-primary">
                設定
              </button>
            </div>
          </form>
          <form method="post" action="/account/second-factor/start" class="form">
            <CsrfField token={props.page.csrfToken} />
            <p class="note">
              QRコードを読み取る前に画面を閉じた場合などは、新しいキーで最初からやり直せます。
            </p>
            <button type="submit" class="button-secondary">
              新しいキーでやり直す
            </button>
          </form>
        </>
      ) : (
        <form method="post" action="/account/second-factor/start" class="form">
          <CsrfField token={props.page.csrfToken} />
          <p>
            ログインのとき、パスワードに加えて認証アプリに表示される確認コードを入力するようにします。
            設定には、認証アプリを入れたスマートフォンなどが必要です。
          </p>
          <div class="actions">
            {props.forced ? null : (
              <a class="button button-secondary" href="/account">
                戻る
              </a>
            )}
            <button type="submit" class="button-primary">
              設定を開始
            </button>
          </div>
        </form>
      )}
      {props.passkeys ? (
        // Either kind of factor meets the operator's policy.
        <PasskeysSection
          csrfToken={props.page.csrfToken}
          passkeys={props.passkeys}
          errors={props.passkeyErrors}
        />
      ) : null}
    </Layout>
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
      <DetailTable
        rows={[['現在の設定', props.required ? POLICY_LABELS.required : POLICY_LABELS.optional]]}
      />
      <form
        method="post"
        action="/account/policy"
        class="form"
        data-confirm="二要素認証の必須設定を変更します。よろしいですか。"
      >
        <CsrfField token={props.page.csrfToken} />
        <input type="hidden" name="confirmed" value="" />
        <input type="hidden" name="required" value={props.required ? '0' : '1'} />
        <div class="actions">
          <a class="button button-secondary" href="/account">
            戻る
          </a>
          <button type="submit" class="button-primary">
            {props.required ? '必須を解除する（任意にする）' : '必須にする'}
          </button>
        </div>
      </form>
    </Layout>
  );
}

/** The confirmation without JavaScript (D-15): キャンセル and OK, as the browser's dialog. */
export function PolicyConfirmPage(props: { page: Page; required: boolean }): VNode {
  const value = props.required ? POLICY_LABELS.required : POLICY_LABELS.optional;
  return (
    <Layout
      {...props.page}
      title="二要素認証の必須設定 確認"
      breadcrumbs={[
        ACCOUNT_CRUMB,
        { label: '二要素認証の必須設定', href: '/account/policy' },
        { label: '確認' },
      ]}
      infos={[{ id: 'info.policy.confirm', params: { value } }]}
    >
      <form method="post" action="/account/policy" class="form">
        <CsrfField token={props.page.csrfToken} />
        <input type="hidden" name="confirmed" value="1" />
        <input type="hidden" name="required" value={props.required ? '1' : '0'} />
        <div class="actions">
          <a class="button button-secondary" href="/account/policy">
            キャンセル
          </a>
          <button type="submit" class="button-primary">
            OK
          </button>
        </div>
      </form>
    </Layout>
  );
}
