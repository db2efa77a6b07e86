import type { ComponentChildren, VNode } from 'preact';
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
 * post a confirmation's token, links, tables, completion and refusal pages. The
 * confirmation pages themselves are in confirm-views.tsx.
 */

/** What every page takes from the request: the signed-in user and the CSRF token. */
export type PageBase = Pick<LayoutProps, 'auth' | 'csrfToken'>;

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

/** Links as buttons: where to go next. */
export function LinkActions({ links }: { links: PageLink[] }): VNode {
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
