import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { button, messages } from './manual-helpers.js';

/**
 * A flow's pages in the browser's history (PRG): the completion reloads as itself, back from
 * it the confirmation tells that it was executed, back again the form. Each comes by a GET,
 * so the browser shows no "Confirm Form Resubmission" and no net::ERR_CACHE_MISS.
 */

/** Reloads the page (a completion): the same URL and title `title` again, by a GET, without an error. */
export async function reloadShowsTheSamePage(page: Page, title: string): Promise<void> {
  const url = page.url();
  const reloaded = await page.reload({ waitUntil: 'domcontentloaded' });
  expect(reloaded?.request().method()).toBe('GET');
  expect(reloaded?.status()).toBe(200);
  expect(page.url()).toBe(url);
  expect(await page.locator('h1').textContent()).toBe(title);
  expect(await messages(page, 'error')).toEqual([]);
}

/** Back from a completion to its confirmation (`url`, titled `title`): it was executed and offers no 実行. */
export async function backToExecutedConfirmation(page: Page, url: URL, title: string): Promise<void> {
  const back = await page.goBack({ waitUntil: 'domcontentloaded' });
  expect(back?.request().method()).toBe('GET');
  expect(back?.status()).toBe(200);
  expect(page.url()).toBe(url.href);
  expect(await page.locator('h1').textContent()).toBe(title);
  expect(await messages(page, 'error')).toEqual([
    'error.alreadyExecuted : この操作はすでに実行されています。一覧画面から最新の状態を確認してください。',
  ]);
  expect(await button(page, '実行').count()).toBe(0);
}

/** Back from a confirmation to its form (at `path`, titled `title`). */
export async function backToForm(page: Page, path: string, title: string): Promise<void> {
  const form = await page.goBack({ waitUntil: 'domcontentloaded' });
  expect(form?.request().method()).toBe('GET');
  expect(new URL(page.url()).pathname).toBe(path);
  expect(await page.locator('h1').textContent()).toBe(title);
}
