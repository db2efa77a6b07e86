// Builds the browser bundles served under /assets/build/ (git ignores the folder): the
// password strength estimate with its dictionaries (browser/password-strength.js) and the
// passkey forms with @simplewebauthn/browser (browser/passkeys.js). Runs
// before `npm run build`, `npm start`, `npm run dev` and the tests (tests/setup).
// esbuild comes with tsx; no other tool is needed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'public', 'build');
const esbuild = path.join(root, 'node_modules', '.bin', 'esbuild');

const BUNDLES = [
  { entry: 'browser/password-strength.js', out: 'password-strength.js' },
  { entry: 'browser/passkeys.js', out: 'passkeys.js' },
];

export function buildAssets() {
  fs.mkdirSync(outDir, { recursive: true });
  for (const { entry, out } of BUNDLES) {
    // Written beside its final name and renamed: a server reading the folder (or a second
    // build running at the same time) never sees half a file.
    const tmp = path.join(outDir, `.${out}.${process.pid}.tmp`);
    execFileSync(
      esbuild,
      [
        path.join(root, entry),
        '--bundle',
        '--format=esm',
        '--target=es2020',
        '--minify',
        '--legal-comments=none',
        '--log-level=warning',
        `--outfile=${tmp}`,
      ],
      { stdio: 'inherit' },
    );
    fs.renameSync(tmp, path.join(outDir, out));
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAssets();
}
