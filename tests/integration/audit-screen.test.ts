import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_REASON_LABELS } from '../../src/features/audit/labels.js';
import { recordAudit } from '../../src/features/audit/service.js';
import * as userErrors from '../../src/features/users/errors.js';
import {
  Agent,
  createOperatorWithAdmins,
  createOperatorWithUser,
  createUser,
  describeOnStores,
  execute,
  exportCsv,
  formToken,
  loginAs,
  submit,
  type TestContext,
} from '../helpers/integration.js';

/**
 * SPEC §6: the audit screen and its CSV speak the manual's language: Japan time with
 * seconds, Japanese actions and reasons, a change as field / before / after, never raw
 * JSON or `reason=` strings; filtered by period, action, user and outcome, paged, and
 * only ever the admin's own operator's records.
 */

/** The text of an HTML fragment, tags dropped and entities of quotes kept visible. */
function text(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Each record row of the audit table, as HTML (one `<td class="col-time">` per record). */
function recordRows(body: string): string[] {
  const table =
    /<section class="table-scroll"[^>]*><table class="results audit-table">([\s\S]*?)<\/table><\/section>/.exec(
      body,
    )?.[1];
  if (!table) return [];
  return table.split('<td class="col-time">').slice(1);
}

/** The 内容 cell of each record row, as HTML. */
function detailCells(body: string): string[] {
  return recordRows(body).map((row) => row.split('<td class="col-detail">')[1] ?? '');
}

function total(body: string): number | undefined {
  const m = /1 - \d+ 件 \(全(\d+)件\)|\d+ - \d+ 件 \(全(\d+)件\)/.exec(body);
  return m ? Number(m[1] ?? m[2]) : undefined;
}

/** No raw JSON, no `key=value`: what SPEC §6 forbids in the 内容 column. */
function expectReadable(detail: string): void {
  const t = text(detail);
  expect(t).not.toContain('{');
  expect(t).not.toContain('}');
  expect(t).not.toContain('"');
  expect(t).not.toContain('&quot;');
  expect(t).not.toMatch(/[A-Za-z]=/);
  expect(t).not.toMatch(/\b(reason|conditions|failedLoginCount|before|after|encoding|rowCount)\b/);
}

const CHANGE_FORM = {
  department: '需給調整部',
  userName: '試験 三郎',
  phone1: '06',
  phone2: '6666',
  phone3: '7777',
  email: 'saburo@example.jp',
  enabled: '1',
  validFrom: '2020/01/29',
  validTo: '2027/03/31',
  version: '1',
};

/**
 * A small history through the real routes: at 2026/04/02 00:30:45 Japan time (15:30:45
 * UTC of the day before) a wrong password; on 2026/04/05 the admin's login, a change and
 * a user CSV export. Another operator's admin fails and succeeds too, the same days.
 */
async function history(ctx: TestContext) {
  const { operator, admin } = await createOperatorWithAdmins(ctx);
  const general = await createUser(ctx, {
    operatorCode: operator.operatorCode,
    department: '総合エネルギー事業部',
    userName: '試験 太郎',
    phone: '03-1234-5678',
    validFrom: '2020-01-29',
  });
  const stranger = await createOperatorWithAdmins(ctx);

  ctx.clock.set('2026-04-01T15:30:45.000Z');
  const visitor = new Agent(ctx.app);
  await visitor.get('/login');
  expect(
    (await visitor.post('/login', { userId: general.userId, password: 'Not-the-password 1' })).statusCode,
  ).toBe(401);
  await visitor.post('/login', { userId: stranger.admin.userId, password: 'Not-the-password 1' });

  ctx.clock.set('2026-04-05T01:02:03.000Z');
  await loginAs(ctx, stranger.admin);
  const agent = await loginAs(ctx, admin);
  const confirm = await submit(agent, `/users/${general.userId}/change/confirm`, CHANGE_FORM);
  expect(confirm.statusCode).toBe(200);
  const done = await execute(agent, `/users/${general.userId}/change`, {
    token: formToken(confirm.body, `/users/${general.userId}/change`),
  });
  expect(done.statusCode).toBe(200);
  const exported = await exportCsv(agent, {
    operatorCode: operator.operatorCode,
    userId: 'U',
    encoding: 'utf8',
  });
  expect(exported.statusCode).toBe(200);
  return { operator, admin, general, stranger, agent };
}

describeOnStores('audit screen, readable (SPEC §6) on $kind', (ctx, { skip }) => {
  it.skipIf(skip)(
    'shows Japan time, Japanese labels, a change as field / before / after, never JSON',
    async () => {
      const { admin, general, stranger, agent } = await history(ctx);
      const page = await agent.get('/audit');
      expect(page.statusCode).toBe(200);
      // Wrong password, the admin's login, the change, the export.
      expect(total(page.body)).toBe(4);
      const rows = recordRows(page.body).map(text);
      expect(rows).toHaveLength(4);

      // Newest first; Japan time with seconds, never the UTC instant as text.
      expect(rows[3]).toMatch(/^2026\/04\/02 00:30:45 ログイン 失敗 /);
      expect(rows[3]).toContain('理由 パスワード誤り');
      expect(rows[3]).toContain('連続失敗回数 1回');
      expect(rows[0]).toMatch(/^2026\/04\/05 10:02:03 CSV出力 成功 /);
      expect(rows[0]).toContain('文字コード UTF-8');
      // Both admins and the general user have IDs that start with U.
      expect(rows[0]).toContain('件数 3件');
      expect(rows[0]).toMatch(
        /検索条件 事業者コード [0-9A-Z]{4}、ユーザIDが「U」で始まる、有効・無効とも、削除済みを除く/,
      );
      expect(rows[2]).toMatch(/^2026\/04\/05 10:02:03 ログイン 成功 /);
      expect(rows[2]).toContain('パスワード種別 通常のパスワード');
      expect(text(page.body.split('<table class="results audit-table">')[1]!)).not.toMatch(
        /\d{4}-\d{2}-\d{2}T\d{2}:/,
      );

      // The change: a table of field, before and after, only the fields that changed.
      const change = recordRows(page.body)[1]!;
      expect(text(change)).toMatch(
        new RegExp(`^2026/04/05 10:02:03 変更 成功 ${admin.userId} ${general.userId} 127\\.0\\.0\\.1 `),
      );
      expect(change).toContain('<table class="audit-changes">');
      expect(text(change)).toContain('項目 変更前 変更後');
      expect(text(change)).toContain('所属部署 総合エネルギー事業部 需給調整部');
      expect(text(change)).toContain('ユーザ名 試験 太郎 試験 三郎');
      expect(text(change)).toContain('電話番号 03-1234-5678 06-6666-7777');
      expect(text(change)).toContain(`メールアドレス ${general.email} saburo@example.jp`);
      expect(text(change)).toContain('適用終了日 9999/12/31 2027/03/31');
      expect(text(change)).not.toContain('適用開始日');
      expect(text(change)).not.toContain('有効/無効');

      for (const cell of detailCells(page.body)) expectReadable(cell);
      expect(page.body).not.toContain('reason=');
      expect(page.body).not.toContain('conditions=');

      // The table scrolls in its own container and its columns are named for the CSS.
      expect(page.body).toContain(
        '<section class="table-scroll" tabindex="0" aria-label="監査ログ一覧"><table class="results audit-table">',
      );
      expect(page.body).toContain('<td class="col-detail">');

      // Another operator's records never appear.
      expect(page.body).not.toContain(stranger.admin.userId);
      const theirs = await agent.get(`/audit?userId=${stranger.admin.userId}`);
      expect(theirs.body).toContain('error.audit.noHits');
      expect(recordRows(theirs.body)).toHaveLength(0);
    },
  );

  it.skipIf(skip)('narrows by period, action, user and outcome, and keeps them in the URL', async () => {
    const { admin, general, stranger, agent } = await history(ctx);
    expect(total((await agent.get('/audit?from=2026/04/02&to=2026/04/02')).body)).toBe(1);
    // 2026/04/01 in Japan ended at 15:00 UTC: the failure at 15:30:45 UTC is not in it.
    expect((await agent.get('/audit?to=2026/04/01')).body).toContain('error.audit.noHits');
    expect(total((await agent.get('/audit?from=2026/04/03')).body)).toBe(3);
    expect(total((await agent.get('/audit?from=2026-04-05&to=2026/04/05')).body)).toBe(3);

    const changes = await agent.get('/audit?action=change');
    expect(total(changes.body)).toBe(1);
    expect(changes.body).toMatch(/<option value="change" selected(="")?>変更<\/option>/);
    expect(total((await agent.get('/audit?action=login')).body)).toBe(2);

    expect(total((await agent.get(`/audit?userId=${general.userId}`)).body)).toBe(2);
    expect(total((await agent.get(`/audit?userId=${admin.userId.toLowerCase()}`)).body)).toBe(3);

    const failures = await agent.get('/audit?outcome=failure');
    expect(total(failures.body)).toBe(1);
    expect(recordRows(failures.body).map(text)[0]).toContain('ログイン 失敗');
    expect(failures.body).toMatch(/<option value="failure" selected(="")?>失敗<\/option>/);
    const successes = await agent.get('/audit?outcome=success');
    expect(total(successes.body)).toBe(3);
    expect(recordRows(successes.body).map(text).join('\n')).not.toContain('失敗');
    expect(total((await agent.get('/audit?outcome=')).body)).toBe(4);

    const all = await agent.get(
      `/audit?from=2026/04/01&to=2026/04/30&action=login&userId=${general.userId}&outcome=failure`,
    );
    expect(total(all.body)).toBe(1);
    expect(all.body).toContain(
      `href="/audit/export?from=2026%2F04%2F01&amp;to=2026%2F04%2F30&amp;action=login&amp;userId=${general.userId}&amp;outcome=failure"`,
    );

    const order = await agent.get('/audit?from=2026/04/05&to=2026/04/02');
    expect(order.statusCode).toBe(400);
    expect(order.body).toContain('期間（終了）は期間（開始）以降の日付を入力してください。');
    expect(order.body).not.toContain(stranger.admin.userId);
    // The field is tied to its error and the summary links to it (WCAG 1.3.1, 3.3.1).
    expect(order.body).toMatch(
      /<input id="to" name="to"[^>]*aria-invalid="true"[^>]*aria-describedby="to-error to-hint"/,
    );
    expect(order.body).not.toMatch(/<input id="from"[^>]*aria-invalid/);
    expect(order.body).toContain('href="#to"');
  });

  it.skipIf(skip)('pages 50 records at a time, first / previous / next / last, filters kept', async () => {
    const { operator, admin } = await createOperatorWithAdmins(ctx);
    const other = await createOperatorWithAdmins(ctx);
    const start = new Date('2026-05-01T00:00:00.000Z').getTime();
    for (let i = 0; i < 120; i++) {
      await recordAudit(ctx.store.db, {
        at: new Date(start + i * 60_000),
        action: 'lock',
        outcome: 'success',
        operatorCode: operator.operatorCode,
        ip: '127.0.0.1',
        targetUserId: admin.userId,
        detail: { failedLoginCount: 5 },
      });
      await recordAudit(ctx.store.db, {
        at: new Date(start + i * 60_000),
        action: 'lock',
        outcome: 'success',
        operatorCode: other.operator.operatorCode,
        targetUserId: other.admin.userId,
        detail: { failedLoginCount: 5 },
      });
    }
    ctx.clock.set('2026-05-02T00:00:00.000Z');
    const agent = await loginAs(ctx, admin);
    const query = 'action=lock&outcome=success';
    const first = await agent.get(`/audit?${query}`);
    expect(first.body).toContain('1 - 50 件 (全120件)');
    expect(recordRows(first.body)).toHaveLength(50);
    expect(text(recordRows(first.body)[0]!)).toMatch(/^2026\/05\/01 10:59:00 ユーザロック 成功 /);
    expect(first.body).toContain('<span aria-disabled="true">&lt;&lt; 最初</span>');
    expect(first.body).toContain('<span aria-disabled="true">&lt; 前へ</span>');
    expect(first.body).toContain(`<a href="/audit?${query.replace('&', '&amp;')}&amp;page=2">次へ ></a>`);
    expect(first.body).toContain(`<a href="/audit?${query.replace('&', '&amp;')}&amp;page=3">最後 >></a>`);

    const second = await agent.get(`/audit?${query}&page=2`);
    expect(second.body).toContain('51 - 100 件 (全120件)');
    expect(second.body).toContain(`<a href="/audit?${query.replace('&', '&amp;')}">&lt;&lt; 最初</a>`);
    expect(second.body).toContain(`<a href="/audit?${query.replace('&', '&amp;')}">&lt; 前へ</a>`);

    const last = await agent.get(`/audit?${query}&page=3`);
    expect(last.body).toContain('101 - 120 件 (全120件)');
    expect(recordRows(last.body)).toHaveLength(20);
    expect(text(recordRows(last.body)[19]!)).toMatch(/^2026\/05\/01 09:00:00 ユーザロック 成功 /);
    expect(last.body).toContain('<span aria-disabled="true">次へ ></span>');
    expect(last.body).toContain('<span aria-disabled="true">最後 >></span>');
    // Past the last page: the last page.
    expect((await agent.get(`/audit?${query}&page=99`)).body).toContain('101 - 120 件 (全120件)');
    expect(last.body).not.toContain(other.admin.userId);
    // The admin's own login is the 121st record of the operator.
    expect((await agent.get('/audit')).body).toContain('1 - 50 件 (全121件)');
  });

  it.skipIf(skip)('exports the same readable columns, filtered by outcome too', async () => {
    const { general, stranger, agent } = await history(ctx);
    const csv = await agent.get('/audit/export');
    expect(csv.statusCode).toBe(200);
    expect(csv.body.startsWith('\uFEFF日時,操作,結果,操作者,対象ユーザ,接続元,内容\r\n')).toBe(true);
    const lines = csv.body.slice(1).trim().split('\r\n');
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatch(
      new RegExp(
        `^2026/04/02 00:30:45,ログイン,失敗,${general.userId},${general.userId},127\\.0\\.0\\.1,理由: パスワード誤り / 連続失敗回数: 1回$`,
      ),
    );
    expect(lines[2]).toContain(
      `変更内容: 所属部署「総合エネルギー事業部」→「需給調整部」、ユーザ名「試験 太郎」→「試験 三郎」`,
    );
    expect(lines[2]).toMatch(/^2026\/04\/05 10:02:03,変更,成功,/);
    expect(lines[3]).toContain('パスワード種別: 通常のパスワード');
    expect(lines[1]).toMatch(/^2026\/04\/05 10:02:03,CSV出力,成功,.*検索条件: 事業者コード [0-9A-Z]{4}、/);
    expect(lines[1]).toContain('文字コード: UTF-8 / 件数: 3件');
    for (const line of lines.slice(1)) {
      expect(line).not.toContain('{');
      expect(line).not.toContain('""');
      expect(line).not.toMatch(/[A-Za-z]=/);
      expect(line).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    }
    expect(csv.body).not.toContain(stranger.admin.userId);

    const failures = await agent.get('/audit/export?outcome=failure');
    const failureLines = failures.body.slice(1).trim().split('\r\n');
    expect(failureLines).toHaveLength(2);
    expect(failureLines[1]).toContain(',ログイン,失敗,');
    const successes = await agent.get('/audit/export?outcome=success&action=change');
    expect(successes.body.slice(1).trim().split('\r\n')).toHaveLength(2);
    // An export is a view: it records nothing.
    const count = await ctx.store.db
      .selectFrom('audit_records')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    await agent.get('/audit/export?outcome=failure');
    const after = await ctx.store.db
      .selectFrom('audit_records')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(count.n));
  });

  it.skipIf(skip)('shows refusals, reissues and bulk actions in words', async () => {
    const { operator, admin, user } = await createOperatorWithUser(ctx, { userName: '試験 花子' });
    ctx.clock.set('2026-06-10T03:00:00.000Z');
    const base = { operatorCode: operator.operatorCode, ip: '127.0.0.1', actorUserId: admin.userId };
    await recordAudit(ctx.store.db, {
      ...base,
      at: ctx.clock.now(),
      action: 'unlock',
      outcome: 'failure',
      targetUserId: user.userId,
      detail: { reason: 'notLocked' },
    });
    await recordAudit(ctx.store.db, {
      ...base,
      at: ctx.clock.now(),
      action: 'reissuePassword',
      outcome: 'success',
      targetUserId: user.userId,
      detail: { temporaryPasswordExpiresAt: '2026-06-12T14:59:59.999Z' },
    });
    await recordAudit(ctx.store.db, {
      ...base,
      at: ctx.clock.now(),
      action: 'bulkDelete',
      outcome: 'success',
      detail: {
        count: 1,
        userIds: [user.userId],
        users: [{ userId: user.userId, userName: '試験 花子', enabled: true }],
      },
    });
    await recordAudit(ctx.store.db, {
      ...base,
      at: ctx.clock.now(),
      action: 'csvExport',
      outcome: 'failure',
      detail: {
        conditions: {
          operatorCode: operator.operatorCode,
          userIdPrefix: '',
          userName: '花子',
          enabled: true,
        },
        encoding: 'cp932',
        rowCount: 3,
        reason: 'unencodable',
        userId: user.userId,
        column: 'ユーザ名',
        somethingNew: { nested: [1, 2], flag: false },
      },
    });
    ctx.clock.set('2026-06-11T03:00:00.000Z');
    const agent = await loginAs(ctx, admin);
    const page = await agent.get('/audit?from=2026/06/10&to=2026/06/10');
    const rows = recordRows(page.body).map(text);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toContain('CSV出力 失敗');
    expect(rows[0]).toContain('理由 Shift_JIS(CP932)で表せない文字あり');
    expect(rows[0]).toContain('検索条件 事業者コード');
    expect(rows[0]).toContain('ユーザ名に「花子」を含む、有効のみ');
    expect(rows[0]).toContain('文字コード Shift_JIS(CP932)');
    expect(rows[0]).toContain(`該当ユーザID ${user.userId}`);
    expect(rows[0]).toContain('該当項目 ユーザ名');
    // A key nobody named yet: `key: value` in words, not JSON.
    expect(rows[0]).toContain('somethingNew （nested: 1、2、flag: いいえ）');
    expect(rows[1]).toContain('一括削除 成功');
    expect(rows[1]).toContain(`対象ユーザ ${user.userId}（試験 花子）`);
    expect(rows[1]).toContain('件数 1件');
    expect(rows[2]).toContain('パスワード再発行 成功');
    expect(rows[2]).toContain('仮パスワード有効期限 2026/06/12 23:59:59');
    expect(rows[3]).toContain('ユーザロック解除 失敗');
    expect(rows[3]).toContain('理由 ロックされていない');
    for (const cell of detailCells(page.body)) expectReadable(cell);
  });
});

describe('audit reason labels (SPEC §6)', () => {
  it('name every reason the code records, in Japanese', () => {
    const src = path.resolve(import.meta.dirname, '../../src');
    const files = (fs.readdirSync(src, { recursive: true }) as string[])
      .filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.test.ts'))
      .map((f) => fs.readFileSync(path.join(src, f), 'utf8'))
      .filter((code) => /record(Action)?Audit\(/.test(code));
    const literals = new Set<string>();
    for (const code of files) {
      for (const m of code.matchAll(/(?:auditReason|reason): '([A-Za-z]+)'/g)) literals.add(m[1]!);
      // `audit('failure', 'temporaryPasswordExpired', user)` in the login.
      for (const m of code.matchAll(/audit\('failure', '([A-Za-z]+)'/g)) literals.add(m[1]!);
    }
    // The refusals of the user actions are recorded by their kind.
    for (const value of Object.values(userErrors)) {
      if (typeof value !== 'function' || !(value.prototype instanceof userErrors.UserActionError)) continue;
      const Ctor = value as unknown as new (...args: unknown[]) => userErrors.UserActionError;
      literals.add(new Ctor([]).kind);
    }
    for (const reason of [
      'wrongPassword',
      'locked',
      'disabled',
      'outsideValidity',
      'deleted',
      'unknownUser',
      'temporaryPasswordExpired',
      'currentPasswordWrong',
      'userLimitReached',
      'noHits',
      'tooMany',
      'unencodable',
      'aborted',
    ]) {
      expect(literals).toContain(reason);
    }
    const missing = [...literals].filter((r) => !Object.hasOwn(AUDIT_REASON_LABELS, r));
    expect(missing).toEqual([]);
    for (const label of Object.values(AUDIT_REASON_LABELS)) expect(label).toMatch(/[^\x20-\x7e]/);
  });
});
