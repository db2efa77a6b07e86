import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { loadConfig } from '../../src/config.js';
import type { Store } from '../../src/db/connect.js';
import { openConfiguredStore } from '../../src/db/open.js';
import type { MailLogger } from '../../src/features/mail/worker.js';
import { addOperator } from '../../src/features/operators/service.js';
import type { IssuedCredentials } from '../../src/features/users/create.js';
import { openTestStore } from '../helpers/stores.js';

/** Runs the CLI in this process with its stdout captured. */
async function cli(
  args: string[],
  options: Parameters<typeof runCli>[1] = {},
): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    const code = await runCli(args, options);
    return { code, out: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

describe.each([
  { kind: 'sqlite' as const, skip: false },
  { kind: 'postgres' as const, skip: !inject('postgresUrl') },
])('CLI mail-worker and outbox on $kind', ({ kind, skip }) => {
  let dataDir: string;
  let store: Store;
  let dropDatabase: (() => Promise<void>) | undefined;
  let admins: IssuedCredentials[];

  beforeAll(async () => {
    if (skip) return;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-cli-'));
    vi.stubEnv('DATA_DIR', dataDir);
    vi.stubEnv('SMTP_URL', undefined);
    vi.stubEnv('MAIL_WORKER', undefined);
    vi.stubEnv('LOG_LEVEL', 'silent');
    vi.stubEnv('DATABASE_URL', undefined);
    if (kind === 'postgres') {
      // A database of its own, reached by the CLI through DATABASE_URL like in production.
      const created = await openTestStore('postgres');
      const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(created.db);
      const url = new URL(inject('postgresUrl'));
      url.pathname = `/${rows[0]!.name}`;
      vi.stubEnv('DATABASE_URL', url.toString());
      dropDatabase = created.drop;
    }
    store = await openConfiguredStore(loadConfig());
    ({ admins } = await addOperator(store.db, {
      operatorCode: 'C001',
      operatorName: '株式会社C001',
      admins: [
        { userName: '管理 一郎', department: '総務部', email: `cli1.${kind}@example.jp` },
        { userName: '管理 二郎', department: '総務部', email: `cli2.${kind}@example.jp` },
      ],
      now: new Date(),
    }));
  });
  afterAll(async () => {
    await store?.close();
    await dropDatabase?.();
    vi.unstubAllEnvs();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  afterEach(() => {
    expect(vi.isMockFunction(process.stdout.write)).toBe(false);
  });

  const emlFiles = () => {
    const dir = path.join(dataDir, 'mail');
    return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.eml')) : [];
  };

  it.skipIf(skip)('help names the mail commands', async () => {
    const { code, out } = await cli(['help']);
    expect(code).toBe(0);
    expect(out).toContain('mail-worker [--once]');
    expect(out).toContain('outbox list [--status pending|sending|sent|failed] [--limit N]');
    expect(out).toContain('outbox retry <id…|--all-failed>');
  });

  it.skipIf(skip)('outbox list shows the queued mails without their text', async () => {
    const { code, out } = await cli(['outbox', 'list']);
    expect(code).toBe(0);
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('ID\t作成日時\tイベント\t宛先\t状態\t試行回数\t最終エラー');
    // Operator add: each admin's own registration and the notice of the other's.
    expect(lines.slice(1, -1)).toHaveLength(4);
    for (const line of lines.slice(1, -1))
      expect(line).toMatch(/^\d+\t\d{4}\/\d\d\/\d\d \d\d:\d\d\tregistered\tcli[12]\./);
    expect(lines.slice(1, -1).every((l) => l.split('\t')[4] === 'pending' && l.split('\t')[5] === '0')).toBe(
      true,
    );
    expect(lines.at(-1)).toBe('4 mail(s)');
    for (const a of admins) expect(out).not.toContain(a.temporaryPassword);
    expect(out).not.toContain('仮パスワード');

    expect((await cli(['outbox', 'list', '--limit', '1'])).out).toContain('1 mail(s)');
    expect((await cli(['outbox', 'list', '--status', 'sent'])).out).toContain('0 mail(s)');
    const bad = await cli(['outbox', 'list', '--status', 'lost']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('invalid --status lost');
    expect((await cli(['outbox', 'list', '--limit', '0'])).code).toBe(2);
  });

  it.skipIf(skip)('mail-worker --once sends what is due (.eml without SMTP_URL) and exits', async () => {
    const { code, out } = await cli(['mail-worker', '--once']);
    expect(code).toBe(0);
    expect(out).toContain(`.eml files in ${path.join(dataDir, 'mail')}: sent 4, to retry later 0, failed 0`);
    expect(emlFiles()).toHaveLength(4);
    expect((await cli(['outbox', 'list', '--status', 'sent'])).out).toContain('4 mail(s)');
  });

  it.skipIf(skip)(
    'outbox retry requeues failed mails only, with attempts reset; the worker then sends them',
    async () => {
      const rows = await store.db.selectFrom('mail_outbox').select('id').orderBy('id').execute();
      const [first, second, third, fourth] = rows.map((r) => Number(r.id));
      // Two mails as the worker leaves them at the attempt limit (mail.test.ts covers getting there).
      await store.db
        .updateTable('mail_outbox')
        .set({ status: 'failed', attempts: 10, sent_at: null, last_error: 'EENVELOPE 451 Try again later' })
        .where('id', 'in', [first!, second!])
        .execute();
      const listed = await cli(['outbox', 'list', '--status', 'failed']);
      expect(listed.out).toContain('2 mail(s)');
      expect(listed.out).toContain('\tfailed\t10\tEENVELOPE 451 Try again later');

      expect((await cli(['outbox', 'retry'])).code).toBe(2);
      expect((await cli(['outbox', 'retry', 'x1'])).code).toBe(2);
      expect((await cli(['outbox', 'retry', String(first), '--all-failed'])).code).toBe(2);

      const one = await cli(['outbox', 'retry', String(first)]);
      expect(one).toEqual({ code: 0, out: `requeued 1 mail(s): ${first}\n` });
      const sentOne = await cli(['outbox', 'retry', String(third)]);
      expect(sentOne.code).toBe(1);
      expect(sentOne.out).toContain(`not failed or not found, left alone: ${third}`);
      const all = await cli(['outbox', 'retry', '--all-failed']);
      expect(all).toEqual({ code: 0, out: `requeued 1 mail(s): ${second}\n` });

      const after = await store.db
        .selectFrom('mail_outbox')
        .select(['id', 'status', 'attempts'])
        .orderBy('id')
        .execute();
      expect(after.map((r) => [Number(r.id), r.status, Number(r.attempts)])).toEqual([
        [first, 'pending', 0],
        [second, 'pending', 0],
        [third, 'sent', 0],
        [fourth, 'sent', 0],
      ]);

      // The long-running worker picks them up in the background and stops on request.
      let stop!: () => void;
      const stopSignal = new Promise<void>((resolve) => {
        stop = resolve;
      });
      const logged: string[] = [];
      const logger: MailLogger = {
        info: (_obj, msg) => logged.push(msg),
        warn: (_obj, msg) => logged.push(msg),
        error: (_obj, msg) => logged.push(msg),
      };
      const running = cli(['mail-worker'], { logger, stopSignal });
      const deadline = Date.now() + 20_000;
      const pending = async () =>
        (await store.db.selectFrom('mail_outbox').select('id').where('status', '!=', 'sent').execute())
          .length;
      while ((await pending()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      stop();
      expect((await running).code).toBe(0);
      expect(await pending()).toBe(0);
      expect(logged).toEqual(['mail worker started', 'mail sent', 'mail sent', 'mail worker stopped']);
      // The same files were rewritten (name from queue time and id): still four.
      expect(emlFiles()).toHaveLength(4);
    },
  );
});
