import { z } from 'zod';
import { FIELD_LABELS } from '../../../lib/field-labels.js';
import { fieldErrors } from '../../../lib/fields.js';
import type { MessageId } from '../../../lib/messages.js';
import { type InputSpec, many, one, requireInput } from '../../../web/input.js';
import type { SearchConditions } from './repository.js';

/** The list screen's search form (SPEC §4.1, D-9): read from a query, written into links. */

/** What the list screen's search form sends, as the URL carries it (SPEC D-9). */
export interface SearchForm {
  operatorCode: string;
  userId: string;
  userName: string;
  /** The ticked 有効/無効 boxes: '1' is 有効, '0' is 無効. */
  enabled: string[];
  showDeleted: boolean;
}

/** SPEC D-19: the query of the list, the export and the detail's back link, read totally. */
export const SEARCH_QUERY = {
  operatorCode: one(FIELD_LABELS.operatorCode, 100),
  userId: one(FIELD_LABELS.userId, 100),
  userName: one(FIELD_LABELS.userName, 200),
  enabled: many(FIELD_LABELS.enabled, 10, 4),
  showDeleted: one('削除済みの情報を表示', 10),
  search: one('検索', 10),
  page: one('ページ', 20),
} satisfies InputSpec;

/**
 * Field rules of the search form. The manual's 別冊 (field rules) is not available, so
 * these follow SPEC D-3 for the operator code and §3 for IDs and names; a full-width
 * entry is folded with NFKC first because the hint asks for half-width characters and
 * the search ignores width anyway (D-8).
 */
const ZSearchFields = z.object({
  operatorCode: z
    .string()
    .transform((s) => s.normalize('NFKC').trim().toUpperCase())
    .refine((s) => /^[0-9A-Z]{4}$/.test(s), { message: 'error.field.operatorCode' satisfies MessageId }),
  userId: z
    .string()
    .transform((s) => s.normalize('NFKC').trim().toUpperCase())
    .refine((s) => /^[0-9A-Z]{0,10}$/.test(s), { message: 'error.field.userId' satisfies MessageId }),
  userName: z
    .string()
    .transform((s) => s.normalize('NFC').trim())
    .refine((s) => [...s].length <= 50 && !/\p{Cc}/u.test(s), {
      message: 'error.field.userName' satisfies MessageId,
    }),
});

export type SearchParse =
  | { ok: true; form: SearchForm; conditions: SearchConditions; page: number }
  | { ok: false; form: SearchForm; errors: Record<string, MessageId> };

/**
 * Reads the search conditions from a query string. The operator code defaults to the
 * viewer's own (SPEC §4.1: prefilled with the user's own).
 */
export function parseSearchQuery(query: unknown, ownOperatorCode: string): SearchParse {
  const source = typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {};
  // The list as the menu opens it, with no query: the defaults, without the field rules'
  // work (the own operator code comes from the database, already in its checked form).
  if (Object.keys(source).length === 0) return defaultSearch(ownOperatorCode);
  const q = requireInput(query, SEARCH_QUERY);
  const form: SearchForm = {
    operatorCode: source.operatorCode === undefined ? ownOperatorCode : q.operatorCode,
    userId: q.userId,
    userName: q.userName,
    // 有効 first, as the form shows the boxes.
    enabled: (['1', '0'] as const).filter((v) => q.enabled.includes(v)),
    showDeleted: q.showDeleted === '1',
  };
  const checked = ZSearchFields.safeParse(form);
  if (!checked.success) return { ok: false, form, errors: fieldErrors(checked.error) };
  const pageNumber = /^[0-9]{1,9}$/.test(q.page) ? Number(q.page) : 1;
  return {
    ok: true,
    form,
    conditions: {
      operatorCode: checked.data.operatorCode,
      userIdPrefix: checked.data.userId,
      userName: checked.data.userName,
      enabled: form.enabled.length === 1 ? form.enabled[0] === '1' : null,
      showDeleted: form.showDeleted,
    },
    page: Number.isSafeInteger(pageNumber) && pageNumber >= 1 ? pageNumber : 1,
  };
}

/** SPEC §4.1: the viewer's own operator's undeleted users, page 1. */
function defaultSearch(ownOperatorCode: string): SearchParse {
  return {
    ok: true,
    form: { operatorCode: ownOperatorCode, userId: '', userName: '', enabled: [], showDeleted: false },
    conditions: {
      operatorCode: ownOperatorCode,
      userIdPrefix: '',
      userName: '',
      enabled: null,
      showDeleted: false,
    },
    page: 1,
  };
}

/** The query string of a search (and page), so that links and back keep the results (D-9). */
export function searchQueryString(form: SearchForm, page?: number): string {
  const params = new URLSearchParams();
  params.set('operatorCode', form.operatorCode);
  params.set('userId', form.userId);
  params.set('userName', form.userName);
  for (const e of form.enabled) params.append('enabled', e);
  if (form.showDeleted) params.set('showDeleted', '1');
  params.set('search', '1');
  if (page !== undefined) params.set('page', String(page));
  return params.toString();
}
