import type { VNode } from 'preact';
import { jsxEscape, jsxTemplate } from 'preact/jsx-runtime';

/**
 * Markup written as a template literal, escaped by default, for the rows a page repeats
 * many times (the list's results). Every interpolated value goes through Preact's
 * `jsxEscape`: text has `&`, `<` and `"` escaped, so it is safe between tags and inside a
 * double-quoted attribute; a VNode, or an array (of VNodes and texts), renders as JSX does; null,
 * undefined and booleans render nothing. The result is the VNode Preact's precompiled JSX
 * produces (`jsxTemplate`), which `render` joins as it stands instead of walking element
 * by element: about half the cost of the same row as JSX (docs/performance.md).
 *
 * Attribute values must be quoted with `"` in the template; a value never supplies an
 * attribute name or a tag.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): VNode {
  return jsxTemplate(strings as readonly string[] as string[], ...values.map(escapeValue));
}

/**
 * An array is rendered as JSX children are, each text in it escaped then; `jsxEscape`
 * would escape its texts in place first, and they would come out escaped twice.
 */
function escapeValue(value: unknown): unknown {
  return Array.isArray(value) ? value : jsxEscape(value);
}

const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * An attribute whose presence depends on its value, written as JSX writes it: nothing for
 * null, undefined and false, the bare name for true and for '', else `name="value"` with
 * the value escaped. The name is the code's, never a value's (checked).
 */
export function attr(name: string, value: string | number | boolean | null | undefined): VNode | null {
  if (!ATTRIBUTE_NAME.test(name)) throw new Error(`not an attribute name: ${name}`);
  if (value === null || value === undefined || value === false) return null;
  if (value === true || value === '') return jsxTemplate([` ${name}`]);
  return jsxTemplate([` ${name}="`, '"'], jsxEscape(value));
}
