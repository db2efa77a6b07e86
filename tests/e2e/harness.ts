import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openStore, type Store } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import type { User } from '../../src/features/users/model.js';
import { systemClock } from '../../src/lib/clock.js';
import { testConfig } from '../helpers/context.js';
import type { FactoryContext } from '../helpers/factories.js';
import { plantSession } from '../helpers/sessions.js';

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

export interface Harness extends FactoryContext {
  baseUrl: string;
  app: FastifyInstance;
  store: Store;
  browser: Browser;
  newContext(options?: ContextOptions): Promise<BrowserContext>;
  /** A page in a fresh browser context, signed in as nobody. */
  newPage(options?: ContextOptions): Promise<Page>;
  /**
   * A page in a fresh browser context, signed in as `user` by a planted session (no
   * login form), on TOP (or on the password change for a temporary password).
   */
  signIn(user: Pick<User, 'userId'>, options?: ContextOptions): Promise<Page>;
  close(): Promise<void>;
}

export interface ContextOptions {
  javaScriptEnabled?: boolean;
}

/** A real server on 127.0.0.1 over an empty, migrated SQLite file, and Chromium. */
export async function startHarness(): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-e2e-'));
  const store = openStore({ sqliteFile: path.join(dataDir, 'e2e.sqlite') });
  await migrateToLatest(store.db, store.dialect);
  const clock = systemClock;
  const app = await buildApp({ config: testConfig({ dataDir }), store, clock, logger: false });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const contexts: BrowserContext[] = [];
  const newContext = async (options: ContextOptions = {}) => {
    const context = await browser.newContext({
      baseURL: address,
      locale: 'ja-JP',
      javaScriptEnabled: options.javaScriptEnabled ?? true,
    });
    contexts.push(context);
    return context;
  };
  return {
    baseUrl: address,
    app,
    store,
    clock,
    browser,
    newContext,
    async newPage(options) {
      return (await newContext(options)).newPage();
    },
    async signIn(user, options) {
      const context = await newContext(options);
      const cookie = await plantSession({ store, clock }, user);
      await context.addCookies([{ ...cookie, url: address, httpOnly: true, sameSite: 'Lax' }]);
      const page = await context.newPage();
      await page.goto('/');
      if (new URL(page.url()).pathname === '/login')
        throw new Error(`the session of ${user.userId} was refused`);
      return page;
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

/**
 * The harness of one browser test file: started before its first test, closed after its
 * last. Call it once, inside the file's `describe.skipIf(chromiumMissing)`.
 */
export function useHarness(): Harness {
  const h = {} as Harness;
  beforeAll(async () => {
    Object.assign(h, await startHarness());
  });
  afterAll(async () => {
    await h.close?.();
  });
  return h;
}

/** Fills the login screen's form and presses ログイン (the page is on /login). */
export async function submitLogin(page: Page, userId: string, password: string): Promise<void> {
  await page.getByLabel('ユーザID', { exact: true }).fill(userId);
  await page.getByLabel('パスワード', { exact: true }).fill(password);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.getByRole('button', { name: 'ログイン' }).click(),
  ]);
}

/** Logs in through the login screen; a first login goes through the forced password change. */
export async function logIn(
  page: Page,
  userId: string,
  password: string,
  newPassword = NEW_PASSWORD,
): Promise<void> {
  await page.goto('/login');
  await submitLogin(page, userId, password);
  if (new URL(page.url()).pathname === '/password') {
    await submitPasswordChange(page, password, newPassword);
    await page.waitForURL((url) => url.pathname === '/');
  }
}

/** Fills パスワード変更 (the labels exactly: each field has a 表示 toggle named after it) and presses 変更. */
export async function submitPasswordChange(page: Page, current: string, next: string): Promise<void> {
  await page.getByLabel('現在のパスワード', { exact: true }).fill(current);
  await page.getByLabel('新しいパスワード', { exact: true }).fill(next);
  await page.getByLabel('新しいパスワード（確認）', { exact: true }).fill(next);
  await Promise.all([
    page.waitForNavigation({ waitUntil: 'domcontentloaded' }),
    page.getByRole('button', { name: '変更', exact: true }).click(),
  ]);
}

/** Screenshots go to test-results/ (ignored by git) for a person to look at. */
export async function snapshot(page: Page, name: string): Promise<void> {
  const dir = path.join(import.meta.dirname, '..', '..', 'test-results');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}
