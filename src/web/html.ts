import type { VNode } from 'preact';
import { jsxEscape, jsxTemplate } from 'preact/jsx-runtime';

/**
 * Markup written as a template literal, escaped by default, for the rows a page repeats
 * many times (the list's results). Every interpolated value goes through Preact's
 * `jsxEscape`: text has `&`, `<` and `"` escaped, so it is safe between tags and inside a
 * double-quoted attribute; a VNode, or an array of them, renders as JSX does; null,
 * undefined and booleans render nothing. The result is the VNode Preact's precompiled JSX
 * produces (`jsxTemplate`), which `render` joins as it stands instead of walking element
 * by element: about half the cost of the same row as JSX (docs/performance.md).
 *
 * Attribute values must be quoted with `"` in the template; a value never supplies an
 * attribute name or a tag.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): VNode {
  return jsxTemplate(strings as readonly string[] as string[], ...values.map((value) => jsxEscape(value)));
}
