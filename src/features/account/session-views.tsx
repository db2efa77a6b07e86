import type { VNode } from 'preact';
import { formatJapanDateTime } from '../../lib/japan-time.js';
import type { MessageId } from '../../lib/messages.js';
import { CsrfField, type ShownMessage } from '../../web/layout.js';
import type { OwnSession } from '../auth/sessions.js';
import { describeUserAgent } from './user-agent.js';
import { CurrentPasswordRow, DangerButton, fieldErrorMessages, fieldOf } from './view-parts.js';

const END_OTHERS_FIELDS = { password: { id: 'endOthersPassword', label: 'パスワード' } } as const;

export function endOthersErrorMessages(error: MessageId | undefined): ShownMessage[] {
  return fieldErrorMessages({ password: error }, END_OTHERS_FIELDS);
}

/**
 * ASVS V7.5.2: the user's sessions (when, from where, which browser), each but this one
 * endable, and all the others at once after the password.
 */
export function SessionsSection(props: {
  csrfToken: string;
  sessions: OwnSession[];
  currentSessionId: string;
  endOthersError?: MessageId;
}): VNode {
  const others = props.sessions.filter((s) => s.id !== props.currentSessionId);
  return (
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
              <SessionRow session={s} current={s.id === props.currentSessionId} csrfToken={props.csrfToken} />
            ))}
          </tbody>
        </table>
      </div>
      {others.length > 0 ? (
        <EndOthersForm csrfToken={props.csrfToken} error={props.endOthersError} />
      ) : (
        <p class="note">ほかにログイン中のセッションはありません。</p>
      )}
    </section>
  );
}

function SessionRow(props: { session: OwnSession; current: boolean; csrfToken: string }): VNode {
  const s = props.session;
  return (
    <tr data-session-row={props.current ? 'current' : 'other'}>
      <td>{formatJapanDateTime(s.createdAt)}</td>
      <td>{formatJapanDateTime(s.lastSeenAt)}</td>
      <td>{s.ip}</td>
      <td title={s.userAgent}>{describeUserAgent(s.userAgent)}</td>
      <td>
        {props.current ? (
          <span class="badge">この画面のセッション</span>
        ) : (
          <form method="post" action="/account/sessions/end">
            <CsrfField token={props.csrfToken} />
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
  );
}

function EndOthersForm(props: { csrfToken: string; error: MessageId | undefined }): VNode {
  return (
    <form method="post" action="/account/sessions/end-others" class="form" novalidate>
      <CsrfField token={props.csrfToken} />
      <p>ほかのセッションをすべて終了するには、パスワードを入力してください。</p>
      <table class="form-table">
        <tbody>
          <CurrentPasswordRow field={fieldOf('endOthersPassword', props.error)} />
        </tbody>
      </table>
      <DangerButton label="ほかのセッションをすべて終了" />
    </form>
  );
}
