import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { Layout, type LayoutProps } from './layout.js';

/**
 * Where pages are encoded: at most three UTF-8 bytes per UTF-16 unit, so a page of up to
 * a third of this fits (the largest, a full list, is about 12,000 units).
 */
const ENCODE_SCRATCH = Buffer.allocUnsafe(1024 * 1024);

/**
 * A page as UTF-8 bytes. `Buffer.from` measures the text's UTF-8 length in one pass and
 * encodes it in a second, and for text with Japanese in it the first pass cost as much
 * as the second; here the text is encoded once into scratch space and the bytes copied
 * out (docs/performance.md). A page too long for the scratch space takes `Buffer.from`.
 */
export function encodePage(text: string): Buffer {
  if (text.length * 3 > ENCODE_SCRATCH.length) return Buffer.from(text, 'utf8');
  const length = ENCODE_SCRATCH.write(text, 0, 'utf8');
  const bytes = Buffer.allocUnsafe(length);
  ENCODE_SCRATCH.copy(bytes, 0, 0, length);
  return bytes;
}

/**
 * Sends a server-rendered page; text is escaped by Preact, so no value is ever raw HTML.
 * The page goes out as bytes, encoded once: sent as a string (a rope of many pieces), it
 * was measured for its length and then encoded again on the way to the socket.
 */
export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send(encodePage(`<!DOCTYPE html>${render(page)}`));
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
