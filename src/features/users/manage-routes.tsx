import type { FastifyInstance } from 'fastify';

/** Register, change, delete, bulk delete, unlock, reissue (SPEC §4.4–§4.9). */
export async function userManageRoutes(_app: FastifyInstance): Promise<void> {}
