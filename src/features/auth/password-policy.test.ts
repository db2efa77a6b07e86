import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, commonPasswordList } from './password-policy.js';

const context = { userId: 'U520008303', userName: '事業者 一郎', email: 'ichiro.j@example.jp' };

describe('password policy (SPEC D-13)', () => {
  it('takes 12 to 128 characters, counted as characters, not bytes', () => {
    expect(checkPasswordPolicy(`${'a'.repeat(11).replace(/a/g, 'q')}z`, context)).toBeUndefined();
    expect(checkPasswordPolicy('qwzxqwzxqwz', context)).toBe('error.password.tooShort');
    expect(checkPasswordPolicy('容量市場の春は桜が咲く頃', context)).toBeUndefined();
    const emoji = (n: number) =>
      Array.from({ length: n }, (_, i) => String.fromCodePoint(0x1f400 + i)).join('');
    expect(checkPasswordPolicy(emoji(128), context)).toBeUndefined();
    expect(checkPasswordPolicy(emoji(129), context)).toBe('error.password.tooLong');
  });

  it('counts the length after NFKC normalisation', () => {
    // 10 code points as typed, 12 once the ligature ﬃ is ffi.
    expect(checkPasswordPolicy('oﬃce hour7', context)).toBeUndefined();
    // 12 code points as typed (e + combining acute), 11 once composed.
    expect(checkPasswordPolicy('cafe\u0301 noir 7', context)).toBe('error.password.tooShort');
  });

  it('has no composition rules: spaces and any printable characters are fine', () => {
    expect(checkPasswordPolicy('correct horse battery staple', context)).toBeUndefined();
    expect(checkPasswordPolicy('すべてひらがなのながいぱすわーど', context)).toBeUndefined();
  });

  it('refuses control characters', () => {
    expect(checkPasswordPolicy('long enough\u0007password', context)).toBe('error.password.unprintable');
  });

  it('refuses the most common passwords, whatever their case', () => {
    expect(checkPasswordPolicy('unbelievable', context)).toBe('error.password.common');
    expect(checkPasswordPolicy('UNBELIEVABLE', context)).toBe('error.password.common');
  });

  it('refuses breached passwords of 12+ characters: case, width and spacing do not matter', () => {
    for (const password of [
      'password1234',
      'PASSWORD1234',
      'Password1234',
      'ｐａｓｓｗｏｒｄ１２３４',
      'password 1234',
      'pass\u200bword1234',
      '123456789012',
      'qwertyuiop12',
      'iloveyou1234',
      'aaaaaaaaaaaa',
    ]) {
      expect(checkPasswordPolicy(password, context), password).toBe('error.password.common');
    }
  });

  it('ships a list of at least 3,000 breached passwords of 12+ characters, all refused', () => {
    const list = commonPasswordList();
    expect(list.size).toBeGreaterThanOrEqual(3000);
    const malformed = [...list].filter(
      (entry) => [...entry].length < 12 || entry !== entry.normalize('NFKC').toLowerCase(),
    );
    expect(malformed).toEqual([]);
    for (const entry of ['password1234', '123456789012', 'qwertyuiop12', 'iloveyou1234', 'aaaaaaaaaaaa']) {
      expect(list.has(entry), entry).toBe(true);
    }
    const accepted = [...list].filter(
      (entry) => checkPasswordPolicy(entry.toUpperCase(), context) !== 'error.password.common',
    );
    expect(accepted).toEqual([]);
  });

  it('refuses one repeated character, and digit, alphabet, keyboard and kana sequences', () => {
    for (const password of [
      'zzzzzzzzzzzzzzzz',
      '葉'.repeat(12),
      '🍣'.repeat(12),
      '000000000000000',
      '123456789012',
      '０１２３４５６７８９０１２',
      '210987654321',
      'abcdefghijklm',
      'ZYXWVUTSRQPONM',
      'uvwxyzabcdefg',
      'qwertyuiopas',
      'mnbvcxzlkjhgfd',
      'asdfghjkl asdfghjkl',
      '1qaz2wsx3edc',
      'zaq1xsw2cde3',
      '!@#$%^&*()!@',
      '1 2 3 4 5 6 7 8 9',
      'a           ',
      'あいうえおかきくけこさし',
      'ｱｲｳｴｵｶｷｸｹｺｻｼ',
      'いろはにほへとちりぬるを',
    ]) {
      expect(checkPasswordPolicy(password, context), password).toBe('error.password.common');
    }
  });

  it('refuses a unit shorter than 12 characters repeated', () => {
    for (const password of [
      'abcabcabcabc',
      '12121212121212',
      'xq7xq7xq7xq7x',
      'sakura2026sakura2026',
      'Sakura 2026 sakura 2026',
      '春よ来い春よ来い春よ来い',
    ]) {
      expect(checkPasswordPolicy(password, context), password).toBe('error.password.common');
    }
    // A unit of 12 or more characters, repeated, is as strong as the unit.
    expect(checkPasswordPolicy('long passphrase '.repeat(8).slice(0, 128), context)).toBeUndefined();
    expect(checkPasswordPolicy('tsukimi dango tsukimi dango', context)).toBeUndefined();
  });

  it('refuses passwords made only of white space or invisible characters', () => {
    for (const password of [
      ' '.repeat(12),
      '\u200b'.repeat(12),
      '\u3000'.repeat(12),
      '\u00a0'.repeat(12),
      '\u2800'.repeat(12),
      '\u3164'.repeat(12),
      ' \u200b\u200c\u200d\u2060\ufeff\u3000\u00ad\u180e\u2028\u2029\ufe0f',
    ]) {
      expect(checkPasswordPolicy(password, context), JSON.stringify(password)).toBe('error.password.blank');
    }
  });

  it('accepts good passphrases', () => {
    for (const password of [
      'Kakuninyou-Pass 2026!',
      '容量市場の春は桜が咲く2026',
      'correct horse battery staple',
      'a calm autumn evening 2026',
      'すべてひらがなのながいぱすわーど',
      'Ｆｕｌｌ－ｗｉｄｔｈ ｐａｓｓｐｈｒａｓｅ',
    ]) {
      expect(checkPasswordPolicy(password, context), password).toBeUndefined();
    }
  });

  it('refuses the user ID, the name and the local part of the mail address', () => {
    expect(checkPasswordPolicy('my u520008303 password', context)).toBe('error.password.containsUserId');
    expect(checkPasswordPolicy('一郎のパスワードですけれども', context)).toBe(
      'error.password.containsUserName',
    );
    expect(checkPasswordPolicy('事業者のパスワードですけれども', context)).toBe(
      'error.password.containsUserName',
    );
    expect(checkPasswordPolicy('x-ICHIRO.J-password', context)).toBe('error.password.containsEmail');
    // Full-width letters are the same letters (NFKC).
    expect(checkPasswordPolicy('ｉｃｈｉｒｏ.ｊ and more', context)).toBe('error.password.containsEmail');
  });
});
