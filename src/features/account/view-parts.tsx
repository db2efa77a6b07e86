import type { VNode } from 'preact';
import type { MessageId } from '../../lib/messages.js';
import {
  type FieldDescription,
  type FieldRef,
  FieldRow,
  fieldAria,
  type LayoutProps,
  type ShownMessage,
} from '../../web/layout.js';

/** What every account page takes from the request: the signed-in user and the CSRF token. */
export type Page = Pick<LayoutProps, 'auth' | 'csrfToken'>;

export const ACCOUNT_CRUMB = { label: 'アカウント設定', href: '/account' };

/** A control of an account form with its hint and its error beside it. */
export function fieldOf(
  id: string,
  error: MessageId | undefined,
  hint?: string,
): FieldDescription & { htmlFor: string } {
  return { htmlFor: id, hint, error: error ? { id: error } : undefined };
}

/**
 * A form's errors for the top of the page, each linking to its field (WCAG 3.3.1), in the
 * order of `fields`.
 */
export function fieldErrorMessages<K extends string>(
  errors: Partial<Record<K, MessageId>> | undefined,
  fields: Record<K, FieldRef>,
): ShownMessage[] {
  return (Object.keys(fields) as K[]).flatMap((key) => {
    const id = errors?.[key];
    return id ? [{ id, field: fields[key] }] : [];
  });
}

/** A required one-line entry of something secret the user types: a password, a code. */
function SecretRow(props: {
  label: string;
  name: string;
  type: 'password' | 'text';
  inputmode?: 'numeric' | undefined;
  autocomplete: 'current-password' | 'one-time-code';
  maxLength: number;
  field: FieldDescription & { htmlFor: string };
}): VNode {
  // Preact's input types are a union by type; 'password' and 'text' take the same attributes here.
  const type = props.type as 'text';
  return (
    <FieldRow label={props.label} required {...props.field}>
      <input
        id={props.field.htmlFor}
        name={props.name}
        type={type}
        inputmode={props.inputmode}
        autocomplete={props.autocomplete}
        maxlength={props.maxLength}
        required
        {...fieldAria(props.field)}
      />
    </FieldRow>
  );
}

/**
 * The user's password, entered again before an action that a stolen session alone must
 * not take (removing a factor, ending the other sessions, removing a passkey).
 */
export function CurrentPasswordRow(props: { field: FieldDescription & { htmlFor: string } }): VNode {
  return (
    <SecretRow
      label="パスワード"
      name="password"
      type="password"
      autocomplete="current-password"
      maxLength={256}
      field={props.field}
    />
  );
}

/** The code the authenticator app shows (where removing the factor, a recovery code too). */
export function CodeRow(props: {
  field: FieldDescription & { htmlFor: string };
  maxLength: number;
  numeric?: boolean;
}): VNode {
  return (
    <SecretRow
      label="確認コード"
      name="code"
      type="text"
      inputmode={props.numeric ? 'numeric' : undefined}
      autocomplete="one-time-code"
      maxLength={props.maxLength}
      field={props.field}
    />
  );
}

/** A form's buttons: a way back (a link: 戻る, キャンセル), then the form's submit button. */
export function FormActions(props: { back?: { href: string; label: string }; submit: string }): VNode {
  return (
    <div class="actions">
      {props.back ? (
        <a class="button button-secondary" href={props.back.href}>
          {props.back.label}
        </a>
      ) : null}
      <button type="submit" class="button-primary">
        {props.submit}
      </button>
    </div>
  );
}

/** A form's one red button (an action that removes or ends something). */
export function DangerButton(props: { label: string }): VNode {
  return (
    <div class="actions">
      <button type="submit" class="button-danger">
        {props.label}
      </button>
    </div>
  );
}
