import fs from 'node:fs';
import path from 'node:path';

/**
 * The layers of src/ and the direction of imports (docs/architecture.md): a folder may
 * import its own files and the layers below it, never one above or beside it. A feature's
 * sub-folders (the flows of users/) belong to its layer; a sub-folder imports its own files
 * and the feature's root files, never another sub-folder. A new import that points the
 * wrong way, or a cycle between folders, fails `npm test` (tests/architecture.test.ts) and
 * `npx tsx scripts/check-layers.ts`.
 */
export const LAYERS: string[][] = [
  ['lib'],
  ['config'],
  ['db'],
  ['web'],
  ['features/audit', 'features/mail'],
  ['features/users'],
  ['features/operators', 'features/auth'],
  ['features/account'],
  ['app'],
  ['server', 'cli'],
];

const rank = new Map<string, number>(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

/** The layer a source file belongs to: its folder under src/ (features/x for a feature). */
export function layerOf(file: string, srcRoot: string): string {
  const rel = path.relative(srcRoot, file).split(path.sep);
  if (rel.length === 1) return rel[0]!.replace(/(\.test)?\.(tsx?|js)$/, '');
  return rel[0] === 'features' ? `features/${rel[1]}` : rel[0]!;
}

/**
 * The sub-folder of a feature a file belongs to (`features/users/search/routes.tsx` →
 * `search`), or undefined for a file at the feature's root or outside features/.
 */
export function flowOf(file: string, srcRoot: string): string | undefined {
  const rel = path.relative(srcRoot, file).split(path.sep);
  return rel[0] === 'features' && rel.length > 3 ? rel[2] : undefined;
}

function sourceFiles(dir: string): string[] {
  const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  return entries.flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'|(?:^|\n)\s*import\s+'(\.[^']+)'/g;

export interface LayerViolation {
  file: string;
  imports: string;
  reason: string;
}

/** Every relative import of src/ that breaks the layering, with the reason. */
export function checkLayers(srcRoot: string): LayerViolation[] {
  const violations: LayerViolation[] = [];
  for (const file of sourceFiles(srcRoot)) {
    const from = layerOf(file, srcRoot);
    const fromRank = rank.get(from);
    if (fromRank === undefined) {
      violations.push({
        file,
        imports: '',
        reason: `folder ${from} has no layer in scripts/check-layers.ts`,
      });
      continue;
    }
    const text = fs.readFileSync(file, 'utf8');
    for (const match of text.matchAll(IMPORT)) {
      const spec = (match[1] ?? match[2])!;
      const target = path.resolve(path.dirname(file), spec);
      if (!target.startsWith(srcRoot + path.sep)) continue;
      const to = layerOf(target, srcRoot);
      if (to === from) {
        const [fromFlow, toFlow] = [flowOf(file, srcRoot), flowOf(target, srcRoot)];
        if (fromFlow && toFlow && fromFlow !== toFlow) {
          violations.push({
            file: path.relative(srcRoot, file),
            imports: spec,
            reason: `${from}/${fromFlow} imports ${to}/${toFlow}, another flow`,
          });
        }
        continue;
      }
      const toRank = rank.get(to);
      if (toRank === undefined || toRank >= fromRank) {
        violations.push({
          file: path.relative(srcRoot, file),
          imports: spec,
          reason:
            toRank === fromRank ? `${from} imports ${to}, beside it` : `${from} imports ${to}, above it`,
        });
      }
    }
  }
  return violations;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'src');
  const found = checkLayers(root);
  for (const v of found) console.log(`${v.file}: ${v.imports} — ${v.reason}`);
  console.log(found.length === 0 ? 'layers: every import points down' : `layers: ${found.length} violations`);
  process.exitCode = found.length === 0 ? 0 : 1;
}
