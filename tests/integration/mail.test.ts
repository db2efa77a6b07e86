import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { openStore, type Store } from '../../src/db/connect.js';
import { queueNotice } from '../../src/features/mail/notices.js';
import {
  claimDueMails,
  countOutbox,
  finishSent,
  retryFailedMails,
  SENT_BODY_PLACEHOLDER,
} from '../../src/features/mail/outbox.js';
import { type MailTransport, smtpTransport } from '../../src/features/mail/transport.js';
import { type MailLogger, MailWorker, type MailWorkerOptions } from '../../src/features/mail/worker.js';
import { addOperator } from '../../src/features/operators/service.js';
import { createUserWithTemporaryPassword } from '../../src/features/users/create.js';
import type { User } from '../../src/features/users/model.js';
import { findUser } from '../../src/features/users/repository.js';
import {
  Agent,
  createOperatorWithAdmins,
  createOperatorWithUser,
  createUser,
  describeOnStores,
  loginAs,
} from '../helpers/integration.js';

const MAIL_FROM = '容量市場システム <no-reply@capacity-market.example>';

interface Received {
  /** RCPT TO of the SMTP envelope, lower case. */
  to: string[];
  raw: string;
  mail: ParsedMail;
}

/**
 * A real SMTP server in the test process (STYLE: mail assertions read what the SMTP
 * server received, by recipient). `refusal` makes it answer RCPT TO or the end of DATA
 * with an error; stop() and start(samePort) make it go down and come back.
 */
class SmtpSink {
  received: Received[] = [];
  refusal: { stage: 'rcpt' | 'data'; code: number } | null = null;
  port = 0;
  #server: SMTPServer | undefined;

  async start(port = 0): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (_address, _session, callback) => {
        if (this.refusal?.stage === 'rcpt') return callback(this.#error());
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.refusal?.stage === 'data') return callback(this.#error());
          const raw = Buffer.concat(chunks).toString('utf8');
          simpleParser(raw).then(
            (mail) => {
              const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
              this.received.push({ to, raw, mail });
              callback();
            },
            (error: Error) => callback(error),
          );
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    this.port = (server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  to(email: string): Received[] {
    return this.received.filter((r) => r.to.includes(email.toLowerCase()));
  }

  #error(): Error {
    const code = this.refusal?.code ?? 451;
    return Object.assign(new Error(code >= 500 ? 'Mailbox unavailable' : 'Try again later'), {
      responseCode: code,
    });
  }
}

/** Every line the worker logs, to show that no secret reaches the log. */
function captureLogger(): { lines: Record<string, unknown>[]; logger: MailLogger } {
  const lines: Record<string, unknown>[] = [];
  const at = (level: string) => (obj: object, msg: string) => lines.push({ level, msg, ...obj });
  return { lines, logger: { info: at('info'), warn: at('warn'), error: at('error') } };
}

/** Runs the worker until nothing is due (failed attempts wait for their next_attempt_at). */
async function drain(worker: MailWorker): Promise<number> {
  let sent = 0;
  for (;;) {
    const r = await worker.runOnce();
    sent += r.sent;
    if (r.claimed === 0) return sent;
  }
}

describeOnStores('mail outbox and worker on $kind', (ctx, { kind, skip }) => {
  const sink = new SmtpSink();
  const log = captureLogger();
  const workers: MailWorker[] = [];
  const transports: MailTransport[] = [];

  beforeAll(async () => {
    if (skip) return;
    await sink.start();
  });
  afterAll(async () => {
    await sink.stop();
  });
  afterEach(async () => {
    // Each test leaves nothing due behind: the next one counts only its own mails.
    sink.refusal = null;
    for (const w of workers.splice(0)) await w.stop();
    if (ctx.store) {
      // Mails still waiting for a retry are made due and delivered now, so that no test
      // receives another test's mail when it moves the clock.
      await ctx.store.db
        .updateTable('mail_outbox')
        .set({ next_attempt_at: ctx.clock.now().toISOString() })
        .where('status', '=', 'pending')
        .execute();
      await drain(newWorker());
    }
    // Pooled SMTP connections are closed, so that the server can stop (and restart) at once.
    for (const t of transports.splice(0)) t.close();
    sink.received = [];
  });

  /** A user of a new operator and a notice about them, queued now: three mails (the user, both admins). */
  async function userWithNotice(event: 'unlocked' | 'deleted') {
    const { admin, user } = await createOperatorWithUser(ctx);
    await ctx.store.db
      .transaction()
      .execute((tx) => queueNotice(tx, { event, at: ctx.clock.now(), user, actor: admin }));
    return { admin, user };
  }

  function newWorker(options: Partial<MailWorkerOptions> = {}, store: Store = ctx.store): MailWorker {
    const transport = smtpTransport(sink.url, { rejectUnauthorized: true });
    transports.push(transport);
    const worker = new MailWorker({
      store,
      transport,
      from: MAIL_FROM,
      clock: ctx.clock,
      logger: log.logger,
      ...options,
    });
    workers.push(worker);
    return worker;
  }

  async function outboxRows(recipients: string[]) {
    return ctx.store.db
      .selectFrom('mail_outbox')
      .selectAll()
      .where('recipient', 'in', recipients)
      .orderBy('id')
      .execute();
  }

  async function register(actor: User | null, operatorCode: string) {
    return ctx.store.db.transaction().execute((tx) =>
      createUserWithTemporaryPassword(tx, {
        userName: '登録 太郎',
        department: '需給部',
        email: `new.${Date.now()}.${Math.random().toString(36).slice(2)}@example.jp`,
        operatorCode,
        role: 'general',
        actor,
        now: ctx.clock.now(),
      }),
    );
  }

  it.skipIf(skip)(
    'registration: the user and the acting admin get ID and temporary password, the other admin only the notice',
    async () => {
      const { admin, otherAdmin } = await createOperatorWithAdmins(ctx);
      const issued = await register(admin, admin.operatorCode);
      const user = issued.user;

      expect(await drain(newWorker())).toBe(3);
      expect(sink.received).toHaveLength(3);
      const [toUser] = sink.to(user.email);
      const [toActor] = sink.to(admin.email);
      const [toOther] = sink.to(otherAdmin.email);
      for (const r of [toUser, toActor, toOther]) {
        expect(r!.to).toHaveLength(1);
        expect(r!.mail.subject).toBe('【容量市場システム】ユーザ情報登録のお知らせ');
        expect(r!.mail.text).toContain(`ユーザID: ${user.userId}`);
        expect(r!.mail.from?.value[0]).toEqual({
          address: 'no-reply@capacity-market.example',
          name: '容量市場システム',
        });
        expect(r!.mail.date?.toISOString()).toBe(ctx.clock.now().toISOString());
        // RFC 2047: the Japanese subject travels as encoded words, the raw header is ASCII.
        const header = /^Subject:(.*(?:\r?\n[ \t].*)*)/m.exec(r!.raw)?.[1] ?? '';
        expect(header).toMatch(/=\?UTF-8\?[BQ]\?/i);
        expect(/^[\x20-\x7e\s]*$/.test(header)).toBe(true);
        expect(r!.mail.headers.get('content-type')).toMatchObject({
          value: 'text/plain',
          params: { charset: 'utf-8' },
        });
      }
      expect(toUser!.mail.text).toContain(`仮パスワード: ${issued.temporaryPassword}`);
      expect(toUser!.mail.text).toContain('仮パスワードの有効期限: 2026/04/03 23:59');
      expect(toActor!.mail.text).toContain(`仮パスワード: ${issued.temporaryPassword}`);
      expect(toOther!.mail.text).not.toContain(issued.temporaryPassword);
      expect(toOther!.mail.text).not.toContain('仮パスワードの有効期限');

      // Each mail carries its row's Message-ID, and the outbox says sent.
      const rows = await outboxRows([user.email, admin.email, otherAdmin.email]);
      expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent']);
      expect(new Set(sink.received.map((r) => r.mail.messageId))).toEqual(
        new Set(rows.map((r) => r.message_id)),
      );
      expect(rows.every((r) => r.sent_at === ctx.clock.now().toISOString())).toBe(true);
      // A delivered body is not kept at rest: the temporary password is gone from the outbox.
      expect(rows.every((r) => r.body === SENT_BODY_PLACEHOLDER)).toBe(true);

      // The password in the mail is the one that logs in.
      const password = /仮パスワード: (\S+)/.exec(toUser!.mail.text ?? '')?.[1];
      await loginAs(ctx, user, password);

      // The log names the mails, never their text.
      const logged = JSON.stringify(log.lines);
      expect(logged).toContain(rows[0]!.message_id);
      expect(logged).not.toContain(issued.temporaryPassword);
      expect(logged).not.toContain('仮パスワード');
    },
  );

  it.skipIf(skip)('operator add mails each new admin its own ID and temporary password', async () => {
    const code = `M${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
    const { admins } = await addOperator(ctx.store.db, {
      operatorCode: code,
      operatorName: `株式会社${code}`,
      admins: [
        { userName: '管理 一郎', department: '総務部', email: `a1.${code.toLowerCase()}@example.jp` },
        { userName: '管理 二郎', department: '総務部', email: `a2.${code.toLowerCase()}@example.jp` },
      ],
      now: ctx.clock.now(),
    });
    const [first, second] = admins;
    await drain(newWorker());
    const toFirst = sink.to(first!.user.email);
    const toSecond = sink.to(second!.user.email);
    // Each admin gets its own registration (with its temporary password) and the notice
    // of the other's (without it): the notices are queued once both admins exist.
    expect(toSecond).toHaveLength(2);
    const secondOwn = toSecond.find((r) => r.mail.text?.includes(`ユーザID: ${second!.user.userId}`));
    const aboutFirst = toSecond.find((r) => r.mail.text?.includes(`ユーザID: ${first!.user.userId}`));
    expect(secondOwn!.mail.text).toContain(`仮パスワード: ${second!.temporaryPassword}`);
    expect(aboutFirst!.mail.text).not.toContain(first!.temporaryPassword);
    expect(toFirst).toHaveLength(2);
    const own = toFirst.find((r) => r.mail.text?.includes(`ユーザID: ${first!.user.userId}`));
    const aboutSecond = toFirst.find((r) => r.mail.text?.includes(`ユーザID: ${second!.user.userId}`));
    expect(own!.mail.text).toContain(`仮パスワード: ${first!.temporaryPassword}`);
    expect(aboutSecond!.mail.text).not.toContain(second!.temporaryPassword);
    expect(aboutSecond!.mail.text).not.toContain('作業者:');
  });

  it.skipIf(skip)('a user locked by five wrong passwords: the user and both admins are told', async () => {
    const { admin, otherAdmin, user } = await createOperatorWithUser(ctx);
    const agent = new Agent(ctx.app);
    for (let i = 0; i < 5; i++) {
      expect(
        (await agent.post('/login', { userId: user.userId, password: 'wrong password 123' })).statusCode,
      ).toBe(401);
    }
    expect((await findUser(ctx.store.db, user.userId))!.locked).toBe(true);
    await drain(newWorker());
    for (const email of [user.email, admin.email, otherAdmin.email]) {
      const got = sink.to(email);
      expect(got).toHaveLength(1);
      expect(got[0]!.mail.subject).toBe('【容量市場システム】ユーザロックのお知らせ');
      expect(got[0]!.mail.text).toContain(`ユーザID: ${user.userId}`);
      expect(got[0]!.mail.text).toContain('5回連続で誤って入力したため');
    }
    expect(sink.to(user.email)[0]!.mail.text).toContain('ユーザロック解除を依頼してください。');
    expect(sink.to(admin.email)[0]!.mail.text).toContain('必要に応じてユーザロック解除を行ってください。');
  });

  it.skipIf(skip)('change, unlock, reissue and deletion notices reach the user and both admins', async () => {
    const { admin, otherAdmin, user } = await createOperatorWithUser(ctx);
    const at = ctx.clock.now();
    const expiresAt = new Date('2026-04-03T14:59:59.999Z');
    const secret = 'Reissued-Secret-42x';
    await ctx.store.db.transaction().execute(async (tx) => {
      await queueNotice(tx, { event: 'changed', at, user, actor: admin, changes: ['所属部署', '電話番号'] });
      await queueNotice(tx, { event: 'unlocked', at, user, actor: otherAdmin });
      await queueNotice(tx, {
        event: 'passwordReissued',
        at,
        user,
        actor: otherAdmin,
        temporaryPassword: secret,
        expiresAt,
      });
      await queueNotice(tx, { event: 'deleted', at, user, actor: admin });
    });
    expect(await drain(newWorker())).toBe(12);
    const subjects = (email: string) => sink.to(email).map((r) => r.mail.subject);
    const expected = [
      '【容量市場システム】ユーザ情報変更のお知らせ',
      '【容量市場システム】ユーザロック解除のお知らせ',
      '【容量市場システム】パスワード再発行のお知らせ',
      '【容量市場システム】ユーザ情報削除のお知らせ',
    ];
    for (const email of [user.email, admin.email, otherAdmin.email]) {
      expect(subjects(email).sort()).toEqual([...expected].sort());
    }
    const text = (email: string, subject: string) =>
      sink.to(email).find((r) => r.mail.subject === subject)!.mail.text ?? '';
    expect(text(admin.email, expected[0]!)).toContain('変更項目: 所属部署、電話番号');
    expect(text(user.email, expected[1]!)).toContain(
      `作業者: ${otherAdmin.userName}（${otherAdmin.userId}）`,
    );
    // D-16 (revised): the reissued password to the user concerned only, not even to the
    // admin who acted (otherAdmin).
    expect(text(user.email, expected[2]!)).toContain(`仮パスワード: ${secret}`);
    expect(text(user.email, expected[2]!)).toContain('仮パスワードの有効期限: 2026/04/03 23:59');
    expect(text(otherAdmin.email, expected[2]!)).not.toContain(secret);
    expect(text(admin.email, expected[2]!)).not.toContain(secret);
    expect(text(admin.email, expected[3]!)).toContain('ログインできなくなりました。');
  });

  it.skipIf(skip)('a change whose transaction fails queues no mail', async () => {
    const { admin, user } = await createOperatorWithUser(ctx);
    const before = await ctx.store.db.selectFrom('mail_outbox').select('id').execute();
    await expect(
      ctx.store.db.transaction().execute(async (tx) => {
        await queueNotice(tx, { event: 'deleted', at: ctx.clock.now(), user, actor: admin });
        expect(await tx.selectFrom('mail_outbox').select('id').execute()).toHaveLength(before.length + 3);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await ctx.store.db.selectFrom('mail_outbox').select('id').execute()).toHaveLength(before.length);
    expect(await drain(newWorker())).toBe(0);
    expect(sink.received).toHaveLength(0);
  });

  for (const stage of ['rcpt', 'data'] as const) {
    it.skipIf(skip)(
      `a server that answers 451 at ${stage === 'rcpt' ? 'RCPT TO' : 'end of DATA'} delays mail; once it accepts, each mail arrives once`,
      async () => {
        const { admin, otherAdmin } = await createOperatorWithAdmins(ctx);
        const issued = await register(admin, admin.operatorCode);
        const emails = [issued.user.email, admin.email, otherAdmin.email];
        const worker = newWorker();
        sink.refusal = { stage, code: 451 };

        const first = await worker.runOnce();
        expect(first).toMatchObject({ claimed: 3, sent: 0, retrying: 3, failed: 0 });
        let rows = await outboxRows(emails);
        expect(rows.map((r) => [r.status, Number(r.attempts)])).toEqual([
          ['pending', 1],
          ['pending', 1],
          ['pending', 1],
        ]);
        expect(rows[0]!.last_error).toMatch(/451/);
        expect(rows[0]!.next_attempt_at).toBe(new Date(ctx.clock.now().getTime() + 30_000).toISOString());
        // The registration itself stays committed.
        expect(await findUser(ctx.store.db, issued.user.userId)).toBeDefined();

        // Not due yet: nothing is tried before the backoff has passed.
        expect((await worker.runOnce()).claimed).toBe(0);
        ctx.clock.advance(30_000);
        expect(await worker.runOnce()).toMatchObject({ claimed: 3, retrying: 3 });
        rows = await outboxRows(emails);
        expect(rows[0]!.next_attempt_at).toBe(new Date(ctx.clock.now().getTime() + 60_000).toISOString());

        sink.refusal = null;
        ctx.clock.advance(59_999);
        expect((await worker.runOnce()).claimed).toBe(0);
        ctx.clock.advance(1);
        expect(await worker.runOnce()).toMatchObject({ claimed: 3, sent: 3 });
        expect(sink.received).toHaveLength(3);
        for (const email of emails) expect(sink.to(email)).toHaveLength(1);
        rows = await outboxRows(emails);
        expect(rows.map((r) => [r.status, Number(r.attempts), r.last_error])).toEqual([
          ['sent', 2, null],
          ['sent', 2, null],
          ['sent', 2, null],
        ]);
        expect(sink.received.map((r) => r.mail.messageId).sort()).toEqual(
          rows.map((r) => r.message_id).sort(),
        );
      },
    );
  }

  it.skipIf(skip)(
    'a server that is down delays mail without blocking requests; when it is back every mail arrives once',
    async () => {
      const { admin, otherAdmin, user } = await createOperatorWithUser(ctx);
      const worker = newWorker();
      const port = sink.port;
      await sink.stop();
      try {
        // A request that queues mail answers at once: sending is not in the request path.
        const agent = new Agent(ctx.app);
        for (let i = 0; i < 5; i++)
          await agent.post('/login', { userId: user.userId, password: 'wrong password 1' });
        expect((await findUser(ctx.store.db, user.userId))!.locked).toBe(true);

        for (let round = 0; round < 3; round++) {
          const r = await worker.runOnce();
          expect(r).toMatchObject({ claimed: 3, sent: 0, retrying: 3 });
          ctx.clock.advance(30_000 * 2 ** round);
        }
        const rows = await outboxRows([user.email, admin.email, otherAdmin.email]);
        expect(rows.every((r) => r.status === 'pending' && Number(r.attempts) === 3)).toBe(true);
        expect(rows[0]!.last_error).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
      } finally {
        await sink.start(port);
      }
      expect(await drain(worker)).toBe(3);
      for (const email of [user.email, admin.email, otherAdmin.email]) expect(sink.to(email)).toHaveLength(1);
      expect(await drain(worker)).toBe(0);
      expect(sink.received).toHaveLength(3);
    },
  );

  it.skipIf(skip)(
    'at the attempt limit a mail is failed and shown; outbox retry sends it again',
    async () => {
      const { user } = await userWithNotice('unlocked');
      const worker = newWorker({ retry: { maxAttempts: 3 } });
      sink.refusal = { stage: 'rcpt', code: 451 };
      expect(await worker.runOnce()).toMatchObject({ retrying: 3 });
      ctx.clock.advance(30_000);
      expect(await worker.runOnce()).toMatchObject({ retrying: 3 });
      ctx.clock.advance(60_000);
      expect(await worker.runOnce()).toMatchObject({ retrying: 0, failed: 3 });
      ctx.clock.advance(24 * 3_600_000);
      expect((await worker.runOnce()).claimed).toBe(0);
      const rows = await outboxRows([user.email]);
      expect(rows.map((r) => [r.status, Number(r.attempts)])).toEqual([['failed', 3]]);
      expect(rows[0]!.last_error).toMatch(/451/);
      expect(log.lines.some((l) => l.level === 'error' && l.outboxId === rows[0]!.id)).toBe(true);

      sink.refusal = null;
      const failedIds = (
        await ctx.store.db.selectFrom('mail_outbox').select('id').where('status', '=', 'failed').execute()
      ).map((r) => Number(r.id));
      expect(await retryFailedMails(ctx.store.db, { allFailed: true }, ctx.clock.now())).toEqual(
        failedIds.sort((a, b) => a - b),
      );
      const requeued = await outboxRows([user.email]);
      expect(requeued.map((r) => [r.status, Number(r.attempts)])).toEqual([['pending', 0]]);
      await drain(worker);
      expect(sink.to(user.email)).toHaveLength(1);
      expect(sink.to(user.email)[0]!.mail.messageId).toBe(rows[0]!.message_id);
      expect((await outboxRows([user.email]))[0]!.status).toBe('sent');
    },
  );

  it.skipIf(skip)('a permanent 550 refusal fails the mail at once', async () => {
    const { user } = await userWithNotice('deleted');
    sink.refusal = { stage: 'rcpt', code: 550 };
    expect(await newWorker().runOnce()).toMatchObject({ claimed: 3, failed: 3, retrying: 0 });
    const rows = await outboxRows([user.email]);
    expect(rows.map((r) => [r.status, Number(r.attempts)])).toEqual([['failed', 1]]);
    expect(rows[0]!.last_error).toMatch(/^EENVELOPE 550 /);
  });

  it.skipIf(skip)(
    'a refused login (535) is retried, and the SMTP password is in no error or log',
    async () => {
      const { user } = await userWithNotice('unlocked');
      const password = 'Smtp-Pa55word-Never-Logged';
      const server = new SMTPServer({
        authOptional: false,
        allowInsecureAuth: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onAuth: (_auth, _session, callback) =>
          callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 })),
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
      const port = (server.server.address() as AddressInfo).port;
      const transport = smtpTransport(`smtp://mailer:${password}@127.0.0.1:${port}`, {
        rejectUnauthorized: true,
      });
      try {
        expect(transport.describe).toBe(`smtp://127.0.0.1:${port}`);
        const worker = newWorker({ transport });
        expect(await worker.runOnce()).toMatchObject({ claimed: 3, retrying: 3, failed: 0 });
        const rows = await outboxRows([user.email]);
        expect(rows[0]!.status).toBe('pending');
        expect(rows[0]!.last_error).toMatch(/^EAUTH 535 /);
        const all = await ctx.store.db.selectFrom('mail_outbox').select('last_error').execute();
        expect(JSON.stringify(all)).not.toContain(password);
        expect(JSON.stringify(log.lines)).not.toContain(password);
      } finally {
        transport.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  );

  it.skipIf(skip)(
    "a crashed worker's claim is taken over after its lease, and the late finish is refused",
    async () => {
      const { user } = await userWithNotice('unlocked');
      // The "crashed" worker claims and never finishes.
      const lost = await claimDueMails(ctx.store, { now: ctx.clock.now(), leaseMs: 10 * 60_000, limit: 100 });
      expect(lost).toHaveLength(3);
      const worker = newWorker();
      expect((await worker.runOnce()).claimed).toBe(0);
      ctx.clock.advance(10 * 60_000 - 1);
      expect((await worker.runOnce()).claimed).toBe(0);
      ctx.clock.advance(1);
      expect(await worker.runOnce()).toMatchObject({ claimed: 3, sent: 3 });
      expect(sink.to(user.email)).toHaveLength(1);
      // The old claim can no longer finish the row (another worker holds or finished it).
      expect(await finishSent(ctx.store.db, lost[0]!, ctx.clock.now())).toBe(false);
    },
  );

  it.skipIf(skip)('two workers on one outbox, run concurrently, send each mail exactly once', async () => {
    const { admin, otherAdmin } = await createOperatorWithAdmins(ctx);
    let second: Store = ctx.store;
    if (kind === 'postgres') {
      // A second pool on the same database: what a second server process would have.
      const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(ctx.store.db);
      const url = new URL(inject('postgresUrl'));
      url.pathname = `/${rows[0]!.name}`;
      second = openStore({ databaseUrl: url.toString() });
    }
    try {
      const workerA = newWorker({ batchSize: 4 });
      const workerB = newWorker({ batchSize: 4 }, second);
      const queued: string[] = [];
      const sentBy = { a: 0, b: 0 };
      for (let round = 0; round < 3; round++) {
        const users = await Promise.all(
          Array.from({ length: 8 }, () => createUser(ctx, { operatorCode: admin.operatorCode })),
        );
        await ctx.store.db.transaction().execute(async (tx) => {
          for (const user of users)
            await queueNotice(tx, { event: 'unlocked', at: ctx.clock.now(), user, actor: admin });
        });
        queued.push(...users.map((u) => u.email), ...users.flatMap(() => [admin.email, otherAdmin.email]));
        const [a, b] = await Promise.all([drain(workerA), drain(workerB)]);
        sentBy.a += a;
        sentBy.b += b;
      }
      expect(queued).toHaveLength(72);
      expect(sentBy.a + sentBy.b).toBe(72);
      const ids = sink.received.map((r) => r.mail.messageId);
      expect(ids).toHaveLength(72);
      expect(new Set(ids).size).toBe(72);
      const counts = await countOutbox(ctx.store.db);
      expect(counts.pending + counts.sending).toBe(0);
      if (kind === 'postgres') {
        // Both pools took part: SKIP LOCKED let each claim rows the other did not hold.
        expect(sentBy.a).toBeGreaterThan(0);
        expect(sentBy.b).toBeGreaterThan(0);
      }
    } finally {
      if (second !== ctx.store) await second.close();
    }
  });
});
