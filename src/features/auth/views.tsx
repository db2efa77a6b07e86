import type { VNode } from 'preact';
import type { MessageId } from '../../lib/messages.js';
import { CsrfField, FieldRow, Layout, type PageAuth, type ShownMessage } from '../../web/layout.js';
import type { PasswordChangeErrors } from './service.js';

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
            <FieldRow label="ユーザID" htmlFor="userId" required>
              <input
                id="userId"
                name="userId"
                type="text"
                value={props.userId ?? ''}
                autocomplete="username"
                maxlength={20}
                required
                autofocus
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
      <p class="note">
        パスワードを5回連続で間違えるとユーザがロックされます。ロックされた場合は、登録作業者(管理者)にユーザロック解除を依頼してください。
      </p>
    </Layout>
  );
}

export function PasswordChangePage(props: {
  csrfToken: string;
  auth: PageAuth;
  forced: boolean;
  errors?: PasswordChangeErrors;
  infos?: ShownMessage[];
}): VNode {
  const fieldError = (id: MessageId | undefined) => (id ? { id } : undefined);
  const errors = props.errors ?? {};
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Layout
      title="パスワード変更画面"
      csrfToken={props.csrfToken}
      auth={props.auth}
      breadcrumbs={[{ label: 'パスワード変更画面' }]}
      errors={hasErrors ? [{ id: 'error.form.invalid' }] : []}
      infos={[...(props.forced ? [{ id: 'info.password.mustChange' as const }] : []), ...(props.infos ?? [])]}
    >
      <form method="post" action="/password" class="form" novalidate>
        <CsrfField token={props.csrfToken} />
        <table class="form-table">
          <tbody>
            <FieldRow
              label="現在のパスワード"
              htmlFor="currentPassword"
              required
              error={fieldError(errors.currentPassword)}
            >
              <input
                id="currentPassword"
                name="currentPassword"
                type="password"
                autocomplete="current-password"
                maxlength={256}
                required
              />
            </FieldRow>
            <FieldRow
              label="新しいパスワード"
              htmlFor="newPassword"
              required
              hint="12文字以上128文字以内。ユーザID・ユーザ名・メールアドレスを含むものや、よく使われるパスワード、直近に使用したパスワードは使用できません。"
              error={fieldError(errors.newPassword)}
            >
              <input
                id="newPassword"
                name="newPassword"
                type="password"
                autocomplete="new-password"
                maxlength={512}
                required
              />
            </FieldRow>
            <FieldRow
              label="新しいパスワード（確認）"
              htmlFor="confirmPassword"
              required
              error={fieldError(errors.confirmPassword)}
            >
              <input
                id="confirmPassword"
                name="confirmPassword"
                type="password"
                autocomplete="new-password"
                maxlength={512}
                required
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
