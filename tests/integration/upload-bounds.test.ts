import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import {
  type Agent,
  describeOnStores,
  fieldErrorText,
  messageIds,
  setupOperator,
} from '../helpers/integration.js';
import { postMultipart, uploadParts } from '../helpers/multipart.js';

/**
 * SPEC D-20: an upload is bounded before it is parsed. Files built to be expensive (a
 * header and half a million blank lines; a row of a million commas), each under the
 * 1 MiB size limit, are refused with a message next to the file field, in a small page,
 * registering nothing, and without blocking the event loop: /healthz keeps answering.
 */

const HEADER = '所属部署,ユーザ名,電話番号,メールアドレス,適用開始日,適用終了日';
const MiB = 1024 * 1024;
/** D-20: no request may block the event loop for more than about 100 ms. */
const MAX_LOOP_DELAY_MS = 100;
/** A refused upload answers with the form and one message, not a page per problem. */
const MAX_PAGE_BYTES = 100 * 1024;

const hostileFiles: { name: string; file: string; id: string; text: string }[] = [
  {
    name: 'a header and 500,000 blank lines',
    file: `${HEADER}\n${'\n'.repeat(500_000)}`,
    id: 'error.bulkRegist.tooManyLines',
    text: 'CSVファイルの行数が上限（200行）を超えています。空行を含めて200行以内にしてください。',
  },
  {
    name: 'a header and 500,000 blank CRLF lines',
    file: `${HEADER}\r\n${'\r\n'.repeat(500_000)}`,
    id: 'error.bulkRegist.tooManyLines',
    text: 'CSVファイルの行数が上限（200行）を超えています。空行を含めて200行以内にしてください。',
  },
  {
    name: 'a header row ending in a million commas',
    file: `${HEADER}${','.repeat(1_000_000)}\r\n`,
    id: 'error.bulkRegist.tooManyColumns',
    text: 'CSVファイルの1行目の列数が上限（20列）を超えています。',
  },
  {
    name: 'one row of a million commas',
    file: ','.repeat(1_000_000),
    id: 'error.bulkRegist.tooManyColumns',
    text: 'CSVファイルの1行目の列数が上限（20列）を超えています。',
  },
  {
    name: 'a header and a row of a million commas',
    file: `${HEADER}\n${','.repeat(1_000_000)}\n`,
    id: 'error.bulkRegist.tooManyColumns',
    text: 'CSVファイルの2行目の列数が上限（20列）を超えています。',
  },
  {
    name: 'a header and one quoted cell of a million characters',
    file: `${HEADER}\n"${'あ'.repeat(340_000)}"\n`,
    id: 'error.bulkRegist.lineTooLong',
    text: 'CSVファイルの2行目が長すぎます（1行500文字まで）。',
  },
];

describeOnStores('upload bounds (SPEC D-20) on $kind', (ctx, { kind, skip }) => {
  async function generalUserCount(operatorCode: string): Promise<number> {
    const rows = await ctx.store.db
      .selectFrom('users')
      .select('user_id')
      .where('operator_code', '=', operatorCode)
      .where('role', '=', 'general')
      .execute();
    return rows.length;
  }

  async function outboxCount(): Promise<number> {
    return (await ctx.store.db.selectFrom('mail_outbox').select('id').execute()).length;
  }

  /**
   * Uploads the file while /healthz is asked again and again, with the event loop's delay
   * measured (10 ms resolution) from just before the upload to just after its answer. The
   * histogram records the gap between two of its ticks: it is given time for a first tick
   * before the upload and for one more after it, or a block would go unseen.
   */
  async function uploadWhileWatching(agent: Agent, file: string) {
    const histogram = monitorEventLoopDelay({ resolution: 10 });
    histogram.enable();
    await sleep(50);
    let answered = false;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const uploading = postMultipart(agent, '/users/bulk-register/confirm', uploadParts(agent, file)).finally(
      () => {
        answered = true;
      },
    );
    const health: { status: number; ms: number }[] = [];
    do {
      const t = performance.now();
      const res = await ctx.app.inject({ method: 'GET', url: '/healthz' });
      health.push({ status: res.statusCode, ms: performance.now() - t });
      await sleep(5);
    } while (!answered);
    const res = await uploading;
    const elapsedMs = performance.now() - started;
    const { user, system } = process.cpuUsage(cpu);
    await sleep(30);
    histogram.disable();
    const maxDelayMs = histogram.max / 1e6;
    if (process.env.UPLOAD_BOUNDS_REPORT) {
      // UPLOAD_BOUNDS_REPORT=1 prints the measurements (for tuning, not needed to pass).
      process.stdout.write(
        `[upload-bounds ${kind}] ${expect.getState().currentTestName}: status ${res.statusCode}, ` +
          `page ${res.body.length} chars, ${elapsedMs.toFixed(0)} ms ` +
          `(CPU ${((user + system) / 1000).toFixed(0)} ms), event loop max delay ${maxDelayMs.toFixed(1)} ms, ` +
          `/healthz ${health.length}x, slowest ${Math.max(...health.map((h) => h.ms)).toFixed(1)} ms\n`,
      );
    }
    return { res, health, maxDelayMs };
  }

  it.skipIf(skip)('a file just within the limits is read and confirmed', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const tag = `within${operator.operatorCode.toLowerCase()}`;
    // 200 lines (the header, two rows and 197 blank ones), the longest 500 characters.
    const rows = [
      `営業部,上限 一郎,03-1234-5678,${tag}.1@example.jp,,${' '.repeat(500 - 38 - tag.length)}`,
      `開発部,上限 二郎,,${tag}.2@example.jp,,`,
    ];
    expect(rows[0]!.length).toBe(500);
    const file = `${[HEADER, ...rows, ...Array(197).fill(',,,,,')].join('\r\n')}\r\n`;
    // The first upload of the file (and of this app): it compiles and loads what the later,
    // measured ones use, so its delay is reported but not asserted.
    const { res: posted } = await uploadWhileWatching(agent, file);
    // Checked: 303 to the confirmation page, a GET (Post/Redirect/Get).
    expect(posted.statusCode, posted.body).toBe(303);
    const res = await agent.follow(posted);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).toContain('<h1>ユーザ情報一括登録確認画面</h1>');
    expect(res.body).toContain('下記の2件のユーザ情報を登録します。よろしいですか。');
  });

  for (const hostile of hostileFiles) {
    it.skipIf(skip)(`refuses ${hostile.name} before parsing, keeping /healthz answering`, async () => {
      expect(Buffer.byteLength(hostile.file)).toBeLessThan(MiB);
      const { operator, agent } = await setupOperator(ctx);
      const mailsBefore = await outboxCount();

      // A real block shows in every try; a scheduling hiccup of a busy 2-core machine (CI
      // runs two test files at once, one with Chromium) does not: up to three tries, and
      // the smallest maximum delay counts.
      let { res, health, maxDelayMs } = await uploadWhileWatching(agent, hostile.file);
      for (let attempt = 1; attempt < 3 && maxDelayMs >= MAX_LOOP_DELAY_MS; attempt++) {
        const again = await uploadWhileWatching(agent, hostile.file);
        res = again.res;
        health = again.health;
        maxDelayMs = Math.min(maxDelayMs, again.maxDelayMs);
      }

      expect(res.statusCode).toBe(400);
      expect(Buffer.byteLength(res.body)).toBeLessThan(MAX_PAGE_BYTES);
      expect(messageIds(res.body)).toEqual([hostile.id]);
      expect(fieldErrorText(res.body, 'file')).toBe(hostile.text);
      expect(res.body).not.toContain('name="token"');
      expect(await generalUserCount(operator.operatorCode)).toBe(0);
      expect(await outboxCount()).toBe(mailsBefore);

      expect(health.every((h) => h.status === 200)).toBe(true);
      expect(maxDelayMs, `event loop blocked for ${maxDelayMs.toFixed(1)} ms`).toBeLessThan(
        MAX_LOOP_DELAY_MS,
      );
    });
  }
});
