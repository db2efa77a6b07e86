import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { hashToken } from '../../src/features/auth/sessions.js';
import { createOperatorWithAdmins, DEFAULT_PASSWORD } from '../helpers/factories.js';
import { axeViolations } from './axe-run.js';
import { chromiumMissing, snapshot, submitLogin, useHarness } from './harness.js';

describe.skipIf(chromiumMissing)('a session ending mid-form (SPEC §4.11)', () => {
  const h = useHarness();
  const idleMinutes = () => h.app.appConfig.sessionIdleMs / 60_000;

  /** The browser's session, ended on the server as the idle limit would end it. */
  async function endSession(page: Page): Promise<void> {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'cmus_session')!;
    const long = new Date(Date.now() - h.app.appConfig.sessionIdleMs - 60_000).toISOString();
    await h.store.db
      .updateTable('sessions')
      .set({ last_seen_at: long })
      .where('id', '=', hashToken(cookie.value))
      .execute();
  }

  it('warns before the idle limit; 延長 keeps the session going', async () => {
    const { admin } = await createOperatorWithAdmins(h);
    const page = await h.signIn(admin);
    await page.clock.install();
    await page.goto('/users/new');
    const notice = page.getByRole('alert').filter({ hasText: 'セッションの有効期限' });
    expect(await notice.count()).toBe(0);
    // Five minutes before the limit (or a third of it, if shorter).
    await page.clock.fastForward((idleMinutes() - Math.min(5, idleMinutes() / 3)) * 60_000 + 1_000);
    await expect.poll(() => notice.isVisible()).toBe(true);
    expect(await notice.textContent()).toContain('「延長」を押してください');
    expect(await axeViolations(page)).toEqual([]);
    await snapshot(page, 'session-warning');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'cmus_session')!;
    const seen = async () =>
      (
        await h.store.db
          .selectFrom('sessions')
          .select('last_seen_at')
          .where('id', '=', hashToken(cookie.value))
          .executeTakeFirstOrThrow()
      ).last_seen_at;
    const before = await seen();
    await page.getByRole('button', { name: '延長' }).click();
    await expect.poll(() => notice.isVisible()).toBe(false);
    expect(await seen()).not.toBe(before);
    // At the limit without 延長, the notice says the session has ended.
    await page.clock.fastForward(idleMinutes() * 60_000);
    await expect.poll(() => notice.textContent()).toContain('セッションの有効期限が切れました');
  });

  for (const javaScriptEnabled of [true, false]) {
    it(`keeps what was typed across a new login (${javaScriptEnabled ? 'with' : 'without'} JavaScript)`, async () => {
      const { admin } = await createOperatorWithAdmins(h);
      const page = await h.signIn(admin, { javaScriptEnabled });
      await page.goto('/users/new');
      await page.locator('#department').fill('需給管理部');
      await page.locator('#userName').fill('継続 入力');
      await page.locator('#email').fill('keizoku@example.jp');
      await endSession(page);
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
        page.getByRole('button', { name: '確認' }).click(),
      ]);
      expect(new URL(page.url()).pathname).toBe('/login');
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).toContain('セッションの有効期限が切れました');
      expect(text).toContain('入力中の内容は一時的に保存しました');
      await snapshot(page, `session-expired-login-${javaScriptEnabled ? 'js' : 'nojs'}`);
      await submitLogin(page, admin.userId, DEFAULT_PASSWORD);
      expect(new URL(page.url()).pathname).toBe('/resume');
      if (javaScriptEnabled) expect(await axeViolations(page)).toEqual([]);
      await snapshot(page, `session-resume-${javaScriptEnabled ? 'js' : 'nojs'}`);
      await Promise.all([
        page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
        page.getByRole('button', { name: '続ける' }).click(),
      ]);
      // The confirmation of what was typed before the session ended.
      const confirmation = (await page.locator('main').textContent()) ?? '';
      expect(confirmation).toContain('下記の情報で登録します。よろしいですか。');
      expect(confirmation).toContain('継続 入力');
      expect(confirmation).toContain('keizoku@example.jp');
    });
  }
});
