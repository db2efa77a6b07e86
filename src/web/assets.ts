import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../lib/paths.js';

/** The folder served under /assets/ to everyone, signed in or not (the login page too). */
export const ASSETS_DIR = path.join(projectRoot(), 'public');

const versions = new Map<string, string>();

/**
 * The URL of an asset with a fingerprint of its content (`/assets/app.css?v=1a2b3c4d5e`):
 * a browser may keep it for a year, and a new release changes the URL.
 */
export function assetUrl(name: string): string {
  let version = versions.get(name);
  if (version === undefined) {
    const bytes = fs.readFileSync(path.join(ASSETS_DIR, name));
    version = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 10);
    versions.set(name, version);
  }
  return `/assets/${name}?v=${version}`;
}

/**
 * The URL of a built asset (public/build/, made by scripts/build-assets.mjs), or undefined
 * when it has not been built: the page then goes without what it adds (the password
 * strength hint) instead of failing. Only a found file's fingerprint is kept.
 */
export function builtAssetUrl(name: string): string | undefined {
  const file = `build/${name}`;
  if (!versions.has(file) && !fs.existsSync(path.join(ASSETS_DIR, file))) return undefined;
  return assetUrl(file);
}
