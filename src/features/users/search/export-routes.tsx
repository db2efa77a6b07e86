import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireAuth } from '../../../web/guards.js';
import { type InputSpec, one, requireInput } from '../../../web/input.js';
import type { ShownMessage } from '../../../web/layout.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { recordActionAudit } from '../action.js';
import {
  type Cp932File,
  CSV_MAX_ROWS,
  type CsvEncoding,
  contentDisposition,
  csvStream,
  encodeCp932File,
  encodedStream,
  parseCsvEncoding,
} from './csv.js';
import { CsvConfirmPage } from './export-views.js';
import { sendUserList } from './list-page.js';
import { parseSearchQuery, type SearchParse } from './query.js';
import { countUsers, searchUserBatches } from './repository.js';

/** SPEC D-19: what the export reads besides the search. */
const EXPORT_QUERY = { encoding: one('文字コード', 20), confirmed: one('確認', 10) } satisfies InputSpec;

/**
 * SPEC §4.3 / D-10, and §2 row 6: admins and general users export. The confirmation is
 * a page anyone may open or reload (a GET reads only, D-18); the export itself, which
 * is audited, is a post: from the list after the browser's dialog, or from this page's OK.
 */
export async function userExportRoutes(app: FastifyInstance): Promise<void> {
  app.get('/users/export', async (request, reply) => {
    const parsed = parseSearchQuery(request.query, requireAuth(request).user.operatorCode);
    const query = requireInput(request.query, EXPORT_QUERY);
    if (!parsed.ok) return sendUserList(app, request, reply, parsed);
    const encoding = parseCsvEncoding(query.encoding);
    return sendPage(
      reply,
      <CsvConfirmPage {...pageContext(request)} form={parsed.form} encoding={encoding} />,
    );
  });

  app.post('/users/export', async (request, reply) => {
    const parsed = parseSearchQuery(request.body, requireAuth(request).user.operatorCode);
    const form = requireInput(request.body, EXPORT_QUERY);
    if (!parsed.ok) return sendUserList(app, request, reply, parsed);
    const encoding = parseCsvEncoding(form.encoding);
    if (form.confirmed !== '1') {
      // SPEC D-15: without JavaScript the confirmation is a page.
      return sendPage(
        reply,
        <CsvConfirmPage {...pageContext(request)} form={parsed.form} encoding={encoding} />,
      );
    }
    return exportCsv(app, request, reply, parsed, encoding);
  });
}

type Searched = Extract<SearchParse, { ok: true }>;

/** A refusal of the export: the message, and what its audit record says. */
interface ExportRefusal {
  message: ShownMessage;
  detail: Record<string, unknown>;
}

/** SPEC §4.3: the export's refusal before any byte is sent: no rows, or more than 12,000. */
function refuseByCount(count: number): ExportRefusal | undefined {
  if (count === 0) return { message: { id: 'error.csv.noHits' }, detail: { rowCount: 0, reason: 'noHits' } };
  if (count <= CSV_MAX_ROWS) return undefined;
  return {
    message: { id: 'error.csv.tooMany', params: { count: count.toLocaleString('ja-JP') } },
    detail: { rowCount: count, reason: 'tooMany' },
  };
}

/** SPEC §4.3: a cell CP932 lacks stops the export before its first byte, naming the cell. */
function unencodableRefusal(count: number, bad: { userId: string; column: string }): ExportRefusal {
  return {
    message: { id: 'error.csv.unencodable', params: { where: `ユーザID ${bad.userId} の ${bad.column}` } },
    detail: { rowCount: count, reason: 'unencodable', userId: bad.userId, column: bad.column },
  };
}

/**
 * SPEC §4.3: count first, refuse 0 or more than 12,000 rows, check CP932 before the first
 * byte is sent, then stream the rows in batches. Every outcome leaves an audit record (§6).
 */
async function exportCsv(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  parsed: Searched,
  encoding: CsvEncoding,
): Promise<FastifyReply> {
  const auth = requireAuth(request);
  const db = app.store.db;
  const c = parsed.conditions;
  const batches = () => searchUserBatches(db, auth.user.operatorCode, c);
  const audit = (outcome: 'success' | 'failure', extra: Record<string, unknown>) =>
    recordActionAudit(
      db,
      { actor: auth.user, ip: request.ip, now: app.clock.now() },
      {
        action: 'csvExport',
        outcome,
        detail: { conditions: c, encoding, ...extra },
      },
    );
  const count = await countUsers(db, auth.user.operatorCode, c);
  let refusal = refuseByCount(count);
  let cp932: Extract<Cp932File, { ok: true }> | undefined;
  if (!refusal && encoding === 'cp932') {
    const file = await encodeCp932File(batches(), auth.operatorName);
    if (file.ok) cp932 = file;
    else if ('unencodable' in file) refusal = unencodableRefusal(count, file.unencodable);
    // Users were added since the count: the message names how many there are now.
    else refusal = refuseByCount(Math.max(file.rows, await countUsers(db, auth.user.operatorCode, c)));
  }
  if (refusal) {
    await audit('failure', refusal.detail);
    return sendUserList(app, request, reply, parsed, [refusal.message]);
  }
  const onDone = async (rows: number, error?: Error) => {
    if (error) request.log.warn({ err: error }, 'CSV export aborted while streaming');
    await (error
      ? audit('failure', { rowCount: rows, reason: 'aborted' })
      : audit('success', { rowCount: rows }));
  };
  const stream = cp932
    ? encodedStream(cp932, onDone)
    : csvStream(batches(), { operatorName: auth.operatorName, encoding, onDone });
  return reply
    .status(200)
    .type(encoding === 'cp932' ? 'text/csv; charset=Shift_JIS' : 'text/csv; charset=utf-8')
    .header('Content-Disposition', contentDisposition(app.clock.now()))
    .send(stream);
}
