import type { ShownMessage } from './layout.js';

/**
 * SPEC D-19: every route reads its query and body through this one parser, which never
 * throws. It settles the *shape* of the input: each field a route reads is declared as
 * one string or a list of strings, bounded in length; a repeated single field, a value
 * that is not a string, an over-long value, a NUL or another control character is a
 * problem of that field. The field *rules* (a real date, a mail address…) come after,
 * in the feature's zod schemas, on values that are already plain strings.
 *
 * Routes that show their form again (login, register…) turn the problems into messages
 * next to the fields; the others throw `BadInput`, which the app's error handler answers
 * with a 400 page naming each field (src/app.tsx).
 */

/** A single-valued field: absent is `''`, repeated is a problem. */
export interface OneField {
  kind: 'one';
  /** At most this many characters (UTF-16 units; a bound, not a field rule). */
  max: number;
  /** What the field is called on the 400 page. */
  label: string;
  /** Line breaks allowed (a multi-line text); other control characters never are. */
  multiline?: boolean;
}

/** A field that may repeat (checkboxes): absent is `[]`. */
export interface ManyField {
  kind: 'many';
  max: number;
  maxItems: number;
  label: string;
}

export type FieldSpec = OneField | ManyField;
export type InputSpec = Record<string, FieldSpec>;

export type InputValues<S extends InputSpec> = {
  [K in keyof S]: S[K] extends ManyField ? string[] : string;
};

export type InputProblem = 'repeated' | 'tooLong' | 'tooMany' | 'invalid';

export interface InputIssue {
  field: string;
  label: string;
  problem: InputProblem;
  max: number;
}

export type InputResult<S extends InputSpec> =
  | { ok: true; values: InputValues<S> }
  | { ok: false; issues: InputIssue[]; values: InputValues<S> };

export function one(label: string, max: number, options: { multiline?: boolean } = {}): OneField {
  return { kind: 'one', label, max, ...options };
}

export function many(label: string, max: number, maxItems: number): ManyField {
  return { kind: 'many', label, max, maxItems };
}

/**
 * C0 and C1 controls and DEL, U+2028/U+2029 and lone surrogates: never part of a typed
 * field. A NUL in particular is refused by PostgreSQL's text type (SPEC D-19).
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\u2028\u2029]/u;
const FORBIDDEN_BUT_LINES = /(?![\t\n\r])[\p{Cc}\p{Cs}\u2028\u2029]/u;

/** The problem of one string value, if any. */
function checkString(value: string, spec: { max: number; multiline?: boolean }): InputProblem | undefined {
  if (value.length > spec.max) return 'tooLong';
  if ((spec.multiline ? FORBIDDEN_BUT_LINES : FORBIDDEN).test(value)) return 'invalid';
  return undefined;
}

/** Reads the fields `spec` names from a parsed query or url-encoded body; never throws. */
export function readInput<S extends InputSpec>(raw: unknown, spec: S): InputResult<S> {
  const source: Record<string, unknown> =
    raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  const values: Record<string, string | string[]> = {};
  const issues: InputIssue[] = [];
  for (const [field, fieldSpec] of Object.entries(spec)) {
    const given = Object.hasOwn(source, field) ? source[field] : undefined;
    const problem = (p: InputProblem) =>
      issues.push({ field, label: fieldSpec.label, problem: p, max: fieldSpec.max });
    if (fieldSpec.kind === 'one') {
      values[field] = '';
      if (given === undefined) continue;
      if (Array.isArray(given)) {
        problem('repeated');
      } else if (typeof given !== 'string') {
        problem('invalid');
      } else {
        const p = checkString(given, fieldSpec);
        if (p) problem(p);
        else values[field] = given;
      }
    } else {
      values[field] = [];
      if (given === undefined) continue;
      const list = Array.isArray(given) ? given : [given];
      if (list.length > fieldSpec.maxItems) {
        problem('tooMany');
        continue;
      }
      const strings: string[] = [];
      let bad: InputProblem | undefined;
      for (const item of list) {
        bad = typeof item !== 'string' ? 'invalid' : checkString(item, fieldSpec);
        if (bad) break;
        strings.push(item as string);
      }
      if (bad) problem(bad);
      else values[field] = strings;
    }
  }
  const typed = values as InputValues<S>;
  return issues.length > 0 ? { ok: false, issues, values: typed } : { ok: true, values: typed };
}

/** The message a shape problem shows, next to its field or on the 400 page. */
export function inputMessage(issue: InputIssue): ShownMessage {
  switch (issue.problem) {
    case 'repeated':
      return { id: 'error.input.repeated', params: { field: issue.label } };
    case 'tooLong':
      return { id: 'error.input.tooLong', params: { field: issue.label, max: issue.max } };
    case 'tooMany':
      return { id: 'error.input.tooMany', params: { field: issue.label } };
    case 'invalid':
      return { id: 'error.input.invalid', params: { field: issue.label } };
  }
}

/** A request whose input has the wrong shape: answered with a 400 page (src/app.tsx). */
export class BadInput extends Error {
  readonly statusCode = 400;
  constructor(readonly issues: InputIssue[]) {
    super(`bad input: ${issues.map((i) => `${i.field} ${i.problem}`).join(', ')}`);
  }
}

/** `readInput`, throwing `BadInput` for a route that has no form of its own to show again. */
export function requireInput<S extends InputSpec>(raw: unknown, spec: S): InputValues<S> {
  const result = readInput(raw, spec);
  if (!result.ok) throw new BadInput(result.issues);
  return result.values;
}
