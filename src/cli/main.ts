import { parseArgs } from 'node:util';
import pino from 'pino';
import { type Config, loadConfig } from '../config.js';
import type { Store } from '../db/connect.js';
import { openConfiguredStore } from '../db/open.js';
import { rotateSecretsKey } from '../features/auth/secrets-rotation.js';
import { configureNotices } from '../features/mail/notices.js';
import { listOutbox, OUTBOX_STATUSES, type OutboxStatus, retryFailedMails } from '../features/mail/outbox.js';
import { configuredTransport } from '../features/mail/transport.js';
import { type MailLogger, MailWorker } from '../features/mail/worker.js';
import { isEmpty, seedDemo } from '../features/operators/demo.js';
import { listOperators } from '../features/operators/repository.js';
import { addOperator, OperatorExists } from '../features/operators/service.js';
import { formatJapanDateTime } from '../lib/japan-time.js';
import { newSecretKeyText } from '../lib/secret-box.js';
import { writeMessageList } from './message-list.js';

const USAGE = `Usage: cmus <command> [options]   (npm run cli -- <command> [options])

Commands:
  migrate                       apply pending database migrations
  operator add                  create an operator and its two admins (each mailed an ID and a temporary password)
      --code 0002 --name 株式会社0002
      --admin1-name "氏名" --admin1-department "部署" --admin1-email a@example.jp
      --admin2-name "氏名" --admin2-department "部署" --admin2-email b@example.jp
      [--show-passwords]        also print the temporary passwords here
  operator list                 list operators and their number of users (not deleted)
  seed-demo                     create the manual's demo operator 0001 (only into an empty database)
  mail-worker [--once]          send queued mails (SMTP_URL, or .eml files under DATA_DIR/mail) until
                                stopped (Ctrl-C); --once: send what is due now, then exit
  outbox list [--status pending|sending|sent|failed] [--limit N]
                                show queued mails, newest first (never their text; default limit 50)
  outbox retry <id…|--all-failed>
                                requeue failed mails (attempts reset, due now)
  secrets new-key               print a new random key for SECRETS_KEY (nothing is changed)
  secrets rotate-key            re-seal every second-factor secret with one key: SECRETS_KEY when set
                                (old ones from SECRETS_KEY_PREVIOUS or the database), else a new key
                                kept in the database (docs/security.md)
  messages                      write docs/messages.md from the message catalog
  help                          show this text

Configuration comes from the environment (DATABASE_URL, DATA_DIR, SMTP_URL, …; see README.md).`;

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export interface CliOptions {
  /** Where the mail worker logs; a pino logger to stdout (LOG_LEVEL) unless given. */
  logger?: MailLogger;
  /** Resolves when a long-running command should stop; SIGINT or SIGTERM unless given. */
  stopSignal?: Promise<unknown>;
}

export async function runCli(argv: string[], options: CliOptions = {}): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    out(USAGE);
    return 0;
  }
  if (command === 'secrets' && sub === 'new-key') {
    out(newSecretKeyText());
    return 0;
  }
  if (command === 'messages') {
    const file = writeMessageList();
    out(`wrote ${file}`);
    return 0;
  }
  const config = loadConfig();
  configureNotices({ loginUrl: config.loginUrl });
  const store = await openConfiguredStore(config);
  try {
    return await runStoreCommand({ config, store, options }, command, sub, rest);
  } finally {
    await store.close();
  }
}

interface CommandContext {
  config: Config;
  store: Store;
  options: CliOptions;
}

/** The commands that work on the database (opened, and migrated, by the caller). */
async function runStoreCommand(
  { config, store, options }: CommandContext,
  command: string,
  sub: string | undefined,
  rest: string[],
): Promise<number> {
  switch (command) {
    case 'migrate':
      out(`${store.describe}: migrations are up to date`);
      return 0;
    case 'seed-demo':
      return seedDemoCommand(store);
    case 'operator':
      if (sub === 'list') return operatorList(store);
      if (sub === 'add') return operatorAdd(store, rest);
      break;
    case 'outbox':
      if (sub === 'list') return outboxList(store, rest);
      if (sub === 'retry') return outboxRetry(store, rest);
      break;
    case 'secrets':
      if (sub === 'rotate-key') return secretsRotateKey(config, store);
      break;
    case 'mail-worker':
      return mailWorker(config, store, sub === undefined ? rest : [sub, ...rest], options);
    default:
      out(`Unknown command: ${command}\n`);
  }
  out(USAGE);
  return 2;
}

/** `seed-demo`: the manual's demo operator, into an empty database only. */
async function seedDemoCommand(store: Store): Promise<number> {
  if (!(await isEmpty(store.db))) {
    out('The database already has operators: the demo is seeded only into an empty database.');
    return 1;
  }
  for (const c of await seedDemo(store.db, new Date())) {
    out(`${c.user.userId}  ${c.user.userName}  仮パスワード: ${c.temporaryPassword}`);
  }
  return 0;
}

/** `operator list`: each operator, its number of users (not deleted) and when it was added. */
async function operatorList(store: Store): Promise<number> {
  const operators = await listOperators(store.db);
  out('事業者コード\t参加登録申請者名\tユーザ数\t登録日時');
  for (const o of operators) {
    out(`${o.operatorCode}\t${o.operatorName}\t${o.activeUsers}\t${formatJapanDateTime(o.createdAt)}`);
  }
  out(`${operators.length} operator(s)`);
  return 0;
}

/** `secrets rotate-key`: every second-factor secret sealed again with one key (docs/security.md). */
async function secretsRotateKey(config: Config, store: Store): Promise<number> {
  const result = await rotateSecretsKey(
    store.db,
    { current: config.secretsKey, previous: config.secretsKeyPrevious },
    new Date(),
  );
  out(
    `second-factor secrets sealed with the key ${result.keyId} (${result.keyLocation === 'environment' ? 'SECRETS_KEY' : 'kept in the database'}): ${result.resealed} re-sealed, ${result.unchanged} already sealed with it`,
  );
  if (result.keyLocation === 'environment' && config.secretsKeyPrevious.length > 0) {
    out('SECRETS_KEY_PREVIOUS is no longer needed: remove it and restart the servers.');
  }
  return 0;
}

async function operatorAdd(store: Store, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      code: { type: 'string' },
      name: { type: 'string' },
      'admin1-name': { type: 'string' },
      'admin1-department': { type: 'string' },
      'admin1-email': { type: 'string' },
      'admin2-name': { type: 'string' },
      'admin2-department': { type: 'string' },
      'admin2-email': { type: 'string' },
      'show-passwords': { type: 'boolean', default: false },
    },
    strict: true,
  });
  try {
    const { operator, admins } = await addOperator(store.db, {
      operatorCode: values.code ?? '',
      operatorName: values.name ?? '',
      admins: [
        {
          userName: values['admin1-name'] ?? '',
          department: values['admin1-department'] ?? '',
          email: values['admin1-email'] ?? '',
        },
        {
          userName: values['admin2-name'] ?? '',
          department: values['admin2-department'] ?? '',
          email: values['admin2-email'] ?? '',
        },
      ],
      now: new Date(),
    });
    out(`created operator ${operator.operatorCode} ${operator.operatorName}`);
    for (const a of admins) {
      const secret = values['show-passwords'] ? `  仮パスワード: ${a.temporaryPassword}` : '';
      out(`  admin ${a.user.userId}  ${a.user.userName}  <${a.user.email}>  mail queued${secret}`);
    }
    return 0;
  } catch (error) {
    if (error instanceof OperatorExists) {
      out(`operator ${values.code} already exists`);
      return 1;
    }
    if (error instanceof Error && error.name === 'ZodError') {
      const issues = (error as unknown as { issues: { path: (string | number)[]; message: string }[] })
        .issues;
      for (const i of issues) out(`invalid ${i.path.join('.')}: ${i.message}`);
      return 2;
    }
    throw error;
  }
}

/**
 * `mail-worker`: the outbox worker on its own, for deployments that run it apart from
 * the web servers (MAIL_WORKER=false there). Several may run on one PostgreSQL database:
 * claims are exclusive (docs/mail.md).
 */
async function mailWorker(
  config: Config,
  store: Store,
  args: string[],
  options: CliOptions,
): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { once: { type: 'boolean', default: false } },
    strict: true,
  });
  const logger = options.logger ?? pino({ level: config.logLevel });
  const transport = configuredTransport(config);
  const worker = new MailWorker({ store, transport, from: config.mailFrom, logger });
  const where =
    transport.kind === 'smtp' ? `SMTP ${transport.describe}` : `.eml files in ${transport.describe}`;
  try {
    if (values.once) {
      const total = { sent: 0, retrying: 0, failed: 0 };
      // Rows that fail get a later next_attempt_at, so the loop ends when nothing is due.
      for (;;) {
        const r = await worker.runOnce();
        total.sent += r.sent;
        total.retrying += r.retrying;
        total.failed += r.failed;
        if (r.claimed === 0) break;
      }
      out(`${where}: sent ${total.sent}, to retry later ${total.retrying}, failed ${total.failed}`);
      return total.failed > 0 ? 1 : 0;
    }
    logger.info(
      { transport: transport.kind, to: transport.describe, store: store.describe },
      'mail worker started',
    );
    worker.start();
    await (options.stopSignal ?? stopSignal());
    await worker.stop();
    logger.info({}, 'mail worker stopped');
    return 0;
  } finally {
    transport.close();
  }
}

function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/** `outbox list`: what was queued and how it went, never a mail's text (D-16). */
async function outboxList(store: Store, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { status: { type: 'string' }, limit: { type: 'string', default: '50' } },
    strict: true,
  });
  const status = values.status as OutboxStatus | undefined;
  if (status !== undefined && !OUTBOX_STATUSES.includes(status)) {
    out(`invalid --status ${values.status}: one of ${OUTBOX_STATUSES.join(', ')}`);
    return 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    out(`invalid --limit ${values.limit}: a whole number from 1 to 10000`);
    return 2;
  }
  const entries = await listOutbox(store.db, { status, limit });
  out('ID\t作成日時\tイベント\t宛先\t状態\t試行回数\t最終エラー');
  for (const e of entries) {
    out(
      [
        e.id,
        formatJapanDateTime(e.createdAt),
        e.event,
        e.recipient,
        e.status,
        e.attempts,
        (e.lastError ?? '').replace(/\s+/g, ' '),
      ].join('\t'),
    );
  }
  out(`${entries.length} mail(s)`);
  return 0;
}

/** `outbox retry`: failed mails back to pending, attempts reset; other rows are left alone. */
async function outboxRetry(store: Store, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'all-failed': { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const allFailed = values['all-failed'];
  if (allFailed === positionals.length > 0) {
    out('outbox retry: give outbox ids, or --all-failed (not both)');
    return 2;
  }
  const bad = positionals.filter((p) => !/^[1-9][0-9]{0,15}$/.test(p));
  if (bad.length > 0) {
    out(`invalid outbox id: ${bad.join(', ')}`);
    return 2;
  }
  const ids = [...new Set(positionals.map(Number))];
  const requeued = await retryFailedMails(store.db, allFailed ? { allFailed: true } : { ids }, new Date());
  out(`requeued ${requeued.length} mail(s)${requeued.length > 0 ? `: ${requeued.join(', ')}` : ''}`);
  const skipped = ids.filter((id) => !requeued.includes(id));
  if (skipped.length > 0) {
    out(`not failed or not found, left alone: ${skipped.join(', ')}`);
    return 1;
  }
  return 0;
}
