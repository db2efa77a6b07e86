import type { VNode } from 'preact';
import {
  CsrfField,
  type FieldDescription,
  FieldRow,
  fieldAria,
  Layout,
  type PageAuth,
  type ShownMessage,
} from '../../web/layout.js';
import type { PasswordChangeErrors } from './password-change.js';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './password-policy.js';

/** パスワード変更画面 (SPEC §4.10): the three fields, the rules of D-13, every problem at once. */

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

interface PasswordChangePageProps {
  csrfToken: string;
  auth: PageAuth;
  /** The password is temporary: the change is forced (no 戻る). */
  forced: boolean;
  errors?: PasswordChangeErrors | undefined;
  infos?: ShownMessage[];
}

export function PasswordChangePage(props: PasswordChangePageProps): VNode {
  const errors = props.errors ?? {};
  const field = (name: keyof PasswordChangeErrors, hint?: VNode): FieldDescription & { htmlFor: string } => ({
    htmlFor: name,
    hint,
    errors: (errors[name] ?? []).map((id) => ({ id })),
  });
  const [current, next, confirm] = PASSWORD_FIELDS;
  return (
    <Layout
      title="パスワード変更画面"
      csrfToken={props.csrfToken}
      auth={props.auth}
      breadcrumbs={[{ label: 'パスワード変更画面' }]}
      errors={passwordErrorSummary(errors)}
      infos={[...(props.forced ? [{ id: 'info.password.mustChange' as const }] : []), ...(props.infos ?? [])]}
    >
      <form method="post" action="/password" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <table class="form-table">
          <tbody>
            <PasswordRow
              {...current}
              field={field(current.name)}
              autocomplete="current-password"
              maxlength={256}
            />
            <PasswordRow
              {...next}
              field={field(next.name, <PasswordRules />)}
              autocomplete="new-password"
              maxlength={512}
            />
            <PasswordRow
              {...confirm}
              field={field(confirm.name)}
              autocomplete="new-password"
              maxlength={512}
            />
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

/**
 * At the top: the form's message, then one line per field linking to it; a field with
 * several problems (the new password) is one line that counts them, listed beside it.
 */
function passwordErrorSummary(errors: PasswordChangeErrors): ShownMessage[] {
  const top: ShownMessage[] = [];
  for (const { name, label } of PASSWORD_FIELDS) {
    const ids = errors[name] ?? [];
    const link = { id: name, label };
    if (ids.length === 1) top.push({ id: ids[0]!, field: link });
    else if (ids.length > 1) {
      top.push({ id: 'error.password.policy', params: { count: ids.length }, field: link });
    }
  }
  return top.length > 0 ? [{ id: 'error.form.invalid' }, ...top] : [];
}

/** One password field of the form (its ID and name are the field's name). */
function PasswordRow(props: {
  name: string;
  label: string;
  field: FieldDescription & { htmlFor: string };
  autocomplete: 'current-password' | 'new-password';
  maxlength: number;
}): VNode {
  return (
    <FieldRow label={props.label} required {...props.field}>
      <input
        id={props.name}
        name={props.name}
        type="password"
        autocomplete={props.autocomplete}
        maxlength={props.maxlength}
        required
        {...fieldAria(props.field)}
      />
    </FieldRow>
  );
}
