import closeWithGrace from 'close-with-grace';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import { type Config, ConfigError, loadConfig } from './config.js';
import type { Store } from './db/connect.js';
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

type Logger = FastifyInstance['log'];
type RunningMail = { worker: MailWorker; transport: MailTransport };
type DemoCredential = Awaited<ReturnType<typeof seedDemo>>[number];

/** Starts the system: migrate, seed the demo into an empty database, listen. */
async function main(): Promise<void> {
  const config = loadConfig();
  const delay = shutdownDelayMs();
  const store = await openConfiguredStore(config);
  const app = await buildApp({ config, store, logger: loggerOptions(config.logLevel) });
  app.log.info({ store: store.describe }, 'database migrated');

  const demo = (await isEmpty(store.db)) ? await seedDemo(store.db, new Date()) : [];
  const mail = startMailWorker(config, store, app.log);
  const stopHousekeeping = startHousekeeping({
    store,
    policy: { idleMs: config.sessionIdleMs, absoluteMs: config.sessionAbsoluteMs },
    intervalMs: 10 * 60_000,
    onError: (error) => app.log.error({ err: error }, 'housekeeping failed'),
  });
  closeOnSignal(delay, app.log, async () => {
    stopHousekeeping();
    // The mail being sent is finished first; claimed but unsent mails go back to the queue.
    await Promise.all([app.close(), mail?.worker.stop()]);
    mail?.transport.close();
    await store.close();
  });

  const address = await app.listen({ host: config.host, port: config.port });
  const url = config.publicUrl ?? address.replace('://127.0.0.1', '://localhost');
  // The banner goes to the terminal, not to the log: it is for the person who started the system.
  process.stdout.write(`${banner(url, store.describe, mailLine(mail), demo).join('\n')}\n\n`);
}

/**
 * SPEC §5: the outbox worker runs in the background of this process, never in a
 * request; with MAIL_WORKER=false the mails wait for `cmus mail-worker` elsewhere.
 */
function startMailWorker(config: Config, store: Store, log: Logger): RunningMail | undefined {
  if (!config.mailWorker) {
    log.info({}, 'mail worker not started (MAIL_WORKER=false)');
    return undefined;
  }
  const transport = configuredTransport(config);
  const worker = new MailWorker({ store, transport, from: config.mailFrom, logger: log });
  worker.start();
  log.info({ transport: transport.kind, to: transport.describe }, 'mail worker started');
  return { worker, transport };
}

function mailLine(mail: RunningMail | undefined): string {
  if (!mail) return 'mail: queued only (MAIL_WORKER=false; run `cmus mail-worker` to send)';
  const { transport } = mail;
  return transport.kind === 'smtp'
    ? `mail: SMTP ${transport.describe}`
    : `mail: .eml files in ${transport.describe}`;
}

/**
 * SIGINT/SIGTERM (and an uncaught error): `close` stops accepting, lets the requests in
 * flight and the mail being sent finish, then closes the database (SQLite checkpoints its
 * WAL); the process exits 0 (1 after an error). A second signal, or `delay` running out,
 * exits 1 at once.
 */
function closeOnSignal(delay: number, log: Logger, close: () => Promise<void>): void {
  closeWithGrace(
    {
      delay,
      logger: log,
      onSecondSignal: (signal) => log.warn({ signal }, 'second signal: exiting without waiting'),
      onTimeout: (ms) => log.error({ delayMs: ms }, 'shutdown took too long: exiting'),
    },
    async ({ signal, err }) => {
      if (err) log.fatal({ err }, 'uncaught error: shutting down');
      else log.info({ signal }, 'shutting down');
      await close();
      log.info({}, 'stopped');
    },
  );
}

/** What the person who started the system reads: the address, the store, the mail, the demo users. */
function banner(url: string, database: string, mail: string, demo: DemoCredential[]): string[] {
  const lines = ['', `容量市場システム ユーザ情報管理: ${url}/login`, `database: ${database}`, mail];
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
  return lines;
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
