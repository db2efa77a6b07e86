import type { VNode } from 'preact';
import { message } from '../../lib/messages.js';
import { CsrfField, FieldRow, Layout, type ShownMessage } from '../../web/layout.js';

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
      <LoginForm csrfToken={props.csrfToken} userId={props.userId} next={props.next} />
      <p class="note" id={LOGIN_NOTE_ID}>
        パスワードを5回連続で間違えるとユーザがロックされます。ロックされた場合は、登録作業者(管理者)にユーザロック解除を依頼してください。
      </p>
    </Layout>
  );
}

function LoginForm(props: {
  csrfToken: string;
  userId?: string | undefined;
  next?: string | undefined;
}): VNode {
  return (
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
        <PasskeyLoginSection csrfToken={props.csrfToken} totp={factors.totp} script={props.passkeyScript} />
      ) : null}
      {factors.totp ? (
        <CodeLoginSection csrfToken={props.csrfToken} headed={factors.passkey} />
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

/** The パスキーでログイン button and what to do without JavaScript (the app's code, if any). */
function PasskeyLoginSection(props: { csrfToken: string; totp: boolean; script: string | undefined }): VNode {
  return (
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
        {props.totp
          ? 'JavaScriptを使えない場合は、下記に認証アプリの確認コード（またはリカバリーコード）を入力してください。'
          : 'JavaScriptを使えない場合は、JavaScriptが有効なブラウザでログインするか、登録作業者(管理者)に二要素認証のリセットを依頼してください。'}
      </p>
      {props.script ? <script type="module" src={props.script} /> : null}
    </section>
  );
}

/** The 確認コード form (the app's code or a recovery code); headed when a passkey is offered too. */
function CodeLoginSection(props: { csrfToken: string; headed: boolean }): VNode {
  return (
    <section aria-labelledby={props.headed ? 'code-login' : undefined}>
      {props.headed ? <h2 id="code-login">確認コードでログイン</h2> : null}
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
  );
}
