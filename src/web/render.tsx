import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { Layout, type LayoutProps } from './layout.js';

/**
 * Sends a server-rendered page; text is escaped by Preact, so no value is ever raw HTML.
 * The page goes out as bytes, encoded once: sent as a string (a rope of many pieces), it
 * was measured for its length and then encoded again on the way to the socket.
 */
export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(Buffer.from(`<!DOCTYPE html>${render(page)}`, 'utf8'));
}

/** The layout props a request already knows: the signed-in user and the CSRF token. */
export function pageContext(request: FastifyRequest): Pick<LayoutProps, 'auth' | 'csrfToken'> {
  return {
    auth: request.auth
      ? {
          userName: request.auth.user.userName,
          loginAt: request.auth.session.createdAt,
          isAdmin: request.auth.user.role === 'admin',
          idleMinutes: request.server.appConfig.sessionIdleMs / 60_000,
        }
      : null,
    csrfToken: request.csrfToken,
  };
}

/** Renders a whole page in the common layout. */
export function sendLayoutPage(
  reply: FastifyReply,
  request: FastifyRequest,
  props: Omit<LayoutProps, 'auth' | 'csrfToken'>,
  status = 200,
): FastifyReply {
  return sendPage(reply, <Layout {...pageContext(request)} {...props} />, status);
}
