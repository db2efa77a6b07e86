import type { ComponentChildren, VNode } from 'preact';
import type { MessageId } from '../../lib/messages.js';
import { type Crumb, CsrfField, DetailTable, Layout, type ShownMessage } from '../../web/layout.js';
import {
  detailLink,
  Hidden,
  LIST_LINK,
  LinkActions,
  LinkButton,
  type PageBase,
  type PageLink,
  TokenButton,
} from './shared-views.js';

/**
 * The confirmation pages of SPEC D-15 (the no-JavaScript path of every browser dialog) and
 * the answers they end with: 戻る / 実行, キャンセル / OK.
 */

/** What every confirmation page takes besides what it confirms (D-15, D-18). */
export interface ConfirmPageProps {
  page: PageBase;
  operatorName: string;
  /** The sealed token its 実行 or OK posts. */
  token: string;
  /** Already executed (back from the completion page): said so, what it names as it is now, and no 実行 or OK. */
  executed?: boolean;
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
  // Shown again after its 実行: said so instead of asking.
  const messages: { errors?: ShownMessage[]; infos?: ShownMessage[] } = props.executed
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
