/**
 * The static floor: a plain Fastify server, in a process of its own like the app, that
 * answers every GET with the bytes of the list page the app served (read once from the
 * file named on the command line), as text/html. What a request costs here is what the
 * HTTP stack alone costs for a page of that size: the app can only be slower.
 *
 *   tsx scripts/bench/floor-server.ts <page.html>   → prints `READY {"port":…}`
 */
import fs from 'node:fs';
import Fastify from 'fastify';

const file = process.argv[2];
if (!file) throw new Error('usage: floor-server.ts <page.html>');
const page = fs.readFileSync(file, 'utf8');

const app = Fastify({ logger: false });
app.get('/*', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : 0;
process.stdout.write(`READY ${JSON.stringify({ port, bytes: Buffer.byteLength(page) })}\n`);

const stop = async () => {
  await app.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
