import { parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import { beforeAll, expect, it } from 'vitest';
import { hashPassword } from '../../src/lib/passwords.js';
import {
  type Agent,
  createOperatorWithAdmins,
  createOperatorWithUser,
  createUser,
  describeOnStores,
  exportCsv,
  loginAs,
  setupOperator,
  type TestContext,
  USER_CSV_HEADER,
  userRowValues,
} from '../helpers/integration.js';

/** 2026-04-01 10:00:00 Japan time, the test clock's start. */
const FILE_NAME = 'ユーザ情報一覧_20260401100000.csv';

/** An export as the list's form posts it after the browser's dialog (confirmed=1). */
interface ExportRequest {
  exportParams: Record<string, string>;
}

function exportUrl(params: Record<string, string>): ExportRequest {
  return { exportParams: { confirmed: '1', ...params } };
}

/** The raw bytes of a response (the agent decodes bodies as UTF-8). */
async function getRaw(ctx: TestContext, agent: Agent, request: string | ExportRequest) {
  const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  if (typeof request === 'string')
    return ctx.app.inject({ method: 'GET', url: request, headers: { cookie } });
  return ctx.app.inject({
    method: 'POST',
    url: '/users/export',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ ...request.exportParams, _csrf: agent.csrfToken }).toString(),
  });
}

function topErrors(body: string): string {
  return /<div class="messages messages-error"[\s\S]*?<\/div>/.exec(body)?.[0] ?? '';
}

describeOnStores('CSV export on $kind', (ctx, { skip }) => {
  let passwordHash: string;
  beforeAll(async () => {
    if (skip) return;
    // One hash for every bulk row: hashing 12,000 passwords would take minutes.
    passwordHash = await hashPassword('bulk rows never log in 2026');
  });

  /**
   * Deleted users in one transaction, batched under the bind-parameter limits: the
   * limit of eight general users does not count deleted ones, so these exceed it legitimately.
   */
  async function insertDeletedUsers(operatorCode: string, count: number, idPrefix: string) {
    const now = ctx.clock.now().toISOString();
    await ctx.store.db.transaction().execute(async (trx) => {
      for (let start = 0; start < count; start += 500) {
        const rows = [];
        for (let i = start; i < Math.min(count, start + 500); i++) {
          rows.push(
            userRowValues({
              userId: `${idPrefix}${String(i).padStart(10 - idPrefix.length, '0')}`,
              operatorCode,
              userName: `削除済 利用者${i}`,
              email: `deleted${i}@example.jp`,
              passwordHash,
              now,
              deleted: true,
            }),
          );
        }
        await trx.insertInto('users').values(rows).execute();
      }
    });
  }

  async function csvAudits(actorUserId: string) {
    const rows = await ctx.store.db
      .selectFrom('audit_records')
      .select(['outcome', 'detail'])
      .where('action', '=', 'csvExport')
      .where('actor_user_id', '=', actorUserId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ outcome: r.outcome, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  }

  it.skipIf(skip)('the list’s CSV出力 form carries the conditions and asks first', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const list = await agent.get(
      `/users?operatorCode=${operator.operatorCode}&userName=%E8%A9%A6%E9%A8%93&enabled=1&showDeleted=1&search=1`,
    );
    const form = /<form method="post" action="\/users\/export"[\s\S]*?<\/form>/.exec(list.body)?.[0];
    expect(form).toBeDefined();
    expect(form).toContain('data-confirm="ユーザ情報をCSV出力します。よろしいですか。"');
    expect(form).toContain('<input type="hidden" name="confirmed" value="0"/>');
    expect(form).toContain(`<input type="hidden" name="operatorCode" value="${operator.operatorCode}"/>`);
    expect(form).toContain('<input type="hidden" name="userName" value="試験"/>');
    expect(form).toContain('<input type="hidden" name="enabled" value="1"/>');
    expect(form).toContain('<input type="hidden" name="showDeleted" value="1"/>');
    expect(form).toMatch(/<option value="utf8" selected>UTF-8<\/option>/);
    expect(form).toContain('<option value="cp932">Shift_JIS(CP932)</option>');
  });

  it.skipIf(skip)('without JavaScript, a confirmation page comes first (OK / キャンセル)', async () => {
    const { operator, admin, agent } = await setupOperator(ctx);
    // From the list without JavaScript: the post carries confirmed=0, and gets the page.
    const fromList = await agent.post('/users/export', {
      operatorCode: operator.operatorCode,
      userId: 'U',
      confirmed: '0',
      encoding: 'cp932',
    });
    expect(fromList.statusCode).toBe(200);
    expect(fromList.headers['content-type']).toMatch(/^text\/html/);
    expect(fromList.body).toContain('info.csv.confirm');
    // The page itself is a GET anyone may reload or bookmark: it reads only (SPEC D-18).
    const res = await agent.get(
      `/users/export?operatorCode=${operator.operatorCode}&userId=U&encoding=cp932`,
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('info.csv.confirm');
    expect(res.body).toContain('ユーザ情報をCSV出力します。よろしいですか。');
    const form = /<form method="post" action="\/users\/export"[\s\S]*?<\/form>/.exec(res.body)?.[0] ?? '';
    expect(form).toContain(`<input type="hidden" name="_csrf" value="${agent.csrfToken}"/>`);
    expect(form).toContain('<input type="hidden" name="confirmed" value="1"/>');
    expect(form).toContain('<input type="hidden" name="encoding" value="cp932"/>');
    expect(form).toContain('<input type="hidden" name="userId" value="U"/>');
    expect(form).toMatch(/<button type="submit"[^>]*>OK<\/button>/);
    const cancel = /<a [^>]*href="([^"]*)">キャンセル<\/a>/.exec(form)?.[1];
    expect(cancel).toMatch(/^\/users\?/);
    expect(cancel).toContain(`operatorCode=${operator.operatorCode}`);
    expect(await csvAudits(admin.userId)).toEqual([]);
    // A GET that says confirmed=1 still only shows the page: no file, no audit record.
    const asGet = await agent.get(`/users/export?operatorCode=${operator.operatorCode}&confirmed=1`);
    expect(asGet.headers['content-type']).toMatch(/^text\/html/);
    expect(await csvAudits(admin.userId)).toEqual([]);

    // OK posts the page's form: the file.
    const ok = await agent.post('/users/export', {
      operatorCode: operator.operatorCode,
      userId: 'U',
      encoding: 'utf8',
      confirmed: '1',
    });
    expect(ok.headers['content-type']).toMatch(/^text\/csv/);
  });

  it.skipIf(skip)(
    'exports every row of the search as UTF-8 with BOM, Japanese header and file name',
    async () => {
      const { operator, admin, otherAdmin } = await createOperatorWithAdmins(ctx);
      // SPEC §2 row 6: general users export too.
      const exporter = await createUser(ctx, { operatorCode: operator.operatorCode });
      const general = await createUser(ctx, {
        operatorCode: operator.operatorCode,
        userName: '事業者 一郎',
        department: '総合エネルギー事業部',
        phone: '03-1234-5678',
        email: 'ichiro@example.jp',
        validFrom: '2019-12-23',
        locked: true,
      });
      const agent = await loginAs(ctx, exporter);
      const res = await getRaw(ctx, agent, exportUrl({ operatorCode: operator.operatorCode }));
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      const disposition = String(res.headers['content-disposition']);
      expect(disposition).toContain('attachment;');
      expect(disposition).toContain('filename="users_20260401100000.csv"');
      expect(disposition).toContain(`filename*=UTF-8''${encodeURIComponent(FILE_NAME)}`);
      const bytes = res.rawPayload;
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      const text = bytes.subarray(3).toString('utf8');
      expect(text).toContain('\r\n');
      const records = parse(text) as string[][];
      expect(records[0]).toEqual(USER_CSV_HEADER);
      expect(records.slice(1).map((r) => r[0])).toEqual(
        [admin.userId, otherAdmin.userId, exporter.userId, general.userId].sort(),
      );
      const row = records.find((r) => r[0] === general.userId);
      expect(row).toEqual([
        general.userId,
        '登録作業者(一般)',
        operator.operatorCode,
        operator.operatorName,
        '総合エネルギー事業部',
        '事業者 一郎',
        '03-1234-5678',
        'ichiro@example.jp',
        '有効',
        '2019/12/23',
        '9999/12/31',
        'ロック中',
        '未削除',
        '未設定',
      ]);
      const audits = await csvAudits(exporter.userId);
      expect(audits).toHaveLength(1);
      expect(audits[0]!.outcome).toBe('success');
      expect(audits[0]!.detail.rowCount).toBe(4);
      expect(audits[0]!.detail.encoding).toBe('utf8');
      expect(audits[0]!.detail.conditions).toMatchObject({ operatorCode: operator.operatorCode });
    },
  );

  it.skipIf(skip)('exports only the rows the conditions select, all pages', async () => {
    const { operator, admin } = await createOperatorWithAdmins(ctx);
    const kept: string[] = [];
    for (let i = 0; i < 22; i++) {
      kept.push(
        (await createUser(ctx, { operatorCode: operator.operatorCode, userName: `対象 ${i}` })).userId,
      );
    }
    await createUser(ctx, { operatorCode: operator.operatorCode, userName: '対象 無効', enabled: false });
    await createUser(ctx, { operatorCode: operator.operatorCode, userName: '対象 削除', deleted: true });
    const agent = await loginAs(ctx, admin);
    const res = await exportCsv(agent, {
      operatorCode: operator.operatorCode,
      userName: '対象',
      enabled: '1',
      page: '2',
    });
    const records = parse(res.body.replace(/^\uFEFF/, '')) as string[][];
    expect(records.slice(1).map((r) => r[0])).toEqual(kept.sort());
  });

  it.skipIf(skip)('neutralises cells that a spreadsheet would read as a formula', async () => {
    const { operator, admin } = await createOperatorWithAdmins(ctx);
    const names = ['=HYPERLINK("http://evil.example")', '+81 太郎', '-1+2', '@SUM(A1)', '普通=名前'];
    const users = [];
    for (const userName of names) {
      users.push(await createUser(ctx, { operatorCode: operator.operatorCode, userName }));
    }
    const agent = await loginAs(ctx, admin);
    const res = await exportCsv(agent, { operatorCode: operator.operatorCode });
    const records = parse(res.body.replace(/^\uFEFF/, '')) as string[][];
    const nameOf = (userId: string) => records.find((r) => r[0] === userId)?.[5];
    expect(nameOf(users[0]!.userId)).toBe('\'=HYPERLINK("http://evil.example")');
    expect(nameOf(users[1]!.userId)).toBe("'+81 太郎");
    expect(nameOf(users[2]!.userId)).toBe("'-1+2");
    expect(nameOf(users[3]!.userId)).toBe("'@SUM(A1)");
    expect(nameOf(users[4]!.userId)).toBe('普通=名前');
  });

  it.skipIf(skip)('exports Shift_JIS (CP932) without BOM; 髙 round-trips', async () => {
    const { operator, admin } = await createOperatorWithAdmins(ctx);
    const takahashi = await createUser(ctx, {
      operatorCode: operator.operatorCode,
      userName: '髙橋 ①郎',
      department: '需給部～',
    });
    const agent = await loginAs(ctx, admin);
    const res = await getRaw(
      ctx,
      agent,
      exportUrl({ operatorCode: operator.operatorCode, encoding: 'cp932' }),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=Shift_JIS');
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    // 髙 is the IBM extension 0xFBFC in CP932.
    expect(bytes.includes(Buffer.from([0xfb, 0xfc]))).toBe(true);
    expect(bytes.includes(0x3f)).toBe(false);
    const records = parse(iconv.decode(bytes, 'cp932')) as string[][];
    expect(records[0]).toEqual(USER_CSV_HEADER);
    const row = records.find((r) => r[0] === takahashi.userId);
    expect(row?.[5]).toBe('髙橋 ①郎');
    expect(row?.[4]).toBe('需給部～');
    expect((await csvAudits(admin.userId)).at(-1)).toMatchObject({
      outcome: 'success',
      detail: { encoding: 'cp932', rowCount: 3 },
    });
  });

  it.skipIf(skip)('refuses CP932 when a value has no CP932 character, naming user and column', async () => {
    const { operator, admin, user: yoshino } = await createOperatorWithUser(ctx, { userName: '𠮷野 家子' });
    const emoji = await createUser(ctx, { operatorCode: operator.operatorCode, department: '営業部😀' });
    const agent = await loginAs(ctx, admin);
    const res = await getRaw(
      ctx,
      agent,
      exportUrl({ operatorCode: operator.operatorCode, encoding: 'cp932' }),
    );
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-disposition']).toBeUndefined();
    const top = topErrors(res.body);
    expect(top).toContain('error.csv.unencodable');
    const first = [yoshino, emoji].sort((a, b) => a.userId.localeCompare(b.userId))[0]!;
    expect(top).toContain(first.userId);
    expect(top).toContain(first.userId === yoshino.userId ? 'ユーザ名' : '所属部署');
    expect(res.body).toContain('<title>ユーザ情報一覧画面 | 容量市場システム</title>');
    expect((await csvAudits(admin.userId)).at(-1)).toMatchObject({
      outcome: 'failure',
      detail: { reason: 'unencodable', userId: first.userId },
    });

    // The same rows export as UTF-8, unchanged.
    const utf8 = await exportCsv(agent, { operatorCode: operator.operatorCode });
    expect(utf8.statusCode).toBe(200);
    expect(utf8.body).toContain('𠮷野 家子');
    expect(utf8.body).toContain('営業部😀');
  });

  it.skipIf(skip)('no rows: an error on the list page and no file', async () => {
    const { operator, admin } = await createOperatorWithAdmins(ctx);
    const other = await createOperatorWithAdmins(ctx);
    const agent = await loginAs(ctx, admin);
    const none = await exportCsv(agent, { operatorCode: operator.operatorCode, userId: 'Z' });
    expect(none.statusCode).toBe(400);
    expect(none.headers['content-type']).toMatch(/^text\/html/);
    expect(topErrors(none.body)).toContain('error.csv.noHits');
    expect(topErrors(none.body)).toContain('CSV出力の対象となるユーザ情報はありません。');
    // Another operator's code: no hits too, never their users (SPEC §2).
    const foreign = await exportCsv(agent, { operatorCode: other.operator.operatorCode });
    expect(topErrors(foreign.body)).toContain('error.csv.noHits');
    expect(foreign.body).not.toContain(other.admin.userId);
    expect((await csvAudits(admin.userId)).map((a) => a.outcome)).toEqual(['failure', 'failure']);
  });

  it.skipIf(skip)('invalid conditions: the field errors on the list page, no file', async () => {
    const { agent } = await setupOperator(ctx);
    const res = await exportCsv(agent, { operatorCode: 'x' });
    expect(res.statusCode).toBe(400);
    expect(topErrors(res.body)).toContain('error.field.operatorCode');
    expect(res.body).toContain('<div class="field-error" id="operatorCode-error">');
  });

  it.skipIf(skip)('exports exactly 12,000 rows, and refuses 12,001 with no partial file', async () => {
    const { operator, admin } = await createOperatorWithAdmins(ctx);
    await insertDeletedUsers(operator.operatorCode, 11_998, 'U8');
    const agent = await loginAs(ctx, admin);
    const url = exportUrl({ operatorCode: operator.operatorCode, showDeleted: '1' });
    const ok = await getRaw(ctx, agent, url);
    expect(ok.statusCode).toBe(200);
    const lines = ok.rawPayload
      .toString('utf8')
      .split('\r\n')
      .filter((l) => l !== '');
    expect(lines).toHaveLength(1 + 12_000);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(12_000);

    // Without showDeleted the same operator has just its two admins.
    const active = await exportCsv(agent, { operatorCode: operator.operatorCode });
    expect(active.body.split('\r\n').filter((l) => l !== '')).toHaveLength(3);

    await createUser(ctx, { operatorCode: operator.operatorCode });
    const tooMany = await getRaw(ctx, agent, url);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.headers['content-type']).toMatch(/^text\/html/);
    expect(tooMany.headers['content-disposition']).toBeUndefined();
    const top = topErrors(tooMany.body);
    expect(top).toContain('error.csv.tooMany');
    expect(top).toContain('12,001件');
    const audits = await csvAudits(admin.userId);
    expect(audits.map((a) => [a.outcome, a.detail.rowCount])).toEqual([
      ['success', 12_000],
      ['success', 2],
      ['failure', 12_001],
    ]);
  });
});
