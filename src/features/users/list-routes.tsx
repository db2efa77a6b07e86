import type { FastifyInstance } from 'fastify';

/** List and search, detail, CSV export (SPEC §4.1–§4.3). */
export async function userListRoutes(_app: FastifyInstance): Promise<void> {}
