import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** The browser bundles (public/build/) the pages link to, built once per run as `npm run build` does. */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [path.join(root, 'scripts', 'build-assets.mjs')], { stdio: 'inherit' });
}
