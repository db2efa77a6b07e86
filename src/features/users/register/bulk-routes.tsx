import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { attachmentDisposition } from '../../../lib/csv.js';
import { japanDate } from '../../../lib/japan-time.js';
import { checkMultipartCsrf } from '../../../web/csrf.js';
import { requireAuth } from '../../../web/guards.js';
import type { ShownMessage } from '../../../web/layout.js';
import { pageContext, sendPage } from '../../../web/render.js';
import { tokenPurpose } from '../action.js';
import { formIdOf, newFormId } from '../action-tokens.js';
import { describeUserActionError } from '../errors.js';
import { confirmationToken, redirectToConfirmation } from '../shared-routes.js';
import { crumbs, LIST_LINK } from '../shared-views.js';
import { type CheckResult, checkBulkRegisterCsv } from './bulk-check.js';
import {
  bulkRegisterTemplate,
  decodeUpload,
  parseUploadEncoding,
  TEMPLATE_ASCII_FILE_NAME,
  TEMPLATE_FILE_NAME,
  type UploadEncoding,
} from './bulk-csv.js';
import {
  BulkRegisterConfirmPage,
  BulkRegisterFormPage,
  COMPLETE_TITLE,
  CONFIRM_TITLE,
  UPLOAD_LINK,
  UPLOAD_TITLE,
} from './bulk-views.js';
import { confirmedRegistrationRoutes } from './confirmed-routes.js';
import { type BulkRegisterPayload, bulkRegisterUsers, roomRefusal } from './service.js';

/**
 * The README documents `throwFileSizeLimit` for `parts()` and the plugin reads it there,
 * but the type of `parts()`'s options leaves it out.
 */
const TRUNCATE_TOO_LARGE_FILES = { throwFileSizeLimit: false } as Parameters<FastifyRequest['parts']>[0];

/** What a multipart post of the upload form carried, read without ever throwing. */
interface Upload {
  csrf?: string;
  formId?: string;
  encoding?: string;
  file?: { name: string; bytes: Buffer };
  /** A problem of the upload itself: shown next to the file field. */
  problem?: ShownMessage;
}

/**
 * Reads every part of the upload form. The size limit (src/app.tsx: 1 MiB, one file, ten
 * fields) truncates instead of throwing, so the parts after a too large file (the CSRF
 * field, say) are still read and the answer is a message, not an error page. Anything
 * @fastify/multipart refuses (a second file, too many fields, a malformed body) becomes
 * one message as well: bad input never reaches the 500 handler.
 */
async function readUpload(request: FastifyRequest): Promise<Upload> {
  const upload: Upload = {};
  try {
    for await (const part of request.parts(TRUNCATE_TOO_LARGE_FILES)) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.file.truncated) upload.problem = { id: 'error.bulkRegist.fileTooLarge' };
        else if (part.fieldname === 'file' && !upload.file) upload.file = { name: part.filename, bytes };
      } else if (typeof part.value === 'string') {
        if (part.fieldname === '_csrf') upload.csrf ??= part.value;
        if (part.fieldname === 'encoding') upload.encoding ??= part.value;
        if (part.fieldname === 'formId') upload.formId ??= part.value;
      }
    }
  } catch (error) {
    request.log.info({ err: error }, 'bulk register upload refused');
    upload.problem ??= { id: 'error.bulkRegist.upload' };
  }
  return upload;
}

/** A confirmation page whose token does not hold: on the upload's screen, with the way back. */
const CONFIRM_REFUSAL = {
  title: UPLOAD_TITLE,
  breadcrumbs: crumbs.list(UPLOAD_TITLE),
  links: [UPLOAD_LINK, LIST_LINK],
  action: 'bulkRegister' as const,
};

/** SPEC §4.12 bulk register (一括登録): upload → checked → confirmation → 実行 → completion. Admins only (§2). */
export async function userBulkRegisterRoutes(app: FastifyInstance): Promise<void> {
  uploadFormRoutes(app);
  app.post('/users/bulk-register/confirm', { config: { multipart: true } }, async (request, reply) =>
    confirm(app, request, reply),
  );
  confirmedRegistrationRoutes<BulkRegisterPayload>(app, {
    path: '/users/bulk-register',
    action: 'bulkRegister',
    purpose: tokenPurpose.bulkRegister(),
    screen: CONFIRM_REFUSAL,
    confirmationScreen: {
      ...CONFIRM_REFUSAL,
      title: CONFIRM_TITLE,
      breadcrumbs: crumbs.list(UPLOAD_TITLE, CONFIRM_TITLE),
    },
    // The checked rows are in the token (eight at most: the limit of eight is told before).
    confirmationPage: (props, { rows }) => <BulkRegisterConfirmPage {...props} rows={rows} />,
    // Every row of the confirmation in one transaction, or none (SPEC §4.12, §4: at most once).
    register: bulkRegisterUsers,
    completionPage: ({ receipt, users }) => ({
      title: COMPLETE_TITLE,
      breadcrumbs: crumbs.list(UPLOAD_TITLE, COMPLETE_TITLE),
      info: { id: 'info.bulkRegist.complete', params: { count: receipt.userIds.length } },
      rows: users.map((u): [string, string] => [u.userId, u.userName]),
      links: [LIST_LINK, UPLOAD_LINK],
    }),
  });
}

/** The upload form and its CSV template. */
function uploadFormRoutes(app: FastifyInstance): void {
  app.get('/users/bulk-register', async (request, reply) => {
    return sendPage(
      reply,
      <BulkRegisterFormPage page={pageContext(request)} formId={newFormId()} encoding="auto" />,
    );
  });

  app.get('/users/bulk-register/template', async (_request, reply) => {
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', attachmentDisposition(TEMPLATE_FILE_NAME, TEMPLATE_ASCII_FILE_NAME))
      .send(bulkRegisterTemplate());
  });
}

type FormProps = Omit<Parameters<typeof BulkRegisterFormPage>[0], 'page' | 'encoding' | 'formId'>;

/** The upload's file, decoded and checked row by row; or the form's answer to a refused file. */
function checkUpload(
  upload: Upload,
  encoding: UploadEncoding,
  today: Date,
):
  | { ok: true; rows: Extract<CheckResult, { ok: true }>['rows'] }
  | { ok: false; status: number; props: FormProps } {
  const refuse = (status: number, props: FormProps) => ({ ok: false as const, status, props });
  if (upload.problem) {
    return refuse(upload.problem.id === 'error.bulkRegist.fileTooLarge' ? 413 : 400, {
      fileError: upload.problem,
    });
  }
  if (!upload.file || (upload.file.name === '' && upload.file.bytes.length === 0)) {
    return refuse(400, { fileError: { id: 'error.bulkRegist.fileRequired' } });
  }
  if (upload.file.bytes.length === 0) return refuse(400, { fileError: { id: 'error.bulkRegist.fileEmpty' } });
  const decoded = decodeUpload(upload.file.bytes, encoding);
  if (!decoded.ok) return refuse(400, { fileError: decoded.error });
  // D-20: bounded before parsing; a limit refuses the file as a whole, next to its field.
  const checked = checkBulkRegisterCsv(decoded.text, { today: japanDate(today) });
  if (!checked.ok) {
    return refuse(400, { fileError: checked.fileError, issues: checked.issues, omitted: checked.omitted });
  }
  return checked;
}

/**
 * 確認: the file is read, decoded and checked row by row; any problem shows the form
 * again with all of them, and nothing is stored. A file that fits becomes a one-time
 * token whose payload is the checked rows: 実行 registers exactly what was listed.
 */
async function confirm(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  const multipart = request.isMultipart();
  const upload: Upload = multipart ? await readUpload(request) : {};
  const formId = formIdOf(upload);
  const encoding = parseUploadEncoding(upload.encoding);
  const form = (status: number, props: FormProps, shownEncoding: UploadEncoding = encoding) =>
    sendPage(
      reply,
      <BulkRegisterFormPage
        page={pageContext(request)}
        formId={formId}
        encoding={shownEncoding}
        {...props}
      />,
      status,
    );
  // A url-encoded post had its CSRF field checked by the security plugin already.
  if (multipart && !checkMultipartCsrf(request, upload.csrf)) {
    request.log.warn({ route: request.routeOptions.url }, 'CSRF token refused');
    return form(403, { errors: [{ id: 'error.csrf' }] }, 'auto');
  }
  const checked = checkUpload(upload, encoding, app.clock.now());
  if (!checked.ok) return form(checked.status, checked.props);
  const full = await roomRefusal(app.store.db, requireAuth(request).user.operatorCode, checked.rows.length);
  if (full) {
    const described = describeUserActionError(full);
    return form(described.status, {
      errors: [{ id: described.id, params: described.params }, ...(described.details ?? [])],
    });
  }
  const payload: BulkRegisterPayload = { rows: checked.rows };
  const token = confirmationToken(app, request, tokenPurpose.bulkRegister(), { payload, formId });
  return redirectToConfirmation(reply, '/users/bulk-register/confirm', token);
}
