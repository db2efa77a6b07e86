import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { buildApp } from '../../src/app.js';
import { openStore, type Store } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { seedDemo } from '../../src/features/operators/demo.js';
import type { IssuedCredentials } from '../../src/features/users/create.js';
import { testConfig } from '../helpers/context.js';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !fs.existsSync(CHROMIUM);
if (chromiumMissing) {
  if (process.env.REQUIRE_CHROMIUM === '1') throw new Error(`REQUIRE_CHROMIUM=1 but ${CHROMIUM} is missing`);
  process.stdout.write(
    `\n*** ${CHROMIUM} not found: the browser tests are SKIPPED (apt-get install chromium).\n\n`,
  );
}

/** The flags this machine needs: no sandbox as root, no network beyond loopback. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const NEW_PASSWORD = 'a calm autumn evening 2026';

export interface Harness {
  baseUrl: string;
  app: FastifyInstance;
  store: Store;
  browser: Browser;
  /** The demo users with their temporary passwords, by ユーザID. */
  demo: Map<string, IssuedCredentials>;
  newContext(options?: { javaScriptEnabled?: boolean }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1 with the demo seeded in a fresh SQLite file, and Chromium. */
export async function startHarness(): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-e2e-'));
  const store = openStore({ sqliteFile: path.join(dataDir, 'e2e.sqlite') });
  await migrateToLatest(store.db, store.dialect);
  const demo = new Map((await seedDemo(store.db, new Date())).map((c) => [c.user.userId, c]));
  const app = await buildApp({ config: testConfig({ dataDir }), store, logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  return {
    baseUrl: address,
    app,
    store,
    browser,
    demo,
    async newContext(options = {}) {
      const context = await browser.newContext({
        baseURL: address,
        locale: 'ja-JP',
        javaScriptEnabled: options.javaScriptEnabled ?? true,
      });
      contexts.push(context);
      return context;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await app.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs in through the login screen; a first login goes through the forced password change. */
export async function logIn(
  page: Page,
  userId: string,
  password: string,
  newPassword = NEW_PASSWORD,
): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('ユーザID').fill(userId);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.waitForLoadState('domcontentloaded');
  if (new URL(page.url()).pathname === '/password') {
    await page.getByLabel('現在のパスワード').fill(password);
    await page.getByLabel('新しいパスワード', { exact: true }).fill(newPassword);
    await page.getByLabel('新しいパスワード（確認）').fill(newPassword);
    await page.getByRole('button', { name: '変更' }).click();
    await page.waitForURL((url) => url.pathname === '/');
  }
}

/** Screenshots go to test-results/ (ignored by git) for a person to look at. */
export async function snapshot(page: Page, name: string): Promise<void> {
  const dir = path.join(import.meta.dirname, '..', '..', 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
