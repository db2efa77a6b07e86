import type { ComponentChildren, VNode } from 'preact';
import { formatJapanDateTime } from '../lib/japan-time.js';
import { type MessageId, message } from '../lib/messages.js';
import { assetUrl } from './assets.js';

export interface Crumb {
  label: string;
  href?: string;
}

export interface ShownMessage {
  id: MessageId;
  params?: Record<string, string | number>;
}

export interface PageAuth {
  userName: string;
  loginAt: Date;
  isAdmin: boolean;
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

/** SPEC §4: one message line, with its catalog ID as the manual shows it. */
export function MessageLine({ m }: { m: ShownMessage }): VNode {
  return (
    <li data-message-id={m.id}>
      <span class="message-id">{m.id}</span> : {message(m.id, m.params)}
    </li>
  );
}

export function Layout(props: LayoutProps): VNode {
  const crumbs: Crumb[] = [{ label: 'TOP', href: '/' }, ...(props.breadcrumbs ?? [])];
  return (
    <html lang="ja">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} | 容量市場システム`}</title>
        <link rel="stylesheet" href={assetUrl('app.css')} />
        <script src={assetUrl('app.js')} defer />
      </head>
      <body>
        <header class="site-header">
          <a class="brand" href="/">
            容量市場システム
          </a>
          {props.auth ? (
            <div class="session-info">
              <div>
                <div>ログイン日時: {formatJapanDateTime(props.auth.loginAt)}</div>
                <div>ユーザ名: {props.auth.userName}</div>
              </div>
              <form method="post" action="/logout">
                <input type="hidden" name="_csrf" value={props.csrfToken} />
                <button type="submit" class="button-secondary">
                  ログアウト
                </button>
              </form>
            </div>
          ) : null}
        </header>
        {props.auth ? (
          <nav class="menu" aria-label="メニュー">
            <details>
              <summary>メニュー</summary>
              <ul>
                <li>
                  <a href="/participation">参加登録</a>
                  <ul>
                    <li>
                      <a href="/users">ユーザ情報管理</a>
                    </li>
                    {props.auth.isAdmin ? (
                      <li>
                        <a href="/audit">監査ログ</a>
                      </li>
                    ) : null}
                  </ul>
                </li>
              </ul>
            </details>
          </nav>
        ) : null}
        <main>
          <h1>{props.title}</h1>
          <nav class="breadcrumbs" aria-label="パンくずリスト">
            <ol>
              {crumbs.map((c, i) => (
                <li>
                  {c.href && i < crumbs.length - 1 ? <a href={c.href}>{c.label}</a> : <span>{c.label}</span>}
                </li>
              ))}
            </ol>
          </nav>
          {props.errors && props.errors.length > 0 ? (
            <div class="messages messages-error" role="alert">
              <ul>
                {props.errors.map((m) => (
                  <MessageLine m={m} />
                ))}
              </ul>
            </div>
          ) : null}
          {props.infos && props.infos.length > 0 ? (
            <div class="messages messages-info" role="status">
              <ul>
                {props.infos.map((m) => (
                  <MessageLine m={m} />
                ))}
              </ul>
            </div>
          ) : null}
          {props.children}
        </main>
        <footer class="site-footer">Copyright OCCTO. All Rights Reserved.</footer>
      </body>
    </html>
  );
}

/** A form field row: label, required mark, hint, the control, and its error beside it. */
export function FieldRow(props: {
  label: string;
  htmlFor?: string;
  required?: boolean;
  hint?: string;
  error?: ShownMessage | undefined;
  children: ComponentChildren;
}): VNode {
  return (
    <tr class={props.error ? 'field field-invalid' : 'field'}>
      <th scope="row">
        <label for={props.htmlFor}>{props.label}</label>
        {props.required ? <span class="required"> *</span> : null}
      </th>
      <td>
        {props.hint ? <div class="hint">{props.hint}</div> : null}
        {props.children}
        {props.error ? (
          <div class="field-error" id={props.htmlFor ? `${props.htmlFor}-error` : undefined}>
            {message(props.error.id, props.error.params)}
          </div>
        ) : null}
      </td>
    </tr>
  );
}

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
  return <input type="hidden" name="_csrf" value={token} />;
}
