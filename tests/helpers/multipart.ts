import crypto from 'node:crypto';
import type { Agent, Response } from './context.js';

/** One part of a multipart/form-data body: a field, or a file when it has a file name. */
export interface Part {
  name: string;
  value: string | Buffer;
  filename?: string;
  contentType?: string;
}

/** A multipart/form-data body built by hand (RFC 7578), as a browser sends the upload form. */
export function multipartBody(parts: Part[]): { payload: Buffer; contentType: string } {
  const boundary = `----cmusTest${crypto.randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`;
    const type = part.filename === undefined ? '' : `Content-Type: ${part.contentType ?? 'text/csv'}\r\n`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`, 'utf8'));
    chunks.push(typeof part.value === 'string' ? Buffer.from(part.value, 'utf8') : part.value);
    chunks.push(Buffer.from('\r\n', 'utf8'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Posts a multipart body with the agent's cookies (its CSRF field is up to the caller). */
export async function postMultipart(agent: Agent, url: string, parts: Part[]): Promise<Response> {
  const { payload, contentType } = multipartBody(parts);
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await agent.app.inject({
    method: 'POST',
    url,
    headers: { cookie, 'content-type': contentType },
    payload,
  });
  return {
    statusCode: res.statusCode,
    headers: res.headers,
    body: res.body,
    location: res.headers.location as string | undefined,
  };
}

/** The upload form as a browser posts it: _csrf, encoding, then the file. */
export function uploadParts(
  agent: Agent,
  file: string | Buffer,
  options: { encoding?: string; filename?: string; csrf?: string | null; formId?: string } = {},
): Part[] {
  const parts: Part[] = [];
  const csrf = options.csrf === undefined ? agent.csrfToken : options.csrf;
  if (csrf !== null) parts.push({ name: '_csrf', value: csrf });
  if (options.formId) parts.push({ name: 'formId', value: options.formId });
  parts.push({ name: 'encoding', value: options.encoding ?? 'auto' });
  parts.push({ name: 'file', value: file, filename: options.filename ?? 'users.csv' });
  return parts;
}
