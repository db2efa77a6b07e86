import type { ComponentChildren, VNode } from 'preact';
import type { MessageId } from '../../lib/messages.js';
import { ErrorPage } from '../../web/error-page.js';
import {
  type Crumb,
  CsrfField,
  DetailTable,
  Layout,
  type LayoutProps,
  type ShownMessage,
} from '../../web/layout.js';
import type { User } from './model.js';
import { USERS_CRUMBS, userDetailRows } from './presenters.js';

/**
 * What the screens of SPEC §4.4–§4.9, §4.12 (manual ch. 4–9) share: trails, buttons that
 * post a confirmation's token, the confirmation page of D-15 (the no-JavaScript path of
 * every browser dialog), completion and refusal pages.
 */

/** What every page takes from the request: the signed-in user and the CSRF token. */
export type PageBase = Pick<LayoutProps, 'auth' | 'csrfToken'>;

/** What every confirmation page takes besides what it confirms (D-15, D-18). */
export interface ConfirmPageProps {
  page: PageBase;
  operatorName: string;
  /** The sealed token its 実行 or OK posts. */
  token: string;
  /** Already executed (back from the completion page): said so, what it names as it is now, and no 実行 or OK. */
  executed?: boolean;
}

const LIST_CRUMB: Crumb = { label: 'ユーザ情報一覧画面', href: '/users' };
const detailCrumb = (userId: string): Crumb => ({ label: 'ユーザ情報詳細画面', href: `/users/${userId}` });

/** Manual trails: TOP > 参加登録 > ユーザ情報管理 > ユーザ情報一覧画面 > … */
export const crumbs = {
  list: (...rest: string[]): Crumb[] => [...USERS_CRUMBS, LIST_CRUMB, ...rest.map((label) => ({ label }))],
  detail: (userId: string, ...rest: string[]): Crumb[] => [
    ...USERS_CRUMBS,
    LIST_CRUMB,
    detailCrumb(userId),
    ...rest.map((label) => ({ label })),
  ],
};

export function Hidden({ name, value }: { name: string; value: string }): VNode {
  return <input type="hidden" name={name} value={value} />;
}

/** A button that posts the one-time token (and more hidden fields) to an action. */
export function TokenButton(props: {
  action: string;
  csrfToken: string;
  token: string;
  label: string;
  primary?: boolean;
  danger?: boolean;
  confirmed?: '0' | '1';
  confirmText?: string;
  hidden?: [string, string][];
}): VNode {
  const cls = props.danger
    ? 'button button-danger'
    : props.primary
      ? 'button button-primary'
      : 'button button-secondary';
  return (
    <form method="post" action={props.action} data-confirm={props.confirmText}>
      <CsrfField token={props.csrfToken} />
      <Hidden name="token" value={props.token} />
      {props.confirmed ? <Hidden name="confirmed" value={props.confirmed} /> : null}
      {(props.hidden ?? []).map(([name, value]) => (
        <Hidden name={name} value={value} />
      ))}
      <button type="submit" class={cls}>
        {props.label}
      </button>
    </form>
  );
}

export function LinkButton({ href, label }: { href: string; label: string }): VNode {
  return (
    <a class="button button-secondary" href={href}>
      {label}
    </a>
  );
}

/**
 * A confirmation page (D-15, D-18): the question, what it confirms, and its answers. Shown
 * again after its 実行 (back from the completion page, PRG), it says so instead of asking,
 * shows what it names as it is now, and leads on with `executedLinks` instead of answering.
 */
export function ConfirmLayout(props: {
  page: PageBase;
  title: string;
  breadcrumbs: Crumb[];
  question: ShownMessage;
  executed: boolean | undefined;
  executedLinks: PageLink[];
  answers: ComponentChildren;
  children: ComponentChildren;
}): VNode {
  const messages: Partial<LayoutProps> = props.executed
    ? { errors: [{ id: 'error.alreadyExecuted' }] }
    : { infos: [props.question] };
  return (
    <Layout {...props.page} title={props.title} breadcrumbs={props.breadcrumbs} {...messages}>
      {props.children}
      {props.executed ? <LinkActions links={props.executedLinks} /> : props.answers}
    </Layout>
  );
}

/**
 * The confirmation page of an action on one user (delete, unlock, reissue, the second
 * factor's reset) for browsers without JavaScript: the same token, now with confirmed=1.
 */
export function ActionConfirmPage(
  props: ConfirmPageProps & {
    title: string;
    breadcrumbs: Crumb[];
    info: MessageId;
    userId: string;
    /** The user as the action shows them (as they are now, once executed). */
    rows: [string, string][];
    action: string;
    /** OK destroys something (the second factor): red instead of primary. */
    danger?: boolean | undefined;
  },
): VNode {
  // SPEC D-15: without JavaScript this page is the browser's dialog, so it answers with
  // the dialog's buttons: キャンセル and OK.
  return (
    <ConfirmLayout
      page={props.page}
      title={props.title}
      breadcrumbs={props.breadcrumbs}
      question={{ id: props.info }}
      executed={props.executed}
      executedLinks={[detailLink(props.userId), LIST_LINK]}
      answers={
        <DialogAnswers
          cancelHref={`/users/${props.userId}`}
          action={props.action}
          csrfToken={props.page.csrfToken}
          token={props.token}
          danger={props.danger}
        />
      }
    >
      <DetailTable rows={props.rows} />
    </ConfirmLayout>
  );
}

/**
 * A form whose 確認 leads to a confirmation page (register, bulk register, change, SPEC §4):
 * its CSRF field and hidden fields (this showing's form ID, D-18; the version, §4.5), its
 * rows, 戻る and 確認.
 */
export function ConfirmableForm(props: {
  action: string;
  csrfToken: string;
  hidden: [string, string][];
  /** Where 戻る leads. */
  back: string;
  /** A file upload (bulk register). */
  multipart?: boolean;
  children: ComponentChildren;
}): VNode {
  return (
    <form
      method="post"
      action={props.action}
      enctype={props.multipart ? 'multipart/form-data' : undefined}
      class="form"
      novalidate
    >
      <CsrfField token={props.csrfToken} />
      {props.hidden.map(([name, value]) => (
        <Hidden name={name} value={value} />
      ))}
      <table class="form-table">
        <tbody>{props.children}</tbody>
      </table>
      <div class="actions">
        <LinkButton href={props.back} label="戻る" />
        <button type="submit" class="button button-primary">
          確認
        </button>
      </div>
    </form>
  );
}

/**
 * A confirmation's answers (register, bulk register, change): 戻る to the form, a post of the
 * token that keeps what was typed (`back.post`) or a link (`back.href`), and 実行.
 */
export function ExecuteAnswers(props: {
  back: { post: string } | { href: string };
  action: string;
  csrfToken: string;
  token: string;
}): VNode {
  return (
    <div class="actions">
      {'post' in props.back ? (
        <TokenButton action={props.back.post} csrfToken={props.csrfToken} token={props.token} label="戻る" />
      ) : (
        <LinkButton href={props.back.href} label="戻る" />
      )}
      <TokenButton
        action={props.action}
        csrfToken={props.csrfToken}
        token={props.token}
        label="実行"
        primary
      />
    </div>
  );
}

/**
 * A confirmation page's answers where the browser's dialog would ask (D-15): キャンセル
 * back to the user, OK posting the same token with confirmed=1.
 */
export function DialogAnswers(props: {
  cancelHref: string;
  action: string;
  csrfToken: string;
  token: string;
  /** A button that destroys (the second factor's reset, bulk delete): red instead of primary. */
  danger?: boolean | undefined;
  /** More fields OK posts (bulk delete's selection). */
  hidden?: [string, string][];
}): VNode {
  return (
    <div class="actions">
      <LinkButton href={props.cancelHref} label="キャンセル" />
      <TokenButton
        action={props.action}
        csrfToken={props.csrfToken}
        token={props.token}
        label="OK"
        primary={!props.danger}
        danger={props.danger}
        confirmed="1"
        hidden={props.hidden}
      />
    </div>
  );
}

/** Links as buttons: where to go next. */
function LinkActions({ links }: { links: PageLink[] }): VNode {
  return (
    <div class="actions">
      {links.map((l) => (
        <LinkButton href={l.href} label={l.label} />
      ))}
    </div>
  );
}

/**
 * A wide table in a box of its own that scrolls, reachable and named for the keyboard
 * (WCAG 2.1.1, 1.4.10) without JavaScript too: the page never gets wider than the screen.
 * A named section is a region landmark.
 */
export function ScrollBox({ label, children }: { label: string; children: ComponentChildren }): VNode {
  return (
    <section class="table-scroll" tabindex={0} aria-label={label}>
      {children}
    </section>
  );
}

/** A table of plain cells under their column headers (the confirmation of a bulk action). */
export function DataTable({
  label,
  headers,
  rows,
}: {
  /** What the scrolling box is called (a landmark's name). */
  label: string;
  headers: string[];
  rows: (string | number)[][];
}): VNode {
  return (
    <ScrollBox label={label}>
      <DataTableBody headers={headers} rows={rows} />
    </ScrollBox>
  );
}

function DataTableBody({ headers, rows }: { headers: string[]; rows: (string | number)[][] }): VNode {
  return (
    <table class="results">
      <thead>
        <tr>
          {headers.map((h) => (
            <th scope="col">{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr>
            {row.map((cell) => (
              <td>{cell}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export interface PageLink {
  href: string;
  label: string;
}

export const LIST_LINK: PageLink = { href: '/users', label: 'ユーザ情報一覧画面へ' };
export const detailLink = (userId: string): PageLink => ({
  href: `/users/${userId}`,
  label: 'ユーザ情報詳細画面へ',
});

/**
 * The page after an action (SPEC §4: the message at the top): its completion page (完了画面)
 * or its refusal, on the one error screen; then the user concerned, if any, and where to go
 * next.
 */
export function ResultPage(props: {
  page: PageBase;
  title: string;
  breadcrumbs: Crumb[];
  outcome: { infos: ShownMessage[] } | { error: ShownMessage };
  rows?: [string, string][] | undefined;
  links: PageLink[];
}): VNode {
  const { page, title, breadcrumbs, outcome } = props;
  const body = (
    <>
      {props.rows ? <DetailTable rows={props.rows} /> : null}
      <LinkActions links={props.links} />
    </>
  );
  return 'error' in outcome ? (
    <ErrorPage page={page} title={title} breadcrumbs={breadcrumbs} errors={[outcome.error]}>
      {body}
    </ErrorPage>
  ) : (
    <Layout {...page} title={title} breadcrumbs={breadcrumbs} infos={outcome.infos}>
      {body}
    </Layout>
  );
}

/** The detail rows of a user as the completion pages show them. */
export function resultRows(user: User, operatorName: string): [string, string][] {
  return userDetailRows(user, operatorName);
}
