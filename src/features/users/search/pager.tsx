import type { VNode } from 'preact';
import { html } from '../../../web/html.js';
import { type SearchForm, searchQueryString } from './query.js';
import { PAGE_SIZE, type SearchPage } from './repository.js';

/** The page numbers around the current one: at most ten, with … where pages are left out. */
function pageWindow(page: number, lastPage: number): number[] {
  const start = Math.max(1, Math.min(page - 4, lastPage - 9));
  const end = Math.min(lastPage, start + 9);
  const pages: number[] = [];
  for (let p = start; p <= end; p++) pages.push(p);
  return pages;
}

/** SPEC §4.1 / D-9: `1 - 20 件 (全35件)` and `<< 最初 | < 前へ | 1 2 … | 次へ > | 最後 >>`. */
export function Pager({ form, result }: { form: SearchForm; result: SearchPage }): VNode {
  const { page, lastPage, total } = result;
  const from = (page - 1) * PAGE_SIZE + 1;
  const to = Math.min(total, page * PAGE_SIZE);
  const href = (p: number) => `/users?${searchQueryString(form, p)}`;
  const step = (label: string, target: number, enabled: boolean) =>
    enabled
      ? html`<li><a href="${href(target)}">${label}</a></li>`
      : html`<li><span aria-disabled="true">${label}</span></li>`;
  const pages = pageWindow(page, lastPage);
  const numbers = pages.map((p) =>
    p === page
      ? html`<li><span aria-current="page">${p}</span></li>`
      : html`<li><a href="${href(p)}" aria-label="${p}ページ">${p}</a></li>`,
  );
  // A template (web/html.ts): the list shows it twice.
  return html`<nav class="pager" aria-label="ページ送り"><span class="pager-range">${from} - ${to} 件 (全${total}件)</span><ol>${step('<< 最初', 1, page > 1)}${step('< 前へ', page - 1, page > 1)}${pages[0]! > 1 ? ELLIPSIS : null}${numbers}${pages[pages.length - 1]! < lastPage ? ELLIPSIS : null}${step('次へ >', page + 1, page < lastPage)}${step('最後 >>', lastPage, page < lastPage)}</ol></nav>`;
}

const ELLIPSIS = html`<li aria-hidden="true">…</li>`;
