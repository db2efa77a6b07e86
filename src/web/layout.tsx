import type { ComponentChildren, VNode } from 'preact';
import { formatJapanDateTime } from '../lib/japan-time.js';
import { type MessageId, message } from '../lib/messages.js';
import { assetUrl, builtAssetUrl } from './assets.js';
import { attr, html } from './html.js';

export interface Crumb {
  label: string;
  href?: string;
}

export interface ShownMessage {
  id: MessageId;
  params?: Record<string, string | number>;
  /**
   * The field the message is about: its line at the top of the screen links to the field
   * (WCAG 3.3.1, SPEC §4 "errors at the top and next to the field").
   */
  field?: FieldRef;
}

/** A form control by its `id`, and the label the screen shows for it. */
export interface FieldRef {
  id: string;
  label: string;
}

export interface PageAuth {
  userName: string;
  loginAt: Date;
  isAdmin: boolean;
  /** SPEC §4.11: minutes without a request before the session ends (app.js warns before). */
  idleMinutes?: number;
}

export interface LayoutProps {
  title: string;
  /** Trail after TOP; the last crumb is the current screen. */
  breadcrumbs?: Crumb[];
  auth?: PageAuth | null;
  csrfToken: string;
  errors?: ShownMessage[];
  infos?: ShownMessage[];
  children?: ComponentChildren;
}

/**
 * The text of a field's message as a link at the top: prefixed with the field's label when
 * the message does not name it (パスワードを入力してください。 could be any of three fields).
 */
function fieldMessageText(field: FieldRef, text: string): string {
  return text.includes(field.label) ? text : `${field.label}：${text}`;
}

/** SPEC §4: one message line, with its catalog ID as the manual shows it. */
export function MessageLine({ m }: { m: ShownMessage }): VNode {
  const text = message(m.id, m.params);
  const shown = m.field ? html`<a href="#${m.field.id}">${fieldMessageText(m.field, text)}</a>` : text;
  return html`<li data-message-id="${m.id}"><span class="message-id">${m.id}</span> : ${shown}</li>`;
}

/**
 * The frame of every page. Written as templates (web/html.ts), escaped like JSX: every
 * request renders it, and as elements it was a quarter of the list page's rendering
 * (docs/performance.md).
 */
export function Layout(props: LayoutProps): VNode {
  const { auth } = props;
  // The error summary takes the focus when the page loads (HTML autofocus, valid on any
  // focusable element; no script), so that a keyboard or screen reader user starts at
  // what went wrong, and its links lead to the fields (WCAG 3.3.1, 2.4.3).
  const errors =
    props.errors && props.errors.length > 0
      ? html`<div class="messages messages-error" role="alert" id="error-summary" tabindex="-1" autofocus>${messageList(props.errors)}</div>`
      : null;
  const infos =
    props.infos && props.infos.length > 0
      ? html`<div class="messages messages-info" role="status">${messageList(props.infos)}</div>`
      : null;
  // The strength hint's bundle is fetched by app.js, on a page with a new password only.
  // WCAG 2.4.1: the skip link is the first thing Tab reaches; main takes the focus.
  return html`<html lang="ja"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/><title>${props.title} | 容量市場システム</title><link rel="stylesheet" href="${assetUrl('app.css')}"/><script src="${assetUrl('app.js')}" data-strength-src="${builtAssetUrl('password-strength.js')}" defer></script></head><body${attr('data-session-idle-minutes', auth?.idleMinutes)}><a class="skip-link" href="#main">本文へスキップ</a>${siteHeader(auth, props.csrfToken)}${auth ? menu(auth) : null}<main id="main" tabindex="-1"><h1>${props.title}</h1>${breadcrumbs(props.breadcrumbs ?? [])}${errors}${infos}${props.children}</main><footer class="site-footer">Copyright OCCTO. All Rights Reserved.</footer></body></html>`;
}

/** The system's name, and for a signed-in user when they logged in, who they are and ログアウト. */
function siteHeader(auth: PageAuth | null | undefined, csrfToken: string): VNode {
  const session = auth
    ? html`<div class="session-info"><div><div>ログイン日時: ${formatJapanDateTime(auth.loginAt)}</div><div data-user-name="${auth.userName}">ユーザ名: ${auth.userName}</div></div><a class="tap-target" href="/account">アカウント設定</a><form method="post" action="/logout">${CsrfField({ token: csrfToken })}<button type="submit" class="button-secondary">ログアウト</button></form></div>`
    : null;
  return html`<header class="site-header"><a class="brand tap-target" href="/">容量市場システム</a>${session}</header>`;
}

/** The menu of a signed-in user; 監査ログ for admins only (SPEC §6). */
function menu(auth: PageAuth): VNode {
  const audit = auth.isAdmin ? AUDIT_MENU_ITEM : null;
  return html`<nav class="menu" aria-label="メニュー"><details><summary class="tap-target">メニュー</summary><ul><li><a class="tap-target" href="/participation">参加登録</a><ul><li><a class="tap-target" href="/users">ユーザ情報管理</a></li>${audit}</ul></li></ul></details></nav>`;
}

const AUDIT_MENU_ITEM = html`<li><a class="tap-target" href="/audit">監査ログ</a></li>`;

/** TOP, then the trail; the last crumb is the current screen and links nowhere. */
function breadcrumbs(trail: Crumb[]): VNode {
  const crumbs: Crumb[] = [{ label: 'TOP', href: '/' }, ...trail];
  const items = crumbs.map((c, i) =>
    c.href && i < crumbs.length - 1
      ? html`<li><a href="${c.href}">${c.label}</a></li>`
      : html`<li><span>${c.label}</span></li>`,
  );
  return html`<nav class="breadcrumbs" aria-label="パンくずリスト"><ol>${items}</ol></nav>`;
}

function messageList(messages: ShownMessage[]): VNode {
  return html`<ul>${messages.map((m) => MessageLine({ m }))}</ul>`;
}

/** What ties a control to its row: the hint and the error(s) shown next to it. */
export interface FieldDescription {
  /** The control's id: the row's hint is `${id}-hint`, its error `${id}-error`. */
  htmlFor?: string | undefined;
  hint?: ComponentChildren;
  error?: ShownMessage | undefined;
  /** Several problems of one field at once (the new password, SPEC D-13), shown as a list. */
  errors?: ShownMessage[] | undefined;
}

function fieldMessages(f: FieldDescription): ShownMessage[] {
  return [...(f.error ? [f.error] : []), ...(f.errors ?? [])];
}

/**
 * The attributes a control spreads to be tied to its row (WCAG 1.3.1, 3.3.1, 4.1.2):
 * `aria-invalid="true"` when the field has an error, and `aria-describedby` naming the
 * error first (what to fix) and the hint second. Every control of a row takes them, the
 * three parts of 電話番号 and each radio of 有効/無効 alike, so that whichever has the focus
 * is read with its field's error.
 */
export function fieldAria(f: FieldDescription): { 'aria-invalid'?: 'true'; 'aria-describedby'?: string } {
  if (!f.htmlFor) return {};
  const invalid = fieldMessages(f).length > 0;
  const ids = [...(invalid ? [`${f.htmlFor}-error`] : []), ...(f.hint ? [`${f.htmlFor}-hint`] : [])];
  return {
    ...(invalid ? { 'aria-invalid': 'true' as const } : {}),
    ...(ids.length > 0 ? { 'aria-describedby': ids.join(' ') } : {}),
  };
}

/**
 * A form field row: label, required mark, hint, the control, and its error beside it.
 * The controls take `fieldAria(props)`. A `group` (radios, the three parts of 電話番号) is a
 * `<fieldset>` named by its `<legend>` (WCAG 1.3.1, H71); the row header shows the same
 * label, so the legend is read, not shown twice.
 */
export function FieldRow(
  props: FieldDescription & {
    label: string;
    required?: boolean;
    group?: boolean;
    children: ComponentChildren;
  },
): VNode {
  const problems = fieldMessages(props);
  const id = props.htmlFor;
  const label = props.group
    ? html`<span>${props.label}</span>`
    : html`<label${attr('for', id)}>${props.label}</label>`;
  const hint = props.hint
    ? html`<div class="hint"${attr('id', id ? `${id}-hint` : null)}>${props.hint}</div>`
    : null;
  const control = props.group
    ? html`<fieldset class="field-group"><legend class="visually-hidden">${props.label}</legend>${props.children}</fieldset>`
    : props.children;
  const error =
    problems.length > 0
      ? html`<div class="field-error"${attr('id', id ? `${id}-error` : null)}>${
          problems.length === 1
            ? message(problems[0]!.id, problems[0]!.params)
            : html`<ul class="field-problems">${problems.map((p) => html`<li>${message(p.id, p.params)}</li>`)}</ul>`
        }</div>`
      : null;
  // A template (web/html.ts): forms repeat it for every field.
  return html`<tr class="${problems.length > 0 ? 'field field-invalid' : 'field'}"><th scope="row">${label}${props.required ? REQUIRED_MARK : null}</th><td>${hint}${control}${error}</td></tr>`;
}

const REQUIRED_MARK = html`<span class="required"> *</span>`;

/** Read-only rows of label / value, as on the detail and confirmation screens. */
export function DetailTable({ rows }: { rows: [string, string | VNode][] }): VNode {
  return (
    <table class="detail">
      <tbody>
        {rows.map(([label, value]) => (
          <tr>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function CsrfField({ token }: { token: string }): VNode {
  return html`<input type="hidden" name="_csrf" value="${token}"/>`;
}
