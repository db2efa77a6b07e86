import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredTransport, emlFileName } from '../../src/features/mail/transport.js';
import { type MailLogger, MailWorker } from '../../src/features/mail/worker.js';
import { createUserWithTemporaryPassword } from '../../src/features/users/create.js';
import { projectRoot } from '../../src/lib/paths.js';
import { createOperatorWithAdmins, describeOnStores } from '../helpers/integration.js';

const MAIL_FROM = '容量市場システム <no-reply@capacity-market.example>';

describeOnStores('mail without SMTP_URL: .eml files on $kind', (ctx, { kind, skip }) => {
  let dataDir: string;
  beforeAll(async () => {
    if (skip) return;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-mail-'));
  });
  afterAll(async () => {
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it.skipIf(skip)(
    'writes the registration mail as a readable .eml file and logs the file name only',
    async () => {
      const { admin } = await createOperatorWithAdmins(ctx);
      const issued = await ctx.store.db.transaction().execute((tx) =>
        createUserWithTemporaryPassword(tx, {
          userName: 'メール 確認',
          department: '需給部',
          email: `eml.${kind}@example.jp`,
          operatorCode: admin.operatorCode,
          role: 'general',
          actor: admin,
          now: ctx.clock.now(),
        }),
      );
      const transport = configuredTransport({ smtpUrl: undefined, smtpTlsRejectUnauthorized: true, dataDir });
      expect(transport.kind).toBe('eml');
      const lines: Record<string, unknown>[] = [];
      const logger: MailLogger = {
        info: (obj, msg) => lines.push({ msg, ...obj }),
        warn: (obj, msg) => lines.push({ msg, ...obj }),
        error: (obj, msg) => lines.push({ msg, ...obj }),
      };
      const worker = new MailWorker({
        store: ctx.store,
        transport,
        from: MAIL_FROM,
        clock: ctx.clock,
        logger,
      });
      expect(await worker.runOnce()).toMatchObject({ claimed: 3, sent: 3 });

      const mailDir = path.join(dataDir, 'mail');
      const files = fs.readdirSync(mailDir).sort();
      expect(files).toHaveLength(3);
      for (const f of files) expect(f).toMatch(/^20260401100000-\d{6}\.eml$/);
      // Private to the owner: two of these mails carry the temporary password.
      expect(fs.statSync(mailDir).mode & 0o777).toBe(0o700);
      expect(fs.statSync(path.join(mailDir, files[0]!)).mode & 0o777).toBe(0o600);

      const row = await ctx.store.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('recipient', '=', issued.user.email)
        .executeTakeFirstOrThrow();
      const file = path.join(
        mailDir,
        emlFileName({ outboxId: Number(row.id), date: new Date(row.created_at) }),
      );
      const raw = fs.readFileSync(file, 'utf8');
      expect(raw).toMatch(/^Subject: =\?UTF-8\?B\?/im);
      expect(raw).toContain('\r\n');
      const mail = await simpleParser(raw);
      expect(mail.subject).toBe('【容量市場システム】ユーザ情報登録のお知らせ');
      expect(mail.text).toContain(`ユーザID: ${issued.user.userId}`);
      expect(mail.text).toContain(`仮パスワード: ${issued.temporaryPassword}`);
      expect(mail.messageId).toBe(row.message_id);
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toBe(issued.user.email);

      // One log line per file, naming it; nothing of the body.
      expect(lines.map((l) => l.file).sort()).toEqual(files.map((f) => path.join(mailDir, f)));
      expect(JSON.stringify(lines)).not.toContain(issued.temporaryPassword);

      // A resend of the same row (a crash before it was marked sent) rewrites the same
      // file: no second copy, no temp file left behind.
      await ctx.store.db
        .updateTable('mail_outbox')
        .set({ status: 'pending', sent_at: null })
        .where('id', '=', row.id)
        .execute();
      expect(await worker.runOnce()).toMatchObject({ claimed: 1, sent: 1 });
      expect(fs.readdirSync(mailDir).sort()).toEqual(files);
      transport.close();
    },
  );
});

describe('the server process', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-server-'));
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the mail worker: the demo registration mails become .eml files; SIGTERM stops it cleanly', async () => {
    const root = projectRoot();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
    };
    delete env.DATABASE_URL;
    delete env.SMTP_URL;
    delete env.MAIL_WORKER;
    const proc = spawn(path.join(root, 'node_modules', '.bin', 'tsx'), ['src/server.ts'], { cwd: root, env });
    child = proc;
    let output = '';
    proc.stdout.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    proc.stderr.on('data', (c: Buffer) => {
      output += c.toString('utf8');
    });
    const mailDir = path.join(dataDir, 'mail');
    const emlCount = () =>
      fs.existsSync(mailDir) ? fs.readdirSync(mailDir).filter((f) => f.endsWith('.eml')).length : 0;
    const deadline = Date.now() + 30_000;
    // The demo: 2 admins (each its own and the other's registration) and 2 general users
    // (each to the user and both admins): 2 + 2 + 3 + 3 = 10 mails.
    while (emlCount() < 10 && Date.now() < deadline && proc.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(emlCount()).toBe(10);
    expect(output).toContain(`mail: .eml files in ${mailDir}`);

    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    proc.kill('SIGTERM');
    expect(await exited).toBe(0);

    const logLines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logLines.some((l) => l.msg === 'mail worker started' && l.to === mailDir)).toBe(true);
    expect(logLines.filter((l) => l.msg === 'mail sent')).toHaveLength(10);
    expect(logLines.some((l) => l.msg === 'shutting down')).toBe(true);
    // The banner shows the demo's temporary passwords; the log never does.
    const secrets = [...output.matchAll(/^ {2}U\d{9} .* (\S+)$/gm)].map((m) => m[1]!);
    expect(secrets).toHaveLength(4);
    const logged = logLines.map((l) => JSON.stringify(l)).join('\n');
    for (const s of secrets) expect(logged).not.toContain(s);
  });
});
