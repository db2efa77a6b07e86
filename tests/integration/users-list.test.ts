import { beforeAll, describe, expect, it } from 'vitest';
import { peekActionToken } from '../../src/features/users/action-tokens.js';
import {
  type Agent,
  createOperator,
  createOperatorWithAdmins,
  createUser,
  describeOnStores,
  formToken,
  loginAs,
  sessionIdOf,
  setupOperator,
} from '../helpers/integration.js';

/** Attribute values come HTML-escaped: `&amp;` in hrefs. */
function unescapeHtml(s: string): string {
  return s
    .replaceAll('&amp;', '&')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'");
}

/** The user IDs of the result table, in order (the detail links). */
function listedIds(body: string): string[] {
  return [...body.matchAll(/<a href="\/users\/(U[0-9A-Z]+)\?back=/g)].map((m) => m[1]!);
}

function topErrors(body: string): string {
  return /<div class="messages messages-error"[\s\S]*?<\/div>/.exec(body)?.[0] ?? '';
}

function pagerRanges(body: string): string[] {
  return [...body.matchAll(/<span class="pager-range">([^<]*)<\/span>/g)].map((m) => m[1]!);
}

function search(params: Record<string, string | string[]>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) q.append(k, one);
  q.set('search', '1');
  return `/users?${q.toString()}`;
}

describeOnStores('user list, search and detail on $kind', (ctx, { skip }) => {
  async function operatorWithAgent() {
    const { operator, admin, otherAdmin, agent } = await setupOperator(ctx);
    return { operator, admin, otherAdmin, agent };
  }

  it.skipIf(skip)(
    'shows the list screen with the manual’s fields, hints and the own operator code',
    async () => {
      const { operator, admin, otherAdmin, agent } = await operatorWithAgent();
      const res = await agent.get('/users');
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<title>ユーザ情報一覧画面 | 容量市場システム</title>');
      expect(res.body).toMatch(/<a href="\/participation">参加登録<\/a>/);
      expect(res.body).toMatch(
        /<a href="\/users">ユーザ情報管理<\/a><\/li><li><span>ユーザ情報一覧画面<\/span>/,
      );
      expect(res.body).toContain(`name="operatorCode" type="text" value="${operator.operatorCode}"`);
      expect(res.body.match(/半角英数字で入力してください。/g)).toHaveLength(2);
      expect(res.body).toContain('全角または半角文字で入力してください。');
      expect(res.body).toContain('有効/無効を絞り込みたい場合は、チェックしてください。(複数チェック可)');
      expect(res.body).toContain('削除済みの情報を表示');
      expect(res.body).toMatch(/<button type="submit" name="search" value="1"[^>]*>検索<\/button>/);
      expect(listedIds(res.body)).toEqual([admin.userId, otherAdmin.userId].sort());
      expect(res.body).toContain('1 - 2 件 (全2件)');
      expect(res.body).toContain(`<td class="col-operator">${operator.operatorName}</td>`);
      expect(res.body).toContain('<td class="col-role">登録作業者(管理者)</td>');
    },
  );

  it.skipIf(skip)('matches the user ID by prefix, full-width input folded', async () => {
    const { operator, agent } = await operatorWithAgent();
    const a = await createUser(ctx, { operatorCode: operator.operatorCode, userId: 'U777000001' });
    const b = await createUser(ctx, { operatorCode: operator.operatorCode, userId: 'U777100002' });
    await createUser(ctx, { operatorCode: operator.operatorCode, userId: 'U778000003' });
    const base = { operatorCode: operator.operatorCode };
    expect(listedIds((await agent.get(search({ ...base, userId: 'U777' }))).body)).toEqual([
      a.userId,
      b.userId,
    ]);
    expect(listedIds((await agent.get(search({ ...base, userId: 'U7770' }))).body)).toEqual([a.userId]);
    expect(listedIds((await agent.get(search({ ...base, userId: 'Ｕ７７７１' }))).body)).toEqual([b.userId]);
    // A prefix, not a substring: the middle of an ID does not match.
    expect(listedIds((await agent.get(search({ ...base, userId: '777' }))).body)).toEqual([]);
  });

  it.skipIf(skip)('matches the user name as a substring ignoring full/half width', async () => {
    const { operator, agent } = await operatorWithAgent();
    const abc = await createUser(ctx, { operatorCode: operator.operatorCode, userName: 'abc 太郎' });
    const halfJiro = await createUser(ctx, { operatorCode: operator.operatorCode, userName: 'ｼﾞﾛｳ' });
    const fullJiro = await createUser(ctx, { operatorCode: operator.operatorCode, userName: '山田ジロウ' });
    const base = { operatorCode: operator.operatorCode };
    expect(listedIds((await agent.get(search({ ...base, userName: 'ＡＢＣ' }))).body)).toEqual([abc.userId]);
    expect(listedIds((await agent.get(search({ ...base, userName: 'BC 太' }))).body)).toEqual([abc.userId]);
    const jiro = [halfJiro.userId, fullJiro.userId].sort();
    expect(listedIds((await agent.get(search({ ...base, userName: 'ジロウ' }))).body)).toEqual(jiro);
    expect(listedIds((await agent.get(search({ ...base, userName: 'ｼﾞﾛ' }))).body)).toEqual(jiro);
  });

  it.skipIf(skip)('treats % and _ in the name condition as plain characters', async () => {
    const { operator, agent } = await operatorWithAgent();
    const percent = await createUser(ctx, { operatorCode: operator.operatorCode, userName: '達成率100%' });
    await createUser(ctx, { operatorCode: operator.operatorCode, userName: '達成率1000' });
    const underscore = await createUser(ctx, { operatorCode: operator.operatorCode, userName: 'a_b' });
    await createUser(ctx, { operatorCode: operator.operatorCode, userName: 'axb' });
    const base = { operatorCode: operator.operatorCode };
    expect(listedIds((await agent.get(search({ ...base, userName: '100%' }))).body)).toEqual([
      percent.userId,
    ]);
    expect(listedIds((await agent.get(search({ ...base, userName: 'a_b' }))).body)).toEqual([
      underscore.userId,
    ]);
    const backslash = await agent.get(search({ ...base, userName: '\\' }));
    expect(backslash.statusCode).toBe(200);
    expect(listedIds(backslash.body)).toEqual([]);
  });

  it.skipIf(skip)('filters by the 有効/無効 boxes; none or both ticked means both', async () => {
    const { operator, admin, otherAdmin, agent } = await operatorWithAgent();
    const disabled = await createUser(ctx, { operatorCode: operator.operatorCode, enabled: false });
    const base = { operatorCode: operator.operatorCode };
    const enabledIds = [admin.userId, otherAdmin.userId].sort();
    const all = [...enabledIds, disabled.userId].sort();
    expect(listedIds((await agent.get(search({ ...base, enabled: '1' }))).body)).toEqual(enabledIds);
    expect(listedIds((await agent.get(search({ ...base, enabled: '0' }))).body)).toEqual([disabled.userId]);
    expect(listedIds((await agent.get(search({ ...base, enabled: ['1', '0'] }))).body)).toEqual(all);
    expect(listedIds((await agent.get(search(base))).body)).toEqual(all);
    const ticked = (await agent.get(search({ ...base, enabled: '0' }))).body;
    expect(ticked).toMatch(/name="enabled" value="0" checked/);
    expect(ticked).not.toMatch(/name="enabled" value="1" checked/);
    expect(ticked).toContain('<td class="col-state"><span class="badge badge-disabled">無効</span></td>');
  });

  it.skipIf(skip)('hides deleted users unless 削除済みの情報を表示 is ticked', async () => {
    const { operator, admin, otherAdmin, agent } = await operatorWithAgent();
    const deleted = await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
    const base = { operatorCode: operator.operatorCode };
    expect(listedIds((await agent.get(search(base))).body)).toEqual([admin.userId, otherAdmin.userId].sort());
    const shown = await agent.get(search({ ...base, showDeleted: '1' }));
    expect(listedIds(shown.body)).toEqual([admin.userId, otherAdmin.userId, deleted.userId].sort());
    expect(shown.body).toContain(
      '<td class="col-state"><span class="badge badge-deleted">削除済</span></td>',
    );
    expect(shown.body).toMatch(/name="showDeleted" type="checkbox" value="1" checked/);
  });

  it.skipIf(skip)('shows validation errors next to the field and at the top, never a 500', async () => {
    const { agent } = await operatorWithAgent();
    const res = await agent.get(search({ operatorCode: 'ab!', userId: 'U-1', userName: 'あ'.repeat(51) }));
    expect(res.statusCode).toBe(400);
    const fieldError = (id: string) =>
      new RegExp(`id="${id}"[^>]*>(?:[^<]|<(?!/td))*<div class="field-error" id="${id}-error">([^<]*)</div>`);
    expect(res.body).toMatch(fieldError('operatorCode'));
    expect(fieldError('operatorCode').exec(res.body)?.[1]).toBe(
      '事業者コードは半角英数字（大文字）4文字で入力してください。',
    );
    expect(fieldError('userId').exec(res.body)?.[1]).toBe(
      'ユーザIDは半角英数字10文字以内で入力してください。',
    );
    expect(fieldError('userName').exec(res.body)?.[1]).toBe('ユーザ名は50文字以内で入力してください。');
    const top = topErrors(res.body);
    expect(top).toContain('error.field.operatorCode');
    expect(top).toContain('error.field.userId');
    expect(top).toContain('error.field.userName');
    // The entered values stay in the form so they can be corrected.
    expect(res.body).toContain('value="U-1"');
    expect(listedIds(res.body)).toEqual([]);

    const tooLongId = await agent.get(search({ userId: 'U1234567890' }));
    expect(tooLongId.statusCode).toBe(400);
    expect(topErrors(tooLongId.body)).toContain('error.field.userId');
    const fiftyChars = await agent.get(search({ userName: 'あ'.repeat(50) }));
    expect(fiftyChars.statusCode).toBe(200);
    const odd = await agent.get('/users?userId=a&page=x&enabled=9&search=1');
    expect(odd.statusCode).toBe(200);
    // SPEC D-19: a repeated single field is a 400 page naming it, never a guess or a 500.
    const repeated = await agent.get('/users?userId=a&userId=b&search=1');
    expect(repeated.statusCode).toBe(400);
    expect(topErrors(repeated.body)).toContain('error.input.repeated');
  });

  it.skipIf(skip)('says so at the top when nothing matches', async () => {
    const { operator, agent } = await operatorWithAgent();
    const res = await agent.get(search({ operatorCode: operator.operatorCode, userId: 'Z' }));
    expect(res.statusCode).toBe(200);
    expect(topErrors(res.body)).toContain('error.search.noHits');
    expect(topErrors(res.body)).toContain('検索条件に該当するユーザ情報はありません。');
    expect(res.body).not.toContain('class="results"');
  });

  it.skipIf(skip)('pages 35 users 20 at a time, ordered by ID, pager above and below', async () => {
    const { operator, admin, otherAdmin, agent } = await operatorWithAgent();
    const ids = [admin.userId, otherAdmin.userId];
    for (let i = 0; i < 33; i++) {
      ids.push((await createUser(ctx, { operatorCode: operator.operatorCode })).userId);
    }
    ids.sort();
    const base = { operatorCode: operator.operatorCode, userName: '' };
    const first = await agent.get(search(base));
    expect(pagerRanges(first.body)).toEqual(['1 - 20 件 (全35件)', '1 - 20 件 (全35件)']);
    expect(listedIds(first.body)).toEqual(ids.slice(0, 20));
    expect(first.body).toContain('<span aria-disabled="true">&lt;&lt; 最初</span>');
    expect(first.body).toContain('<span aria-disabled="true">&lt; 前へ</span>');
    expect(first.body).toContain('<span aria-current="page">1</span>');
    const next = /<a href="([^"]*)">次へ ><\/a>/.exec(first.body)?.[1];
    expect(next).toBeDefined();
    const nextUrl = unescapeHtml(next!);
    expect(new URL(nextUrl, 'http://x').searchParams.get('operatorCode')).toBe(operator.operatorCode);
    expect(new URL(nextUrl, 'http://x').searchParams.get('page')).toBe('2');

    const second = await agent.get(nextUrl);
    expect(pagerRanges(second.body)).toEqual(['21 - 35 件 (全35件)', '21 - 35 件 (全35件)']);
    expect(listedIds(second.body)).toEqual(ids.slice(20));
    expect(second.body).toContain('<span aria-current="page">2</span>');
    expect(second.body).toContain('<span aria-disabled="true">次へ ></span>');
    expect(second.body).toContain('<span aria-disabled="true">最後 >></span>');
    expect(second.body).toMatch(/<a href="[^"]*page=1">&lt;&lt; 最初<\/a>/);

    // A page past the end shows the last page rather than an empty one.
    const beyond = await agent.get(`${search(base)}&page=99`);
    expect(listedIds(beyond.body)).toEqual(ids.slice(20));
  });

  it.skipIf(skip)('the detail link carries the list page, and 戻る returns to it', async () => {
    const { operator, agent } = await operatorWithAgent();
    for (let i = 0; i < 21; i++) await createUser(ctx, { operatorCode: operator.operatorCode });
    const listUrl = `${search({ operatorCode: operator.operatorCode, userName: '試験' })}&page=2`;
    const list = await agent.get(listUrl);
    const link = /<a href="(\/users\/U[0-9]+\?back=[^"]*)">/.exec(list.body)?.[1];
    expect(link).toBeDefined();
    const detail = await agent.get(unescapeHtml(link!));
    expect(detail.statusCode).toBe(200);
    const back = /<a class="button button-secondary" href="([^"]*)">戻る<\/a>/.exec(detail.body)?.[1];
    const backUrl = new URL(unescapeHtml(back!), 'http://x');
    expect(backUrl.pathname).toBe('/users');
    expect(backUrl.searchParams.get('page')).toBe('2');
    expect(backUrl.searchParams.get('userName')).toBe('試験');
    const again = await agent.get(`${backUrl.pathname}${backUrl.search}`);
    expect(pagerRanges(again.body)[0]).toMatch(/^21 - /);

    const userId = /\/users\/(U[0-9]+)/.exec(link!)![1]!;
    for (const evil of ['https://evil.example/', '//evil.example/users', '/users.evil', '/login']) {
      const res = await agent.get(`/users/${userId}?back=${encodeURIComponent(evil)}`);
      expect(res.body).toContain('<a class="button button-secondary" href="/users">戻る</a>');
    }
  });

  it.skipIf(skip)('never shows another operator’s users, in the list or the detail', async () => {
    const { agent } = await operatorWithAgent();
    const other = await createOperatorWithAdmins(ctx);
    const otherGeneral = await createUser(ctx, { operatorCode: other.operator.operatorCode });
    const res = await agent.get(search({ operatorCode: other.operator.operatorCode, showDeleted: '1' }));
    expect(res.statusCode).toBe(200);
    expect(topErrors(res.body)).toContain('error.search.noHits');
    expect(res.body).not.toContain(other.admin.userId);
    expect(res.body).not.toContain(otherGeneral.userId);
    const byPrefix = await agent.get(
      search({ operatorCode: other.operator.operatorCode, userId: otherGeneral.userId }),
    );
    expect(listedIds(byPrefix.body)).toEqual([]);

    const foreign = await agent.get(`/users/${otherGeneral.userId}`);
    const unknown = await agent.get('/users/U000000000');
    const malformed = await agent.get('/users/%3Cscript%3E');
    expect(foreign.statusCode).toBe(404);
    expect(unknown.statusCode).toBe(404);
    expect(malformed.statusCode).toBe(404);
    expect(foreign.body).toBe(unknown.body.replaceAll('U000000000', otherGeneral.userId));
    expect(foreign.body).toContain('error.user.notFound');
    expect(foreign.body).not.toContain(otherGeneral.userName);
  });

  it.skipIf(skip)('admins get 新規登録 and the 一括削除 form; general users get neither', async () => {
    const { operator, agent } = await operatorWithAgent();
    const general = await createUser(ctx, { operatorCode: operator.operatorCode });
    const res = await agent.get('/users');
    expect(res.body).toContain('<a class="button button-primary" href="/users/new">新規登録</a>');
    const form =
      /<form id="bulk-delete-form" method="post" action="\/users\/bulk-delete"[\s\S]*?<\/form>/.exec(
        res.body,
      )?.[0];
    expect(form).toBeDefined();
    expect(form).toContain('data-confirm="選択したユーザ情報を一括削除します。よろしいですか。"');
    expect(form).toContain(`<input type="hidden" name="_csrf" value="${agent.csrfToken}"/>`);
    expect(form).toContain('<input type="hidden" name="confirmed" value="0"/>');
    expect(form).toMatch(/<input type="hidden" name="token" value="[A-Za-z0-9_.-]{20,}"\/>/);
    expect(form).toMatch(/<button type="submit"[^>]*>一括削除<\/button>/);
    // The boxes stand in the table and belong to the form through their form attribute.
    expect(res.body).toMatch(/<input type="checkbox" data-select-all(="true")?\/>/);
    expect(res.body).toContain(`name="userIds" value="${general.userId}" form="bulk-delete-form"`);
    // The token is signed for this session and bulk delete (SPEC D-18: nothing was stored).
    const bulkToken = /name="token" value="([^"]+)"/.exec(form!)![1]!;
    const check = await peekActionToken(ctx.store.db, {
      key: ctx.app.keys.actionToken,
      token: bulkToken,
      sessionId: sessionIdOf(agent),
      purpose: 'bulkDelete',
      now: ctx.clock.now(),
    });
    expect(check.ok).toBe(true);
    expect(res.body).toMatch(/<button type="submit"[^>]*>CSV出力<\/button>/);

    const generalAgent = await loginAs(ctx, general);
    const asGeneral = await generalAgent.get('/users');
    expect(asGeneral.statusCode).toBe(200);
    expect(listedIds(asGeneral.body)).toContain(general.userId);
    expect(asGeneral.body).not.toContain('新規登録');
    expect(asGeneral.body).not.toContain('/users/bulk-delete');
    expect(asGeneral.body).not.toContain('一括削除');
    expect(asGeneral.body).toMatch(/<button type="submit"[^>]*>CSV出力<\/button>/);
  });

  describe('list layout and state (the list screen UX)', () => {
    /** The column headers of the results table, in order. */
    function columns(body: string): string[] {
      const head = /<table class="results"><thead>([\s\S]*?)<\/thead>/.exec(body)?.[1] ?? '';
      return [...head.matchAll(/<th scope="col"[^>]*>([\s\S]*?)<\/th>/g)].map((m) =>
        m[1]!.replace(/<[^>]*>[^<]*<\/span>|<[^>]*>/g, '').trim(),
      );
    }
    /** The cells of one user's row. */
    function row(body: string, userId: string): string {
      return (
        new RegExp(`<tr>(?:(?!</tr>)[\\s\\S])*?/users/${userId}\\?(?:(?!</tr>)[\\s\\S])*</tr>`).exec(
          body,
        )?.[0] ?? ''
      );
    }
    const toolbar = (body: string) => /<div class="actions list-toolbar">[\s\S]*?<\/div>/.exec(body)?.[0];

    it.skipIf(skip)(
      '新規登録 at the top right, before the search; CSV出力 and 一括削除 in one row',
      async () => {
        const { operator, agent } = await operatorWithAgent();
        await createUser(ctx, { operatorCode: operator.operatorCode });
        const body = (await agent.get('/users')).body;
        const bar = toolbar(body);
        expect(bar).toContain('<a class="button button-primary" href="/users/new">新規登録</a>');
        expect(bar).toContain('<a class="button button-secondary" href="/users/bulk-register">一括登録</a>');
        expect(body.indexOf('class="actions list-toolbar"')).toBeLessThan(
          body.indexOf('class="form search-form"'),
        );
        // One row below the table and the lower pager: CSV出力, then 一括削除.
        const actions = body.slice(body.indexOf('<div class="actions list-actions">'));
        expect(body.indexOf('<div class="actions list-actions">')).toBeGreaterThan(
          body.lastIndexOf('</table>'),
        );
        const csvAt = actions.indexOf('>CSV出力</button>');
        const bulkAt = actions.indexOf('>一括削除</button>');
        expect(csvAt).toBeGreaterThan(0);
        expect(bulkAt).toBeGreaterThan(csvAt);
        // Both forms close inside that one row.
        expect(actions.slice(0, bulkAt)).toMatch(
          /^<div class="actions list-actions"><form[\s\S]*<\/form><form /,
        );
        expect(body.match(/class="table-scroll"/g)).toHaveLength(1);
      },
    );

    it.skipIf(skip)('says how many general users can still be registered (SPEC §1)', async () => {
      const { operator, agent } = await operatorWithAgent();
      // Counted: undeleted general users, disabled or locked ones too; not deleted ones,
      // not admins, not another operator's.
      await createUser(ctx, { operatorCode: operator.operatorCode });
      await createUser(ctx, { operatorCode: operator.operatorCode, enabled: false });
      await createUser(ctx, { operatorCode: operator.operatorCode, locked: true });
      await createUser(ctx, { operatorCode: operator.operatorCode, deleted: true });
      const other = await createOperatorWithAdmins(ctx);
      await createUser(ctx, { operatorCode: other.operator.operatorCode });
      const bar = toolbar((await agent.get('/users')).body);
      expect(bar).toContain(
        '<p id="registration-room" class="registration-room">登録作業者(一般)はあと5名登録できます。</p>',
      );
      // Also on a page whose conditions are wrong (400), and after no hits.
      const invalid = await agent.get(search({ operatorCode: 'ab!' }));
      expect(invalid.statusCode).toBe(400);
      expect(toolbar(invalid.body)).toContain('あと5名登録できます。');
      const none = await agent.get(search({ operatorCode: operator.operatorCode, userId: 'Z' }));
      expect(toolbar(none.body)).toContain('あと5名登録できます。');
      // The default search's rows are every live user, so they give the count; any other
      // search's rows do not (one enabled general user fewer, one deleted one more).
      const searches: Record<string, string>[] = [
        { enabled: '1' },
        { enabled: '0' },
        { showDeleted: '1' },
        { userId: 'U' },
      ];
      for (const conditions of searches) {
        const page = await agent.get(search({ operatorCode: operator.operatorCode, ...conditions }));
        expect(page.statusCode).toBe(200);
        expect(toolbar(page.body), JSON.stringify(conditions)).toContain('あと5名登録できます。');
      }
    });

    it.skipIf(skip)('at eight: 新規登録 and 一括登録 disabled, the reason beside them', async () => {
      const { operator, agent } = await operatorWithAgent();
      const users = [];
      for (let i = 0; i < 8; i++) users.push(await createUser(ctx, { operatorCode: operator.operatorCode }));
      const body = (await agent.get('/users')).body;
      const bar = toolbar(body)!;
      expect(bar).toContain(
        '<p id="registration-room" class="registration-room registration-full">登録できる登録作業者(一般)は8名までです。上限に達しているため登録できません。</p>',
      );
      expect(bar).toContain(
        '<button type="button" class="button-primary" disabled aria-describedby="registration-room">新規登録</button>',
      );
      expect(bar).toContain(
        '<button type="button" class="button-secondary" disabled aria-describedby="registration-room">一括登録</button>',
      );
      expect(body).not.toContain('href="/users/new"');
      expect(body).not.toContain('href="/users/bulk-register"');
      // One deleted: room for one again.
      await ctx.store.db
        .updateTable('users')
        .set({ deleted: 1 })
        .where('user_id', '=', users[0]!.userId)
        .execute();
      const after = toolbar((await agent.get('/users')).body);
      expect(after).toContain('あと1名登録できます。');
      expect(after).toContain('href="/users/new"');
    });

    it.skipIf(skip)('general users: no 選択 column, no header box, no count', async () => {
      const { operator, agent } = await operatorWithAgent();
      const general = await createUser(ctx, { operatorCode: operator.operatorCode });
      const asAdmin = await agent.get('/users');
      const names = [
        'ユーザID',
        'ユーザ名',
        '権限区分',
        '事業者コード',
        '参加登録申請者名',
        '有効/無効',
        '削除状態',
        // SPEC D-22, beyond the manual: after the manual's columns.
        '二要素認証',
      ];
      expect(columns(asAdmin.body)).toEqual(['選択', ...names]);
      expect(row(asAdmin.body, general.userId)).toContain('name="userIds"');

      const asGeneral = await (await loginAs(ctx, general)).get('/users');
      expect(columns(asGeneral.body)).toEqual(names);
      expect(asGeneral.body).not.toContain('data-select-all');
      expect(asGeneral.body).not.toContain('name="userIds"');
      expect(asGeneral.body).not.toContain('type="checkbox" name="userIds"');
      expect(asGeneral.body).not.toContain('list-toolbar');
      expect(asGeneral.body).not.toContain('登録できます');
      expect(row(asGeneral.body, general.userId)).toMatch(/^<tr><td class="col-id"><a href/);
    });

    it.skipIf(skip)('badges for ロック中, 無効 and 削除済; the words stay the cells’ text', async () => {
      const { operator, agent } = await operatorWithAgent();
      const plain = await createUser(ctx, { operatorCode: operator.operatorCode });
      const locked = await createUser(ctx, { operatorCode: operator.operatorCode, locked: true });
      const disabled = await createUser(ctx, { operatorCode: operator.operatorCode, enabled: false });
      const gone = await createUser(ctx, {
        operatorCode: operator.operatorCode,
        deleted: true,
        locked: true,
      });
      const body = (await agent.get(search({ operatorCode: operator.operatorCode, showDeleted: '1' }))).body;
      const text = (html: string) => html.replace(/<[^>]*>/g, '');
      const states = (userId: string) =>
        [...row(body, userId).matchAll(/<td class="col-state">([\s\S]*?)<\/td>/g)].map((m) => m[1]!);

      expect(states(plain.userId)).toEqual(['有効', '未削除']);
      expect(states(locked.userId)).toEqual([
        '有効 <span class="badge badge-locked">ロック中</span>',
        '未削除',
      ]);
      expect(states(disabled.userId)).toEqual(['<span class="badge badge-disabled">無効</span>', '未削除']);
      expect(states(gone.userId).map(text)).toEqual(['有効 ロック中', '削除済']);
      expect(states(gone.userId)[1]).toBe('<span class="badge badge-deleted">削除済</span>');
    });

    it.skipIf(skip)(
      'the 一括削除 form carries the question with {count} and the nothing-ticked message',
      async () => {
        const { operator, agent } = await operatorWithAgent();
        await createUser(ctx, { operatorCode: operator.operatorCode });
        const body = (await agent.get('/users')).body;
        const open = /<form id="bulk-delete-form"[^>]*>/.exec(body)?.[0];
        expect(open).toContain(
          'data-confirm-count="選択したユーザ情報（{count}件）を一括削除します。よろしいですか。"',
        );
        expect(open).toContain('data-require-selection="userIds"');
        expect(open).toContain('data-none-selected="一括削除するユーザ情報を選択してください。"');
        expect(body).toContain('<span class="inline-error" role="alert" data-selection-error');
        // Nothing is ticked on a fresh list.
        expect(body).not.toMatch(/name="userIds"[^>]*checked/);
      },
    );
  });

  describe('detail buttons (SPEC §2)', () => {
    const BUTTONS = ['ユーザロック解除', 'パスワード再発行', 'パスワード変更', '変更', '削除'];
    /** The buttons of the detail screen, in page order. */
    function buttons(body: string): string[] {
      const area = /<div class="actions">([\s\S]*?)<\/div>/.exec(
        body.split('<table class="detail">')[1]!,
      )?.[1];
      return [...(area ?? '').matchAll(/>([^<>]+)<\/(?:button|a)>/g)]
        .map((m) => m[1]!)
        .filter((t) => BUTTONS.includes(t));
    }
    let env: {
      agent: Agent;
      admin: { userId: string };
      otherAdmin: { userId: string };
      operatorCode: string;
    };
    beforeAll(async () => {
      if (skip) return;
      const { operator, admin, otherAdmin, agent } = await operatorWithAgent();
      env = { agent, admin, otherAdmin, operatorCode: operator.operatorCode };
    });

    it.skipIf(skip)('shows every field of §3 in the manual’s order', async () => {
      const user = await createUser(ctx, {
        operatorCode: env.operatorCode,
        userName: '事業者 一郎',
        department: '総合エネルギー事業部',
        phone: '03-1234-5678',
        email: 'ichiro@example.jp',
        validFrom: '2019-12-23',
      });
      const res = await env.agent.get(`/users/${user.userId}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('<title>ユーザ情報詳細画面 | 容量市場システム</title>');
      const rows = [...res.body.matchAll(/<tr><th scope="row">([^<]*)<\/th><td>([^<]*)<\/td><\/tr>/g)].map(
        (m) => `${m[1]}=${m[2]}`,
      );
      const operator = await ctx.store.db
        .selectFrom('operators')
        .select('operator_name')
        .where('operator_code', '=', env.operatorCode)
        .executeTakeFirstOrThrow();
      expect(rows).toEqual([
        `ユーザID=${user.userId}`,
        '権限区分=登録作業者(一般)',
        `事業者コード=${env.operatorCode}`,
        `参加登録申請者名=${operator.operator_name}`,
        '所属部署=総合エネルギー事業部',
        'ユーザ名=事業者 一郎',
        '電話番号=03-1234-5678',
        'メールアドレス=ichiro@example.jp',
        '有効/無効=有効',
        '適用開始日=2019/12/23',
        '適用終了日=9999/12/31',
        'ユーザロック=利用可能',
        '削除状態=未削除',
        // SPEC D-22, beyond the manual: last.
        '二要素認証=未設定',
      ]);
    });

    it.skipIf(skip)('an admin on a locked general user: unlock, reissue, change, delete', async () => {
      const user = await createUser(ctx, { operatorCode: env.operatorCode, locked: true });
      const res = await env.agent.get(`/users/${user.userId}`);
      expect(buttons(res.body)).toEqual(['ユーザロック解除', 'パスワード再発行', '変更', '削除']);
      expect(res.body).toContain(
        `<form method="post" action="/users/${user.userId}/unlock" data-confirm="ユーザロックを解除します。よろしいですか。">`,
      );
      expect(res.body).toContain(
        `<form method="post" action="/users/${user.userId}/reissue" data-confirm="パスワードを再発行します。よろしいですか。">`,
      );
      expect(res.body).toContain(`href="/users/${user.userId}/change"`);
      expect(res.body).toContain(`href="/users/${user.userId}/delete"`);
      expect(res.body.match(/<input type="hidden" name="confirmed" value="0"\/>/g)).toHaveLength(2);
      // Each button's token is signed for its own action and target only.
      for (const action of ['unlock', 'reissue']) {
        const token = formToken(res.body, `/users/${user.userId}/${action}`);
        const check = (purpose: string) =>
          peekActionToken(ctx.store.db, {
            key: ctx.app.keys.actionToken,
            token,
            sessionId: sessionIdOf(env.agent),
            purpose,
            now: ctx.clock.now(),
          });
        expect((await check(`${action}:${user.userId}`)).ok).toBe(true);
        expect((await check(`${action}:${env.otherAdmin.userId}`)).ok).toBe(false);
      }
    });

    it.skipIf(skip)('an admin on another admin: no delete; no unlock when not locked', async () => {
      const res = await env.agent.get(`/users/${env.otherAdmin.userId}`);
      expect(buttons(res.body)).toEqual(['パスワード再発行', '変更']);
    });

    it.skipIf(skip)('an admin on themself: パスワード変更 appears, never 削除', async () => {
      const res = await env.agent.get(`/users/${env.admin.userId}`);
      expect(buttons(res.body)).toEqual(['パスワード再発行', 'パスワード変更', '変更']);
      expect(res.body).toContain('<a class="button button-secondary" href="/password">パスワード変更</a>');
    });

    it.skipIf(skip)('an admin on a deleted user: no action at all', async () => {
      const user = await createUser(ctx, { operatorCode: env.operatorCode, locked: true, deleted: true });
      const res = await env.agent.get(`/users/${user.userId}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('削除済');
      expect(buttons(res.body)).toEqual([]);
    });

    it.skipIf(skip)('a general user: パスワード変更 on themself only, nothing on others', async () => {
      const general = await createUser(ctx, { operatorCode: env.operatorCode });
      const locked = await createUser(ctx, { operatorCode: env.operatorCode, locked: true });
      const agent = await loginAs(ctx, general);
      const own = await agent.get(`/users/${general.userId}`);
      expect(own.statusCode).toBe(200);
      expect(buttons(own.body)).toEqual(['パスワード変更']);
      const other = await agent.get(`/users/${locked.userId}`);
      expect(other.statusCode).toBe(200);
      expect(buttons(other.body)).toEqual([]);
      expect(other.body).not.toContain('name="token"');
      const admin = await agent.get(`/users/${env.admin.userId}`);
      expect(buttons(admin.body)).toEqual([]);
    });
  });

  it.skipIf(skip)('requires a session', async () => {
    const operator = await createOperator(ctx);
    const user = await createUser(ctx, { operatorCode: operator.operatorCode });
    const res = await ctx.app.inject({ method: 'GET', url: `/users/${user.userId}` });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toMatch(/^\/login\?next=/);
  });
});
