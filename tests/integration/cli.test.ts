import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { openTestStore, type StoreKind, storeKinds } from '../helpers/stores.js';

/** Runs the command-line tool in-process against a given store, capturing what it prints. */
async function cli(env: Record<string, string>, ...argv: string[]): Promise<{ code: number; out: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    return { code: await runCli(argv), out };
  } finally {
    spy.mockRestore();
    process.env = saved;
  }
}

describe.each(storeKinds)('command-line tool on $kind', ({ kind, skip }) => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    if (skip) return;
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-cli-'));
    env = { DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    if ((kind as StoreKind) === 'postgres') {
      // A database of its own; the CLI migrates it itself.
      const store = await openTestStore('postgres');
      env.DATABASE_URL = store.url!;
      cleanup = () => store.drop();
    } else {
      cleanup = async () => fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it.skipIf(skip)('migrates, seeds the demo once, adds and lists operators', async () => {
    expect((await cli(env, 'migrate')).code).toBe(0);

    const seeded = await cli(env, 'seed-demo');
    expect(seeded.code).toBe(0);
    for (const id of ['U280003303', 'U280003304', 'U520008303', 'U040008304']) {
      expect(seeded.out).toMatch(new RegExp(`${id} .*仮パスワード: [A-Za-z0-9]{16}`));
    }
    const again = await cli(env, 'seed-demo');
    expect(again.code).toBe(1);
    expect(again.out).toContain('only into an empty database');

    const args = [
      'operator',
      'add',
      '--code',
      'A1B2',
      '--name',
      '株式会社エービー',
      '--admin1-name',
      '管理 一号',
      '--admin1-department',
      '需給部',
      '--admin1-email',
      'one@ab.example.jp',
      '--admin2-name',
      '管理 二号',
      '--admin2-department',
      '需給部',
      '--admin2-email',
      'two@ab.example.jp',
    ];
    const added = await cli(env, ...args);
    expect(added.code).toBe(0);
    expect(added.out).toContain('created operator A1B2 株式会社エービー');
    expect(added.out.match(/admin U\d{9} /g)).toHaveLength(2);
    // Temporary passwords are mailed, not printed, unless asked for.
    expect(added.out).not.toContain('仮パスワード');

    const duplicate = await cli(env, ...args);
    expect(duplicate.code).toBe(1);
    expect(duplicate.out).toContain('already exists');

    const invalid = await cli(
      env,
      ...args.map((a) => (a === 'A1B2' ? 'ab' : a === 'two@ab.example.jp' ? 'not-mail' : a)),
    );
    expect(invalid.code).toBe(2);
    expect(invalid.out).toContain('invalid operatorCode: error.field.operatorCode');
    expect(invalid.out).toContain('invalid admins.1.email: error.field.email');

    const list = await cli(env, 'operator', 'list');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/0001\t株式会社0001\t4\t/);
    expect(list.out).toMatch(/A1B2\t株式会社エービー\t2\t/);
    expect(list.out).toContain('2 operator(s)');
  });

  it.skipIf(skip)('explains its usage and refuses unknown commands', async () => {
    expect((await cli(env, 'help')).out).toContain('operator add');
    const unknown = await cli(env, 'frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('Unknown command: frobnicate');
  });
});
