import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { openConfiguredStore } from '../db/open.js';
import { isEmpty, seedDemo } from '../features/operators/demo.js';
import { listOperators } from '../features/operators/repository.js';
import { addOperator, OperatorExists } from '../features/operators/service.js';
import { formatJapanDateTime } from '../lib/japan-time.js';
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
  messages                      write docs/messages.md from the message catalog
  help                          show this text

Configuration comes from the environment (DATABASE_URL, DATA_DIR, SMTP_URL, …; see README.md).`;

function out(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export async function runCli(argv: string[]): Promise<number> {
  const [command, sub, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    out(USAGE);
    return 0;
  }
  if (command === 'messages') {
    const file = writeMessageList();
    out(`wrote ${file}`);
    return 0;
  }
  const config = loadConfig();
  const store = await openConfiguredStore(config);
  try {
    switch (command) {
      case 'migrate':
        out(`${store.describe}: migrations are up to date`);
        return 0;
      case 'seed-demo': {
        if (!(await isEmpty(store.db))) {
          out('The database already has operators: the demo is seeded only into an empty database.');
          return 1;
        }
        for (const c of await seedDemo(store.db, new Date())) {
          out(`${c.user.userId}  ${c.user.userName}  仮パスワード: ${c.temporaryPassword}`);
        }
        return 0;
      }
      case 'operator':
        if (sub === 'list') {
          const operators = await listOperators(store.db);
          out('事業者コード\t参加登録申請者名\tユーザ数\t登録日時');
          for (const o of operators) {
            out(
              `${o.operatorCode}\t${o.operatorName}\t${o.activeUsers}\t${formatJapanDateTime(o.createdAt)}`,
            );
          }
          out(`${operators.length} operator(s)`);
          return 0;
        }
        if (sub === 'add') return await operatorAdd(store, rest);
        out(USAGE);
        return 2;
      default:
        out(`Unknown command: ${command}\n`);
        out(USAGE);
        return 2;
    }
  } finally {
    await store.close();
  }
}

async function operatorAdd(
  store: Awaited<ReturnType<typeof openConfiguredStore>>,
  args: string[],
): Promise<number> {
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
