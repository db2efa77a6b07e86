import iconv from 'iconv-lite';
import { expect, it } from 'vitest';
import {
  Agent,
  createOperatorWithAdmins,
  createOperatorWithGeneralUsers,
  createOperatorWithUser,
  describeOnStores,
  execute,
  fieldErrorText,
  formToken,
  liveGeneralUsers,
  loginAs,
  messageIds,
  setupOperator,
} from '../helpers/integration.js';
import { postMultipart, uploadParts } from '../helpers/multipart.js';

const HEADER = '所属部署,ユーザ名,電話番号,メールアドレス,適用開始日,適用終了日';

/** A CSV of `n` valid rows with addresses unique to `tag`. */
function csvRows(tag: string, n: number): string {
  const rows = Array.from(
    { length: n },
    (_, i) => `営業部,一括 利用者${i + 1},03-1234-567${i},${tag}.${i}@example.jp,,`,
  );
  return `${HEADER}\r\n${rows.join('\r\n')}\r\n`;
}

describeOnStores('bulk register (SPEC §4.12) on $kind', (ctx, { skip }) => {
  async function outboxCount(): Promise<number> {
    return (await ctx.store.db.selectFrom('mail_outbox').select('id').execute()).length;
  }

  async function upload(
    agent: Agent,
    file: string | Buffer,
    options: Parameters<typeof uploadParts>[2] = {},
  ) {
    // As a browser: a checked file answers 303 to its confirmation page, a GET (PRG).
    return agent.follow(
      await postMultipart(agent, '/users/bulk-register/confirm', uploadParts(agent, file, options)),
    );
  }

  /** Uploads, checks the confirmation and executes; returns the completion page. */
  async function uploadAndExecute(agent: Agent, file: string | Buffer, encoding = 'auto') {
    const confirm = await upload(agent, file, { encoding });
    expect(confirm.statusCode, confirm.body).toBe(200);
    expect(confirm.body).toContain('<h1>ユーザ情報一括登録確認画面</h1>');
    return execute(agent, '/users/bulk-register', { token: formToken(confirm.body, '/users/bulk-register') });
  }

  it.skipIf(skip)('shows the upload form with the format, the template link and a list button', async () => {
    const { agent } = await setupOperator(ctx);
    const page = await agent.get('/users/bulk-register');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<h1>ユーザ情報一括登録画面</h1>');
    expect(page.body).toMatch(/<a href="\/users">ユーザ情報一覧画面<\/a>/);
    expect(page.body).toContain('enctype="multipart/form-data"');
    expect(page.body).toContain('type="file"');
    expect(page.body).toContain('accept=".csv,text/csv"');
    expect(page.body).toContain(`name="_csrf" value="${agent.csrfToken}"`);
    expect(page.body).toContain('<option value="auto" selected>自動判定</option>');
    expect(page.body).toContain('href="/users/bulk-register/template"');
    expect(page.body).toContain('「03-1234-5678」');
    const list = await agent.get('/users');
    expect(list.body).toContain('href="/users/bulk-register"');
  });

  it.skipIf(skip)('downloads the template: UTF-8 with BOM, the header and one example row', async () => {
    const { agent } = await setupOperator(ctx);
    const res = await ctx.app.inject({
      method: 'GET',
      url: '/users/bulk-register/template',
      headers: { cookie: [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="bulk_register_template.csv"; filename*=UTF-8''${encodeURIComponent('ユーザ情報一括登録テンプレート.csv')}`,
    );
    const bytes = res.rawPayload;
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.subarray(3).toString('utf8').split('\r\n');
    expect(lines[0]).toBe(HEADER);
    expect(lines[1]!.split(',')).toHaveLength(6);
    expect(lines.slice(2)).toEqual(['']);
  });

  it.skipIf(skip)(
    'registers UTF-8 with BOM: confirmation lists the rows, completion the new IDs, mails as in §4.4',
    async () => {
      const { admin, otherAdmin, operator, agent } = await setupOperator(ctx);
      const tag = `bom${operator.operatorCode.toLowerCase()}`;
      const text = `${HEADER}\r\n営業部,=一括 太郎,03-1234-5678,${tag}.1@example.jp,2026/05/01,2027/03/31\r\n開発部,一括 花子,,${tag}.2@example.jp,,\r\n`;
      const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
      const confirm = await upload(agent, file);
      expect(confirm.statusCode).toBe(200);
      expect(messageIds(confirm.body)).toEqual(['info.bulkRegist.confirm']);
      expect(confirm.body).toContain('下記の2件のユーザ情報を登録します。よろしいですか。');
      expect(confirm.body).toContain(operator.operatorName);
      expect(confirm.body).toContain('<td>=一括 太郎</td>');
      expect(confirm.body).toContain('<td>2027/03/31</td>');
      expect(confirm.body).toContain('<td>9999/12/31</td>');
      expect(confirm.body).toContain('href="/users/bulk-register">戻る</a>');
      expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(0);

      const done = await execute(agent, '/users/bulk-register', {
        token: formToken(confirm.body, '/users/bulk-register'),
      });
      expect(done.statusCode).toBe(200);
      expect(done.body).toContain('<h1>ユーザ情報一括登録完了画面</h1>');
      expect(messageIds(done.body)).toEqual(['info.bulkRegist.complete', 'info.mail.notice']);
      expect(done.body).toContain('ユーザ情報の一括登録が完了しました（2件）。');

      const users = await liveGeneralUsers(ctx, operator.operatorCode);
      expect(users.map((u) => u.user_name).sort()).toEqual(['=一括 太郎', '一括 花子']);
      const taro = users.find((u) => u.user_name === '=一括 太郎')!;
      expect(taro.phone).toBe('03-1234-5678');
      expect(taro.valid_from).toBe('2026-05-01');
      expect(taro.valid_to).toBe('2027-03-31');
      expect(Number(taro.password_is_temporary)).toBe(1);
      const hanako = users.find((u) => u.user_name === '一括 花子')!;
      expect(hanako.valid_from).toBe('2026-04-01');
      expect(hanako.valid_to).toBe('9999-12-31');
      expect(hanako.phone).toBeNull();
      for (const u of users) expect(done.body).toContain(`<th scope="row">${u.user_id}</th>`);

      // D-16, per new user: the user and the acting admin get the password, the other admin not.
      for (const u of users) {
        const mails = (
          await ctx.store.db.selectFrom('mail_outbox').selectAll().where('event', '=', 'registered').execute()
        ).filter((m) => m.body.includes(u.user_id));
        expect(mails.map((m) => m.recipient).sort()).toEqual([admin.email, otherAdmin.email, u.email].sort());
        const withPassword = mails.filter((m) => m.body.includes('仮パスワード: '));
        expect(withPassword.map((m) => m.recipient).sort()).toEqual([admin.email, u.email].sort());
        const password = /仮パスワード: (\S+)/.exec(withPassword[0]!.body)![1]!;
        expect(done.body).not.toContain(password);
      }

      const audit = await ctx.store.db
        .selectFrom('audit_records')
        .selectAll()
        .where('action', '=', 'bulkRegister')
        .where('operator_code', '=', operator.operatorCode)
        .execute();
      expect(audit).toHaveLength(1);
      expect(audit[0]!.outcome).toBe('success');
      expect(audit[0]!.actor_user_id).toBe(admin.userId);
      expect(JSON.parse(audit[0]!.detail).userIds.sort()).toEqual(users.map((u) => u.user_id).sort());
    },
  );

  it.skipIf(skip)('registers UTF-8 without BOM, and CP932 (髙橋) both auto-detected and chosen', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const tag = `enc${operator.operatorCode.toLowerCase()}`;
    const plain = await uploadAndExecute(agent, Buffer.from(csvRows(`${tag}u`, 1), 'utf8'));
    expect(plain.statusCode).toBe(200);
    const cp932Text = `${HEADER}\r\n総務部,髙橋 一郎,,${tag}.t@example.jp,,\r\n`;
    const auto = await uploadAndExecute(agent, iconv.encode(cp932Text, 'cp932'));
    expect(auto.statusCode).toBe(200);
    const chosen = await uploadAndExecute(
      agent,
      iconv.encode(cp932Text.replace('髙橋 一郎', '髙橋 二郎').replace(`${tag}.t@`, `${tag}.u@`), 'cp932'),
      'cp932',
    );
    expect(chosen.statusCode).toBe(200);
    const names = (await liveGeneralUsers(ctx, operator.operatorCode)).map((u) => u.user_name).sort();
    expect(names).toEqual(['一括 利用者1', '髙橋 一郎', '髙橋 二郎']);
  });

  it.skipIf(skip)('an error file lists each error by line and column and registers nothing', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const mailsBefore = await outboxCount();
    const file = [
      HEADER,
      '営業部,正しい 行,,ok@example.jp,,',
      ',名前,,a@example.jp,,',
      '営業部,名前,0312345678,not-mail,2026/13/01,',
    ].join('\n');
    const res = await upload(agent, file);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('<h1>ユーザ情報一括登録画面</h1>');
    expect(messageIds(res.body)).toEqual(['error.bulkRegist.invalid']);
    expect(res.body).toContain('CSVファイルに誤りがあるため、登録しませんでした（4件）。');
    const rows = [...res.body.matchAll(/<tr data-line="(\d+)"><td>[^<]*<\/td><td>([^<]*)<\/td>/g)].map(
      (m) => [m[1], m[2]],
    );
    expect(rows).toEqual([
      ['3', 'A列（所属部署）'],
      ['4', 'C列（電話番号）'],
      ['4', 'D列（メールアドレス）'],
      ['4', 'E列（適用開始日）'],
    ]);
    expect(res.body).toContain('所属部署を入力してください。');
    expect(res.body).toContain('適用開始日はyyyy/mm/dd形式の正しい日付で入力してください。');
    expect(res.body).not.toContain('name="token"');
    expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(0);
    expect(await outboxCount()).toBe(mailsBefore);
  });

  it.skipIf(skip)('answers bad uploads with a message, never a 500', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const cases: [string, Buffer | string, number, string, Record<string, string>?][] = [
      ['empty', Buffer.alloc(0), 400, '指定されたCSVファイルは空です（0バイト）。'],
      ['2 MiB', Buffer.alloc(2 * 1024 * 1024, 0x41), 413, 'CSVファイルのサイズが上限（1MB）を超えています。'],
      [
        'binary',
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x00, 0xff, 0xfe, 0xfd]),
        400,
        'CSVファイルをUTF-8またはShift_JIS(CP932)として読み取れません。',
      ],
      [
        'CP932 read as UTF-8',
        iconv.encode(`${HEADER}\r\n総務部,髙橋,,x@example.jp,,\r\n`, 'cp932'),
        400,
        'CSVファイルをUTF-8として読み取れません。',
        { encoding: 'utf8' },
      ],
    ];
    for (const [name, file, status, text, options] of cases) {
      const res = await upload(agent, file, options);
      expect(res.statusCode, name).toBe(status);
      expect(fieldErrorText(res.body, 'file'), name).toContain(text);
    }
    const broken = await upload(agent, `${HEADER}\n営業部,"壊れた,,b@example.jp,,\n`);
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toContain('CSVの形式に誤りがあります');
    const many = await upload(agent, csvRows('many', 100));
    expect(many.statusCode).toBe(400);
    expect(messageIds(many.body)).toEqual(['error.bulkRegist.tooManyRows']);
    expect(many.body).toContain('（データ行: 100件）');
    // SPEC D-20: a file past the line limit is refused before it is parsed.
    const huge = await upload(agent, csvRows('huge', 10_000));
    expect(huge.statusCode).toBe(400);
    expect(messageIds(huge.body)).toEqual(['error.bulkRegist.tooManyLines']);
    // No file part at all, and a second file.
    const noFile = await postMultipart(agent, '/users/bulk-register/confirm', [
      { name: '_csrf', value: agent.csrfToken },
    ]);
    expect(noFile.statusCode).toBe(400);
    expect(fieldErrorText(noFile.body, 'file')).toBe('CSVファイルを指定してください。');
    const twoFiles = await postMultipart(agent, '/users/bulk-register/confirm', [
      ...uploadParts(agent, csvRows('two', 1)),
      { name: 'file', value: csvRows('two', 1), filename: 'b.csv' },
    ]);
    expect(twoFiles.statusCode).toBe(400);
    expect(messageIds(twoFiles.body)).toEqual(['error.bulkRegist.upload']);
    expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(0);
  });

  it.skipIf(skip)('keeps the limit of eight: 6 + 3 refused, naming the room; 6 + 2 accepted', async () => {
    const { admin, operator } = await createOperatorWithGeneralUsers(ctx, 6);
    const code = operator.operatorCode;
    const agent = await loginAs(ctx, admin);
    const mailsBefore = await outboxCount();
    const three = await upload(agent, csvRows(`l3${code}`, 3));
    expect(three.statusCode).toBe(409);
    expect(messageIds(three.body)).toEqual(['error.user.limitReached', 'error.bulkRegist.remaining']);
    expect(three.body).toContain('あと2件まで登録できます（CSVファイルのデータ行: 3件）。');
    expect(await liveGeneralUsers(ctx, code)).toHaveLength(6);
    expect(await outboxCount()).toBe(mailsBefore);

    // Two fit; a confirmation of two made at the same time is refused at 実行, all or nothing.
    const first = await upload(agent, csvRows(`l2a${code}`, 2));
    const second = await upload(agent, csvRows(`l2b${code}`, 2));
    const done = await execute(agent, '/users/bulk-register', {
      token: formToken(first.body, '/users/bulk-register'),
    });
    expect(done.statusCode).toBe(200);
    expect(await liveGeneralUsers(ctx, code)).toHaveLength(8);
    const late = await execute(agent, '/users/bulk-register', {
      token: formToken(second.body, '/users/bulk-register'),
    });
    expect(late.statusCode).toBe(409);
    expect(messageIds(late.body)).toEqual(['error.user.limitReached']);
    expect(late.body).toContain('<h1>ユーザ情報一括登録確認画面</h1>');
    expect(await liveGeneralUsers(ctx, code)).toHaveLength(8);
    const refused = await ctx.store.db
      .selectFrom('audit_records')
      .selectAll()
      .where('action', '=', 'bulkRegister')
      .where('operator_code', '=', code)
      .orderBy('id')
      .execute();
    expect(refused.map((r) => r.outcome)).toEqual(['success', 'failure']);
  });

  it.skipIf(skip)('the same token posted twice (reload, double click) registers once', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const confirm = await upload(agent, csvRows(`twice${operator.operatorCode}`, 2));
    const token = formToken(confirm.body, '/users/bulk-register');
    const results = await Promise.all([1, 2, 3].map(() => execute(agent, '/users/bulk-register', { token })));
    expect(results.filter((r) => r.statusCode === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 200)) {
      expect(r.statusCode).toBe(409);
      expect(messageIds(r.body)).toEqual(['error.alreadyExecuted']);
    }
    const again = await execute(agent, '/users/bulk-register', { token });
    expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
    expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(2);
  });

  it.skipIf(skip)('a second confirmation of the same upload form does not register again', async () => {
    const { operator, agent } = await setupOperator(ctx);
    const page = await agent.get('/users/bulk-register');
    const formId = /name="formId" value="([^"]+)"/.exec(page.body)?.[1];
    expect(formId).toBeTruthy();
    const file = csvRows(`again${operator.operatorCode}`, 2);
    const first = formToken((await upload(agent, file, { formId })).body, '/users/bulk-register');
    expect((await execute(agent, '/users/bulk-register', { token: first })).statusCode).toBe(200);
    // Back to the confirmation: the browser posts the upload again and gets a new token.
    const second = formToken((await upload(agent, file, { formId })).body, '/users/bulk-register');
    const again = await execute(agent, '/users/bulk-register', { token: second });
    expect(again.statusCode).toBe(409);
    expect(messageIds(again.body)).toEqual(['error.alreadyExecuted']);
    expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(2);
  });

  it.skipIf(skip)(
    'refuses a multipart post without or with a wrong _csrf (403), nothing issued',
    async () => {
      const { operator, agent } = await setupOperator(ctx);
      const tokensBefore = (await ctx.store.db.selectFrom('used_action_tokens').select('token_id').execute())
        .length;
      for (const csrf of [null, 'wrong-token', '']) {
        const res = await upload(agent, csvRows(`csrf${operator.operatorCode}`, 1), { csrf });
        expect(res.statusCode).toBe(403);
        expect(messageIds(res.body)).toEqual(['error.csrf']);
        expect(res.body).not.toContain('ユーザ情報一括登録確認画面');
      }
      // 実行 is an ordinary form: the security plugin checks its token.
      const confirm = await upload(agent, csvRows(`csrf${operator.operatorCode}`, 1));
      const forged = await execute(agent, '/users/bulk-register', {
        token: formToken(confirm.body, '/users/bulk-register'),
        _csrf: 'forged',
      });
      expect(forged.statusCode).toBe(403);
      expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(0);
      // Nothing was used: the confirmation's token is still good for a real 実行.
      expect((await ctx.store.db.selectFrom('used_action_tokens').select('token_id').execute()).length).toBe(
        tokensBefore,
      );
      const real = await execute(agent, '/users/bulk-register', {
        token: formToken(confirm.body, '/users/bulk-register'),
      });
      expect(real.statusCode).toBe(200);
      expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(1);
    },
  );

  it.skipIf(skip)(
    'is for admins only; another operator’s admin registers into their own operator',
    async () => {
      const { admin, operator, user: general } = await createOperatorWithUser(ctx);
      const foreign = await createOperatorWithAdmins(ctx);
      const file = csvRows(`perm${operator.operatorCode}`, 1);

      const anonymous = new Agent(ctx.app);
      await anonymous.get('/login');
      for (const url of ['/users/bulk-register', '/users/bulk-register/template']) {
        const res = await anonymous.get(url);
        expect(res.statusCode).toBe(303);
        expect(res.location).toMatch(/^\/login/);
      }
      const anonymousPost = await postMultipart(
        anonymous,
        '/users/bulk-register/confirm',
        uploadParts(anonymous, file),
      );
      expect(anonymousPost.statusCode).toBe(303);
      expect(anonymousPost.location).toBe('/login');

      const generalAgent = await loginAs(ctx, general);
      for (const url of ['/users/bulk-register', '/users/bulk-register/template']) {
        const res = await generalAgent.get(url);
        expect(res.statusCode).toBe(403);
        expect(messageIds(res.body)).toEqual(['error.forbidden']);
      }
      const generalPost = await upload(generalAgent, file);
      expect(generalPost.statusCode).toBe(403);
      expect(messageIds(generalPost.body)).toEqual(['error.forbidden']);
      expect((await generalAgent.get('/users')).body).not.toContain('href="/users/bulk-register"');

      // A confirmation of this operator's admin cannot be executed by the other operator's admin.
      const agent = await loginAs(ctx, admin);
      const confirm = await upload(agent, file);
      const foreignAgent = await loginAs(ctx, foreign.admin);
      const stolen = await execute(foreignAgent, '/users/bulk-register', {
        token: formToken(confirm.body, '/users/bulk-register'),
      });
      expect(stolen.statusCode).toBe(400);
      expect(messageIds(stolen.body)).toEqual(['error.action.invalid']);

      const own = await uploadAndExecute(foreignAgent, file);
      expect(own.statusCode).toBe(200);
      expect(await liveGeneralUsers(ctx, foreign.operator.operatorCode)).toHaveLength(1);
      expect(await liveGeneralUsers(ctx, operator.operatorCode)).toHaveLength(1); // only `general`
    },
  );
});
