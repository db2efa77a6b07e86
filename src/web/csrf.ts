import type { FastifyRequest } from 'fastify';
import { secretsEqual } from '../lib/secrets.js';

/**
 * Checks a multipart form's CSRF field. The security plugin (src/features/auth/plugin.tsx)
 * checks every url-encoded post itself; a multipart body is read by the route that takes
 * the upload, which then calls this with the `_csrf` part it found.
 */
export function checkMultipartCsrf(request: FastifyRequest, sent: string | undefined): boolean {
  return !!sent && secretsEqual(sent, request.csrfToken);
}
