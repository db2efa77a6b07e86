import type { VNode } from 'preact';
import { message } from '../../lib/messages.js';
import {
  CsrfField,
  type FieldDescription,
  FieldRow,
  fieldAria,
  Layout,
  type PageAuth,
  type ShownMessage,
} from '../../web/layout.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-policy.js';
import type { PasswordChangeErrors } from './service.js';

const LOGIN_NOTE_ID = 'login-note';

export function LoginPage(props: {
  csrfToken: string;
  userId?: string;
  next?: string;
  errors?: ShownMessage[];
  infos?: ShownMessage[];
}): VNode {
  return (
    <Layout
      title="ログイン"
      csrfToken={props.csrfToken}
      errors={props.errors}
      infos={props.infos}
      breadcrumbs={[{ label: 'ログイン' }]}
    >
      <form method="post" action="/login" class="form login-form" novalidate>
        <CsrfField token={props.csrfToken} />
        {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
        <table class="form-table">
          <tbody>
            {/*
              No autofocus: the skip link stays the first stop of Tab (WCAG 2.4.1, 2.4.3), and
              after an error the summary at the top takes the focus. D-14: a refused login
              names neither field, so neither is marked invalid.
            */}
            <FieldRow label="ユーザID" htmlFor="userId" required>
              <input
                id="userId"
                name="userId"
                type="text"
                value={props.userId ?? ''}
                autocomplete="username"
                maxlength={20}
                required
              />
            </FieldRow>
            <FieldRow label="パスワード" htmlFor="password" required>
              <input
                id="password"
                name="password"
                type="password"
                autocomplete="current-password"
                maxlength={256}
                required
                aria-describedby={LOGIN_NOTE_ID}
              />
            </FieldRow>
          </tbody>
        </table>
        <div class="actions">
          <button type="submit" class="button-primary">
            ログイン
          </button>
        </div>
      </form>
      <p class="note" id={LOGIN_NOTE_ID}>
        パスワードを5回連続で間違えるとユーザがロックされます。ロックされた場合は、登録作業者(管理者)にユーザロック解除を依頼してください。
      </p>
    </Layout>
  );
}

/** SPEC D-13, as the user needs it before typing: the rules the new password must meet. */
function PasswordRules(): VNode {
  return (
    <>
      パスワードの条件:
      <ul class="hint-list">
        <li>
          {PASSWORD_MIN_LENGTH}文字以上{PASSWORD_MAX_LENGTH}
          文字以内。空白も使えます。英大文字・数字・記号を混ぜる必要はありません。
        </li>
        <li>
          よく使われているパスワードや、同じ文字の繰り返し・キーボードや数字の並び（qwerty、123456…）は使えません。
        </li>
        <li>ユーザID、ユーザ名、メールアドレスの「@」より前の部分を含めることはできません。</li>
        <li>現在のパスワードや、直近3回以内に使用したパスワードは使えません。</li>
      </ul>
    </>
  );
}

const PASSWORD_FIELDS = [
  { name: 'currentPassword', label: '現在のパスワード' },
  { name: 'newPassword', label: '新しいパスワード' },
  { name: 'confirmPassword', label: '新しいパスワード（確認）' },
] as const;

export function PasswordChangePage(props: {
  csrfToken: string;
  auth: PageAuth;
  forced: boolean;
  errors?: PasswordChangeErrors;
  infos?: ShownMessage[];
}): VNode {
  const errors = props.errors ?? {};
  const field = (name: keyof PasswordChangeErrors, hint?: VNode): FieldDescription => ({
    htmlFor: name,
    hint,
    errors: (errors[name] ?? []).map((id) => ({ id })),
  });
  const current = field('currentPassword');
  const next = field('newPassword', <PasswordRules />);
  const confirm = field('confirmPassword');
  // At the top: the form's message, then one line per field linking to it; a field with
  // several problems (the new password) is one line that counts them, listed beside it.
  const top: ShownMessage[] = [];
  for (const { name, label } of PASSWORD_FIELDS) {
    const ids = errors[name] ?? [];
    const link = { id: name, label };
    if (ids.length === 1) top.push({ id: ids[0]!, field: link });
    else if (ids.length > 1) {
      top.push({ id: 'error.password.policy', params: { count: ids.length }, field: link });
    }
  }
  return (
    <Layout
      title="パスワード変更画面"
      csrfToken={props.csrfToken}
      auth={props.auth}
      breadcrumbs={[{ label: 'パスワード変更画面' }]}
      errors={top.length > 0 ? [{ id: 'error.form.invalid' }, ...top] : []}
      infos={[...(props.forced ? [{ id: 'info.password.mustChange' as const }] : []), ...(props.infos ?? [])]}
    >
      <form method="post" action="/password" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <table class="form-table">
          <tbody>
            <FieldRow label="現在のパスワード" required {...current}>
              <input
                id="currentPassword"
                name="currentPassword"
                type="password"
                autocomplete="current-password"
                maxlength={256}
                required
                {...fieldAria(current)}
              />
            </FieldRow>
            <FieldRow label="新しいパスワード" required {...next}>
              <input
                id="newPassword"
                name="newPassword"
                type="password"
                autocomplete="new-password"
                maxlength={512}
                required
                {...fieldAria(next)}
              />
            </FieldRow>
            <FieldRow label="新しいパスワード（確認）" required {...confirm}>
              <input
                id="confirmPassword"
                name="confirmPassword"
                type="password"
                autocomplete="new-password"
                maxlength={512}
                required
                {...fieldAria(confirm)}
              />
            </FieldRow>
          </tbody>
        </table>
        <div class="actions">
          {props.forced ? null : (
            <a class="button button-secondary" href="/">
              戻る
            </a>
          )}
          <button type="submit" class="button-primary">
            変更
          </button>
        </div>
      </form>
    </Layout>
  );
}

/** FieldRow names a row's hint `${id}-hint`. */
const CODE_HINT_ID = 'code-hint';

/** Which second factors the waiting login's user has (SPEC D-22). */
export interface LoginFactors {
  /** An authenticator app (and its recovery codes): the code form. */
  totp: boolean;
  /** One or more passkeys: the パスキーでログイン button (JavaScript). */
  passkey: boolean;
}

/**
 * SPEC D-22: the code step of a login (確認コード). Reached only after a right password of a
 * user with a second factor; the form posts to /login/code, the challenge rides in its
 * HttpOnly cookie. A user with a passkey gets its button too: it needs JavaScript, and the
 * page says that the authenticator app is the way without it.
 */
export function LoginCodePage(props: {
  csrfToken: string;
  errors?: ShownMessage[];
  factors?: LoginFactors;
  /** The passkey helper's script (public/build/passkeys.js), when built. */
  passkeyScript?: string | undefined;
}): VNode {
  const factors = props.factors ?? { totp: true, passkey: false };
  const passkeyOnly = factors.passkey && !factors.totp;
  return (
    <Layout
      title="確認コード入力"
      csrfToken={props.csrfToken}
      errors={props.errors}
      infos={[{ id: passkeyOnly ? 'info.login.passkeyRequired' : 'info.login.codeRequired' }]}
      breadcrumbs={[{ label: 'ログイン', href: '/login' }, { label: '確認コード入力' }]}
    >
      {factors.passkey ? (
        <section aria-labelledby="passkey-login">
          <h2 id="passkey-login">パスキーでログイン</h2>
          <form
            method="post"
            action="/login/passkey"
            class="form login-form"
            data-passkey-login="/login/passkey/options"
            data-passkey-cancelled={message('error.passkey.cancelled')}
            data-passkey-unsupported={message('error.passkey.unsupported')}
          >
            <CsrfField token={props.csrfToken} />
            <input type="hidden" name="response" value="" />
            <p class="note" role="status" data-passkey-status></p>
            <div class="actions">
              <button type="submit" class="button-primary" hidden data-passkey-button>
                パスキーでログイン
              </button>
            </div>
          </form>
          <p class="note">
            パスキーでのログインにはJavaScriptが有効なブラウザが必要です。
            {factors.totp
              ? 'JavaScriptを使えない場合は、下記に認証アプリの確認コード（またはリカバリーコード）を入力してください。'
              : 'JavaScriptを使えない場合は、JavaScriptが有効なブラウザでログインするか、登録作業者(管理者)に二要素認証のリセットを依頼してください。'}
          </p>
          {props.passkeyScript ? <script type="module" src={props.passkeyScript} /> : null}
        </section>
      ) : null}
      {factors.totp ? (
        <section aria-labelledby={factors.passkey ? 'code-login' : undefined}>
          {factors.passkey ? <h2 id="code-login">確認コードでログイン</h2> : null}
          <form method="post" action="/login/code" class="form login-form" novalidate>
            <CsrfField token={props.csrfToken} />
            <table class="form-table">
              <tbody>
                <FieldRow
                  label="確認コード"
                  htmlFor="code"
                  required
                  hint="6桁の数字、またはリカバリーコード（例: ABCD-EFGH-JKMN）。"
                >
                  <input
                    id="code"
                    name="code"
                    type="text"
                    inputmode="text"
                    autocomplete="one-time-code"
                    autocapitalize="characters"
                    spellcheck={false}
                    maxlength={40}
                    required
                    aria-describedby={CODE_HINT_ID}
                  />
                </FieldRow>
              </tbody>
            </table>
            <div class="actions">
              <a class="button button-secondary" href="/login">
                ログイン画面へ戻る
              </a>
              <button type="submit" class="button-primary">
                確認
              </button>
            </div>
          </form>
        </section>
      ) : (
        <p>
          <a class="button button-secondary" href="/login">
            ログイン画面へ戻る
          </a>
        </p>
      )}
      <p class="note">
        確認コードやパスキーでの確認に失敗した回数は、パスワードの誤りと合わせて数えられ、5回連続で失敗するとユーザがロックされます。
        {factors.totp
          ? '認証アプリもリカバリーコードも使えない場合は、登録作業者(管理者)に二要素認証のリセットを依頼してください。'
          : 'パスキーを使えない場合は、登録作業者(管理者)に二要素認証のリセットを依頼してください。'}
      </p>
    </Layout>
  );
}
