import { describe, expect, it } from 'vitest';
import { encodePage } from './render.js';

describe('encodePage', () => {
  const texts = [
    '',
    '<!DOCTYPE html><p>ascii only</p>',
    'ユーザ情報一覧 | 容量市場システム',
    // A character outside the BMP (a surrogate pair) and lone surrogates, which UTF-8
    // cannot hold: both encodings write U+FFFD for them.
    '𠮷野家 \ud800 end \udfff',
    'あ'.repeat(12_000),
  ];

  it('gives the bytes Buffer.from gives', () => {
    for (const text of texts) {
      expect(encodePage(text).equals(Buffer.from(text, 'utf8')), text.slice(0, 20)).toBe(true);
    }
  });

  it('gives each page bytes of its own, not a view of the scratch space', () => {
    const first = encodePage('一つ目のページ');
    encodePage('二つ目のページ、もっと長い');
    expect(first.toString('utf8')).toBe('一つ目のページ');
  });

  it('encodes a page longer than the scratch space whole', () => {
    const text = `${'容'.repeat(400_000)}end`;
    const bytes = encodePage(text);
    expect(bytes.length).toBe(400_000 * 3 + 3);
    expect(bytes.toString('utf8')).toBe(text);
  });
});
