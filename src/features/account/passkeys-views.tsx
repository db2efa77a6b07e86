import type { VNode } from 'preact';
import { formatJapanDateTime } from '../../lib/japan-time.js';
import { message } from '../../lib/messages.js';
import { builtAssetUrl } from '../../web/assets.js';
import { CsrfField, FieldRow, fieldAria, type ShownMessage } from '../../web/layout.js';
import { MAX_PASSKEYS_PER_USER, PASSKEY_NAME_MAX } from '../auth/passkeys/registration.js';
import type { Passkey } from '../auth/passkeys/repository.js';
import type { PasskeyFormErrors } from './passkeys-service.js';
import { CurrentPasswordRow, DangerButton, fieldErrorMessages, fieldOf } from './view-parts.js';

/** The fields of the passkey forms, as the messages at the top of the page link to them. */
const FIELDS = {
  name: { id: 'passkeyName', label: 'パスキーの名前' },
  response: { id: 'passkeyName', label: 'パスキー' },
  passkey: { id: 'removePasskey', label: '削除するパスキー' },
  password: { id: 'removePasskeyPassword', label: 'パスワード' },
} as const;

/** The messages of the passkey forms for the top of the page, each linking to its field. */
export function passkeyErrorMessages(errors: PasskeyFormErrors | undefined): ShownMessage[] {
  return fieldErrorMessages(errors, FIELDS);
}

/**
 * The browser helper of the passkey forms (public/build/passkeys.js, built from
 * browser/passkeys.js with @simplewebauthn/browser): same origin, as the CSP asks. Without
 * it (not built, or no JavaScript) the buttons stay hidden and the note says why.
 */
export function PasskeyScript(): VNode | null {
  const src = builtAssetUrl('passkeys.js');
  return src ? <script type="module" src={src} /> : null;
}

/** What a passkey is, and that it needs JavaScript (the authenticator app does not). */
function PasskeyNote(): VNode {
  return (
    <p class="note">
      パスキーは、このパソコンやスマートフォンの画面ロック（指紋・顔認証・PIN）でログインを確認する方法です。偽のサイトでは使えないため、確認コードより安全です。
      パスキーの登録と利用にはJavaScriptが有効なブラウザが必要です。JavaScriptを使えない環境では、認証アプリを使用してください。
    </p>
  );
}

/** The registration form: a name, then the browser's dialog (JavaScript), then a normal post. */
export function PasskeyRegisterForm(props: {
  csrfToken: string;
  errors?: PasskeyFormErrors;
  count: number;
}): VNode {
  const name = fieldOf(
    'passkeyName',
    props.errors?.name ?? props.errors?.response,
    `あとで見分けられる名前（例: 会社のノートPC）。${PASSKEY_NAME_MAX}文字以内。`,
  );
  if (props.count >= MAX_PASSKEYS_PER_USER) {
    return <p>{message('error.passkey.tooMany')}</p>;
  }
  return (
    <form
      method="post"
      action="/account/passkeys"
      class="form"
      novalidate
      data-passkey-register="/account/passkeys/options"
      data-passkey-cancelled={message('error.passkey.cancelled')}
      data-passkey-unsupported={message('error.passkey.unsupported')}
      data-passkey-name-required={message('error.passkey.nameRequired')}
    >
      <CsrfField token={props.csrfToken} />
      <input type="hidden" name="response" value="" />
      <table class="form-table">
        <tbody>
          <FieldRow label="パスキーの名前" required {...name}>
            <input
              id="passkeyName"
              name="name"
              type="text"
              maxlength={PASSKEY_NAME_MAX}
              autocomplete="off"
              required
              {...fieldAria(name)}
            />
          </FieldRow>
        </tbody>
      </table>
      <p class="note" role="status" data-passkey-status></p>
      <div class="actions">
        <button type="submit" class="button-primary" hidden data-passkey-button>
          パスキーを登録
        </button>
      </div>
    </form>
  );
}

/** The user's passkeys (name, date added, last used), registration and removal. */
export function PasskeysSection(props: {
  csrfToken: string;
  passkeys: Passkey[];
  errors?: PasskeyFormErrors;
}): VNode {
  const errors = props.errors ?? {};
  return (
    <section aria-labelledby="account-passkeys">
      <h2 id="account-passkeys">二要素認証（パスキー）</h2>
      <PasskeyNote />
      {props.passkeys.length > 0 ? (
        <PasskeysTable passkeys={props.passkeys} />
      ) : (
        <p>登録済みのパスキーはありません。</p>
      )}
      <h3>パスキーの登録</h3>
      <PasskeyRegisterForm csrfToken={props.csrfToken} errors={errors} count={props.passkeys.length} />
      {props.passkeys.length > 0 ? (
        <PasskeyRemoveForm csrfToken={props.csrfToken} passkeys={props.passkeys} errors={errors} />
      ) : null}
      <PasskeyScript />
    </section>
  );
}

function PasskeysTable({ passkeys }: { passkeys: Passkey[] }): VNode {
  return (
    <div class="table-scroll">
      <table class="results passkeys-table">
        <caption class="visually-hidden">登録済みのパスキー（{passkeys.length}件）</caption>
        <thead>
          <tr>
            <th scope="col">名前</th>
            <th scope="col">登録日時</th>
            <th scope="col">最終利用日時</th>
          </tr>
        </thead>
        <tbody>
          {passkeys.map((p) => (
            <tr data-passkey-row={p.name}>
              <td>{p.name}</td>
              <td>{formatJapanDateTime(p.createdAt)}</td>
              <td>{p.lastUsedAt ? formatJapanDateTime(p.lastUsedAt) : '未使用'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Removal: which passkey, and the password entered again. */
function PasskeyRemoveForm(props: { csrfToken: string; passkeys: Passkey[]; errors: PasskeyFormErrors }) {
  const passkey = fieldOf('removePasskey', props.errors.passkey);
  return (
    <form method="post" action="/account/passkeys/remove" class="form" novalidate>
      <CsrfField token={props.csrfToken} />
      <h3>パスキーの削除</h3>
      <p>削除するには、パスキーを選んでパスワードを入力してください。</p>
      <table class="form-table">
        <tbody>
          <FieldRow label="削除するパスキー" required {...passkey}>
            <select id="removePasskey" name="passkey" required {...fieldAria(passkey)}>
              {props.passkeys.map((p) => (
                <option value={String(p.id)}>
                  {p.name}（{formatJapanDateTime(p.createdAt)}登録）
                </option>
              ))}
            </select>
          </FieldRow>
          <CurrentPasswordRow field={fieldOf('removePasskeyPassword', props.errors.password)} />
        </tbody>
      </table>
      <DangerButton label="パスキーを削除" />
    </form>
  );
}
