import closeWithGrace from 'close-with-grace';
import type { FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openConfiguredStore } from './db/open.js';
import { startHousekeeping } from './features/auth/housekeeping.js';
import { configuredTransport, type MailTransport } from './features/mail/transport.js';
import { MailWorker } from './features/mail/worker.js';
import { isEmpty, seedDemo } from './features/operators/demo.js';

/**
 * Log lines as pino JSON (one object per line, for a log collector), or, when stdout is
 * a terminal, readable lines through pino-pretty (in pino's transport worker thread).
 */
function loggerOptions(level: string): FastifyServerOptions['logger'] {
  if (!process.stdout.isTTY) return { level };
  return {
    level,
    transport: {
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
    },
  };
}

/** How long in-flight requests and the mail being sent get to finish after SIGTERM/SIGINT. */
function shutdownDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.SHUTDOWN_TIMEOUT_SECONDS;
  if (value === undefined || value === '') return 10_000;
  if (!/^[0-9]{1,3}$/.test(value) || Number(value) < 1) {
    throw new ConfigError(
      'Invalid configuration:\n  SHUTDOWN_TIMEOUT_SECONDS: must be a whole number of seconds from 1 to 999',
    );
  }
  return Number(value) * 1000;
}

/** Starts the system: migrate, seed the demo into an empty database, listen. */
async function main(): Promise<void> {
  const config = loadConfig();
  const delay = shutdownDelayMs();
  const store = await openConfiguredStore(config);
  const app = await buildApp({ config, store, logger: loggerOptions(config.logLevel) });
  app.log.info({ store: store.describe }, 'database migrated');

  const demo = (await isEmpty(store.db)) ? await seedDemo(store.db, new Date()) : [];

  // SPEC §5: the outbox worker runs in the background of this process, never in a
  // request; with MAIL_WORKER=false the mails wait for `cmus mail-worker` elsewhere.
  let mail: { worker: MailWorker; transport: MailTransport } | undefined;
  let mailLine: string;
  if (config.mailWorker) {
    const transport = configuredTransport(config);
    const worker = new MailWorker({ store, transport, from: config.mailFrom, logger: app.log });
    worker.start();
    mail = { worker, transport };
    mailLine =
      transport.kind === 'smtp'
        ? `mail: SMTP ${transport.describe}`
        : `mail: .eml files in ${transport.describe}`;
    app.log.info({ transport: transport.kind, to: transport.describe }, 'mail worker started');
  } else {
    mailLine = 'mail: queued only (MAIL_WORKER=false; run `cmus mail-worker` to send)';
    app.log.info({}, 'mail worker not started (MAIL_WORKER=false)');
  }

  const stopHousekeeping = startHousekeeping({
    store,
    policy: { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
    intervalMs: 10 * 60_000,
    onError: (error) => app.log.error({ err: error }, 'housekeeping failed'),
  });

  // SIGINT/SIGTERM (and an uncaught error): stop accepting, let the requests in flight and
  // the mail being sent finish, then close the database (SQLite checkpoints its WAL) and
  // exit 0 (1 after an error). A second signal, or `delay` running out, exits 1 at once.
  closeWithGrace(
    {
      delay,
      logger: app.log,
      onSecondSignal: (signal) => app.log.warn({ signal }, 'second signal: exiting without waiting'),
      onTimeout: (ms) => app.log.error({ delayMs: ms }, 'shutdown took too long: exiting'),
    },
    async ({ signal, err }) => {
      if (err) app.log.fatal({ err }, 'uncaught error: shutting down');
      else app.log.info({ signal }, 'shutting down');
      stopHousekeeping();
      // The mail being sent is finished first; claimed but unsent mails go back to the queue.
      await Promise.all([app.close(), mail?.worker.stop()]);
      mail?.transport.close();
      await store.close();
      app.log.info({}, 'stopped');
    },
  );

  const address = await app.listen({ host: config.host, port: config.port });
  const url = config.publicUrl ?? address.replace('://127.0.0.1', '://localhost');
  // The banner goes to the terminal, not to the log: it is for the person who started the system.
  const lines = [
    '',
    `容量市場システム ユーザ情報管理: ${url}/login`,
    `database: ${store.describe}`,
    mailLine,
  ];
  if (demo.length > 0) {
    lines.push(
      '',
      'Demo operator 0001 株式会社0001 was created. Log in with (temporary passwords, valid 2 days):',
    );
    for (const c of demo) {
      lines.push(
        `  ${c.user.userId}  ${c.user.role === 'admin' ? '管理者' : '一般  '}  ${c.user.userName}  ${c.temporaryPassword}`,
      );
    }
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
