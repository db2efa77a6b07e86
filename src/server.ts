import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openConfiguredStore } from './db/open.js';
import { startHousekeeping } from './features/auth/housekeeping.js';
import { configuredTransport, type MailTransport } from './features/mail/transport.js';
import { MailWorker } from './features/mail/worker.js';
import { isEmpty, seedDemo } from './features/operators/demo.js';

/** Starts the system: migrate, seed the demo into an empty database, listen. */
async function main(): Promise<void> {
  const config = loadConfig();
  const store = await openConfiguredStore(config);
  const app = await buildApp({ config, store });
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

  const shutdown = async (signal: string) => {
    app.log.info({ signal }, 'shutting down');
    stopHousekeeping();
    // The mail being sent is finished first; claimed but unsent mails go back to the queue.
    await mail?.worker.stop();
    mail?.transport.close();
    await app.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof ConfigError ? error.message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(1);
});
