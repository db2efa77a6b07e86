import { expect, it } from 'vitest';
import {
  createOperatorWithAdmins,
  createOperatorWithUser,
  describeOnStores,
  loginAs,
} from '../helpers/integration.js';

describeOnStores('audit records screen on $kind (SPEC §6)', (ctx, { skip }) => {
  it.skipIf(skip)(
    'shows an admin their own operator’s records only, filtered, and exports them',
    async () => {
      const { admin, user: general } = await createOperatorWithUser(ctx);
      const stranger = await createOperatorWithAdmins(ctx);
      await loginAs(ctx, general);
      await loginAs(ctx, stranger.admin);
      const agent = await loginAs(ctx, admin);

      const page = await agent.get('/audit');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('監査ログ一覧画面');
      expect(page.body).toContain(general.userId);
      expect(page.body).toContain(admin.userId);
      expect(page.body).not.toContain(stranger.admin.userId);
      expect(page.body).toContain('1 - 2 件 (全2件)');

      const filtered = await agent.get(`/audit?userId=${general.userId}&action=login`);
      expect(filtered.body).toContain('1 - 1 件 (全1件)');
      const none = await agent.get('/audit?action=delete');
      expect(none.body).toContain('error.audit.noHits');
      const bad = await agent.get('/audit?from=2026/02/30');
      expect(bad.statusCode).toBe(400);
      expect(bad.body).toContain('yyyy/mm/dd形式の正しい日付');

      const csv = await agent.get(`/audit/export?userId=${general.userId}`);
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-type']).toContain('text/csv');
      expect(String(csv.headers['content-disposition'])).toContain("filename*=UTF-8''%E7%9B%A3%E6%9F%BB");
      expect(csv.body.startsWith('\uFEFF日時,操作,結果,操作者,対象ユーザ,接続元,内容')).toBe(true);
      const lines = csv.body.trim().split('\r\n');
      expect(lines).toHaveLength(2);
      expect(lines[1]).toContain(`ログイン,成功,${general.userId},${general.userId},127.0.0.1`);
    },
  );

  it.skipIf(skip)('is for admins only', async () => {
    const { user: general } = await createOperatorWithUser(ctx);
    const agent = await loginAs(ctx, general);
    expect((await agent.get('/audit')).statusCode).toBe(403);
    expect((await agent.get('/audit/export')).statusCode).toBe(403);
    expect((await agent.get('/')).body).not.toContain('href="/audit"');
  });
});
