import { render } from 'preact-render-to-string';
import { describe, expect, it } from 'vitest';
import { attr, html } from './html.js';

describe('html (escaped templates)', () => {
  it('escapes every interpolated text, between tags and inside a quoted attribute', () => {
    const hostile = `"><script>alert(1)</script>&`;
    expect(render(html`<a title="${hostile}">${hostile}</a>`)).toBe(
      '<a title="&quot;>&lt;script>alert(1)&lt;/script>&amp;">&quot;>&lt;script>alert(1)&lt;/script>&amp;</a>',
    );
  });

  it('renders the same as JSX for the same markup', () => {
    const name = '田中 "花子" & <b>';
    expect(render(html`<td class="col-name">${name}</td>`)).toBe(render(<td class="col-name">{name}</td>));
  });

  it('renders VNodes and arrays of them as markup, and nothing for null, undefined and booleans', () => {
    const cell = (text: string) => html`<td>${text}</td>`;
    const jsx = <em>{'<x>'}</em>;
    expect(render(html`<tr>${[cell('a'), cell('<b>')]}${jsx}${null}${undefined}${false}${true}</tr>`)).toBe(
      '<tr><td>a</td><td>&lt;b></td><em>&lt;x></em></tr>',
    );
  });

  it('escapes text in an array once, as JSX children are (children passed on to a template)', () => {
    const children = ['a&b', <b key="1">{'x<y'}</b>, 'c<', 3];
    expect(render(html`<p>${children}</p>`)).toBe('<p>a&amp;b<b>x&lt;y</b>c&lt;3</p>');
    expect(render(html`<p>${children}</p>`)).toBe(render(<p>{children}</p>));
  });

  it('writes numbers as text', () => {
    expect(render(html`<span>${12}</span>`)).toBe('<span>12</span>');
  });

  it('renders inside JSX like any element', () => {
    expect(render(<table>{html`<tr><td>${'1'}</td></tr>`}</table>)).toBe(
      '<table><tr><td>1</td></tr></table>',
    );
  });

  it('writes an attribute as JSX does: absent, bare or quoted and escaped', () => {
    for (const value of [null, undefined, false, true, '', 'a"<&b', 3]) {
      expect(render(html`<input${attr('value', value)}/>`), String(value)).toBe(
        render(<input value={value as string} />),
      );
    }
    expect(() => attr('on" x', 'y')).toThrow();
  });
});
