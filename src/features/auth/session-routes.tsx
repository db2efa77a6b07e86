import type { FastifyInstance } from 'fastify';
import { FIELD_LABELS } from '../../lib/field-labels.js';
import { requireAuth } from '../../web/guards.js';
import { Layout } from '../../web/layout.js';
import { pageContext, sendPage } from '../../web/render.js';
import { REGISTRABLE_ROLE } from '../users/model.js';
import { type DraftFields, formDraftCookieName, openFormDraft } from './form-drafts.js';
import { safeNext } from './login-pages.js';
import { RESUME_PATH } from './plugin.js';
import { extendSession } from './sessions.js';

/** What the page shows of a kept form: the fields the user typed, by their labels. */
function keptRows(fields: DraftFields): [string, string][] {
  const rows: [string, string][] = [];
  const phone = ['phone1', 'phone2', 'phone3']
    .map((n) => fields[n])
    .filter((v) => typeof v === 'string' && v);
  for (const [name, value] of Object.entries(fields)) {
    if (name.startsWith('phone')) continue;
    const label = (FIELD_LABELS as Record<string, string>)[name];
    const shown = name === 'role' && value === REGISTRABLE_ROLE.value ? REGISTRABLE_ROLE.label : value;
    if (label && typeof shown === 'string' && shown) rows.push([label, shown]);
  }
  if (phone.length > 0) rows.push([FIELD_LABELS.phone, phone.join('-')]);
  return rows;
}

/** The hidden inputs that send a kept form's fields again, in their order. */
function HiddenFields({ fields }: { fields: DraftFields }) {
  return (
    <>
      {Object.entries(fields).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value]).map((v, i) => (
          <input key={`${name}-${i}`} type="hidden" name={name} value={v} />
        )),
      )}
    </>
  );
}

/**
 * The session's end without losing work (issue: the operator's day, item 4): 延長 from
 * the warning app.js shows before the idle limit, and the kept form offered back after
 * a new login.
 */
export async function sessionRoutes(app: FastifyInstance): Promise<void> {
  // 延長: a POST (it writes), answered without a page for the script that asks.
  app.post('/session/extend', async (request, reply) => {
    const auth = requireAuth(request);
    await extendSession(app.store.db, auth.session.id, app.clock.now());
    return reply.status(204).send();
  });

  // Reads the sealed cookie only (D-18): the page sends the kept fields on when the user
  // says so, to the form they were typed into, with this session's token.
  app.get(RESUME_PATH, async (request, reply) => {
    const auth = requireAuth(request);
    const cookieName = formDraftCookieName(app.appConfig.secureCookies);
    const sealed = request.cookies[cookieName];
    const draft = sealed
      ? openFormDraft(app.keys.formDraft, auth.user.userId, sealed, app.clock.now())
      : undefined;
    reply.clearCookie(cookieName, {
      path: '/',
      secure: app.appConfig.secureCookies,
      httpOnly: true,
      sameSite: 'lax',
    });
    const action = draft ? safeNext(draft.path) : '/';
    if (!draft || action === '/') return reply.redirect('/', 303);
    return sendPage(
      reply,
      <Layout {...pageContext(request)} title="入力内容の復元" infos={[{ id: 'info.session.resume' }]}>
        {keptRows(draft.fields).length > 0 ? (
          <table class="detail">
            <caption>保存した入力内容</caption>
            <tbody>
              {keptRows(draft.fields).map(([label, value]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  <td>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <form method="post" action={action} class="form">
          <input type="hidden" name="_csrf" value={request.csrfToken} />
          <HiddenFields fields={draft.fields} />
          <div class="actions">
            <a class="button button-secondary" href="/">
              破棄してTOPへ
            </a>
            <button type="submit" class="button-primary" autofocus>
              続ける
            </button>
          </div>
        </form>
      </Layout>,
    );
  });
}
