import fs from 'node:fs';
import path from 'node:path';
import { messages } from '../lib/messages.js';
import { projectRoot } from '../lib/paths.js';

/** docs/messages.md: the project's message list (SPEC D-7), generated from the catalog. */
export function renderMessageList(): string {
  const lines = [
    '# メッセージ一覧 (message list)',
    '',
    'Generated from `src/lib/messages.ts` by `npm run cli -- messages`; a test fails when the two differ.',
    'Screens show each message as `ID : text`. `{name}` is filled in at run time.',
    '',
    '| ID | メッセージ |',
    '|---|---|',
  ];
  for (const [id, text] of Object.entries(messages)) {
    lines.push(`| \`${id}\` | ${text.replaceAll('|', '\\|')} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function writeMessageList(): string {
  const file = path.join(projectRoot(), 'docs', 'messages.md');
  fs.writeFileSync(file, renderMessageList());
  return file;
}
