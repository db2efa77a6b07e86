import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren, VNode } from 'preact';
import { type Crumb, Layout, type LayoutProps, type ShownMessage } from './layout.js';
import { pageContext, sendPage } from './render.js';

/** Where an error screen leads back to. */
export interface BackLink {
  href: string;
  label: string;
}

/**
 * The one error screen (SPEC §4: the messages at the top): a refused action, a page not
 * found, a forbidden or malformed request. What follows the messages (the user concerned,
 * the ways back) is the caller's.
 */
export function ErrorPage(props: {
  page: Pick<LayoutProps, 'auth' | 'csrfToken'>;
  errors: ShownMessage[];
  title?: string;
  breadcrumbs?: Crumb[];
  children?: ComponentChildren;
}): VNode {
  return (
    <Layout
      {...props.page}
      title={props.title ?? 'エラー'}
      breadcrumbs={props.breadcrumbs}
      errors={props.errors}
    >
      {props.children}
    </Layout>
  );
}

/** Sends the error screen with its messages and one link back. */
export function sendErrorPage(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  errors: ShownMessage[],
  back: BackLink,
): FastifyReply {
  return sendPage(
    reply,
    <ErrorPage page={pageContext(request)} errors={errors}>
      <p>
        <a href={back.href}>{back.label}</a>
      </p>
    </ErrorPage>,
    status,
  );
}
