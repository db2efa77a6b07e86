import type { FastifyInstance } from 'fastify';
import { formatJapanDateTime } from '../../lib/japan-time.js';
import { Layout } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';

/** The TOP page and the 参加登録 link page (SPEC §4, manual ch. 3 ①). */
export async function topRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Querystring: { passwordChanged?: string } }>('/', async (request, reply) => {
    const previous = request.auth?.session.previousLogin;
    return sendPage(
      reply,
      <Layout
        {...pageContext(request)}
        title="TOP"
        infos={request.query.passwordChanged ? [{ id: 'info.password.changed' }] : []}
      >
        {/* A user who did not log in at that time or from that address notices misuse. */}
        <p class="previous-login" data-previous-login>
          前回ログイン:{' '}
          {previous
            ? `${formatJapanDateTime(previous.at)}（接続元: ${previous.ip || '不明'}）`
            : 'なし（今回が初めてのログインです）'}
        </p>
        <section class="link-panel">
          <h2>参加登録</h2>
          <ul>
            <li>
              <a href="/users">ユーザ情報管理</a>
            </li>
            {request.auth?.user.role === 'admin' ? (
              <li>
                <a href="/audit">監査ログ</a>
              </li>
            ) : null}
          </ul>
        </section>
        <section class="link-panel">
          <h2>アカウント</h2>
          <ul>
            <li>
              <a href="/account">アカウント設定</a>
            </li>
          </ul>
        </section>
      </Layout>,
    );
  });

  app.get('/participation', async (request, reply) => {
    return sendPage(
      reply,
      <Layout {...pageContext(request)} title="参加登録" breadcrumbs={[{ label: '参加登録' }]}>
        <section class="link-panel">
          <ul>
            <li>
              <a href="/users">ユーザ情報管理</a>
            </li>
          </ul>
        </section>
      </Layout>,
    );
  });
}
