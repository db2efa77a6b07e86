import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayers } from '../scripts/check-layers.js';

/** docs/architecture.md: every import of src/ points down the layers; no folder cycle. */
describe('layers of src/', () => {
  it('every import points to the same folder or a layer below', () => {
    const src = path.resolve(import.meta.dirname, '..', 'src');
    expect(checkLayers(src)).toEqual([]);
  });

  it('would catch an import that points up or sideways', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-'));
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    write('lib/a.ts', "import { b } from '../features/users/b.js';\n");
    write('features/users/b.ts', "import type { C } from '../auth/c.js';\nexport const b = 1;\n");
    write('features/auth/c.ts', "import { d } from '../operators/d.js';\nexport type C = 1;\n");
    write('features/operators/d.ts', "import { b } from '../users/b.js';\nexport const d = 1;\n");
    write(
      'features/users/search/e.ts',
      "import { b } from '../b.js';\nimport { f } from '../delete/f.js';\n",
    );
    write('features/users/delete/f.ts', "import { b } from '../b.js';\nexport const f = b;\n");
    const found = checkLayers(root).map((v) => `${v.file} ${v.reason}`);
    expect(found).toEqual([
      'features/auth/c.ts features/auth imports features/operators, beside it',
      'features/users/b.ts features/users imports features/auth, above it',
      'features/users/search/e.ts features/users/search imports features/users/delete, another flow',
      'lib/a.ts lib imports features/users, above it',
    ]);
    fs.rmSync(root, { recursive: true });
  });
});
