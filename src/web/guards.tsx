import type { FastifyReply, FastifyRequest } from 'fastify';
import { Layout } from './layout.js';
import { pageContext, sendPage } from './render.js';

/**
 * SPEC §2: register, change, delete, unlock and reissue are for admins. The check runs
 * on the server, whatever buttons a page shows: a general user gets 403 and nothing runs.
 */
export async function adminOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (request.auth?.user.role !== 'admin') {
    await sendPage(
      reply,
      <Layout {...pageContext(request)} title="エラー" errors={[{ id: 'error.forbidden' }]}>
        <p>
          <a href="/users">ユーザ情報一覧画面へ戻る</a>
        </p>
      </Layout>,
      403,
    );
  }
}

/** Another operator's user, or no such user: the same "not found" page (SPEC §2). */
export function sendUserNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendPage(
    reply,
    <Layout {...pageContext(request)} title="エラー" errors={[{ id: 'error.user.notFound' }]}>
      <p>
        <a href="/users">ユーザ情報一覧画面へ戻る</a>
      </p>
    </Layout>,
    404,
  );
}
