import { Fragment, type VNode } from 'preact';
import { jsxEscape, jsxTemplate } from 'preact/jsx-runtime';
import { render } from 'preact-render-to-string';

/**
 * Markup written as a template literal, escaped by default, for the frame of every page
 * and the rows a page repeats many times. Every interpolated value is escaped as Preact
 * escapes JSX text: `&`, `<` and `"`, so it is safe between tags and inside a
 * double-quoted attribute; a VNode, or an array (of VNodes and texts), renders as JSX
 * does; null, undefined and booleans render nothing; numbers are written as text.
 *
 * The markup is joined at once: the result is the VNode of Preact's precompiled JSX
 * (`jsxTemplate`) holding one finished string, which `render` writes as it stands. A
 * template inside a template is taken as it is; JSX inside one is rendered then, by
 * Preact. Rendering the list page so took a third of the time of the same page as JSX
 * elements (docs/performance.md).
 *
 * Attribute values must be quoted with `"` in the template; a value never supplies an
 * attribute name or a tag.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): VNode {
  let markup = strings[0]!;
  for (let i = 0; i < values.length; i++) markup += toMarkup(values[i]) + strings[i + 1]!;
  return jsxTemplate([markup]);
}

function toMarkup(value: unknown): string {
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  if (typeof value === 'string') return jsxEscape(value) as string;
  if (typeof value === 'number') return String(value);
  const finished = finishedMarkup(value);
  return finished ?? render(value as VNode);
}

/** The string of a template made here (one string, no values), else undefined. */
function finishedMarkup(value: unknown): string | undefined {
  const vnode = value as { type?: unknown; props?: { tpl?: unknown; exprs?: unknown[] } };
  const tpl = vnode.type === Fragment ? vnode.props?.tpl : undefined;
  return Array.isArray(tpl) && tpl.length === 1 && !vnode.props?.exprs?.length
    ? (tpl[0] as string)
    : undefined;
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
  return jsxTemplate([` ${name}="${jsxEscape(String(value)) as string}"`]);
}
