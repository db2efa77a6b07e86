import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveCsrfToken } from '../../src/features/auth/plugin.js';

const root = path.join(import.meta.dirname, '..', '..');

interface Running {
  child: ChildProcess;
  output: string;
  url: string;
}

/** Starts the server as `npm start` does (embedded SQLite in DATA_DIR) and waits for its banner. */
function startServer(dataDir: string): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'warn',
        DATABASE_URL: '',
        SMTP_URL: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /ユーザ情報管理: (http:\/\/\S+)\/login/.exec(output);
      // The banner ends with a blank line; wait for it so that the demo lines are in.
      if (m && /\n\n$/.test(output)) {
        clearTimeout(timer);
        resolve({ child, output, url: m[1]! });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
}

function stop(r: Running): Promise<void> {
  return new Promise((resolve) => {
    r.child.removeAllListeners('exit');
    r.child.once('exit', () => resolve());
    r.child.kill('SIGTERM');
  });
}

class Browser {
  cookies = new Map<string, string>();
  constructor(readonly base: string) {}
  async request(method: string, url: string, form?: Record<string, string>) {
    const headers: Record<string, string> = {
      cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    };
    let body: string | undefined;
    if (form) {
      const key = this.cookies.get('cmus_session') ?? this.cookies.get('cmus_pre') ?? '';
      body = new URLSearchParams({ ...form, _csrf: deriveCsrfToken(key) }).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(this.base + url, { method, headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [k, v] = pair!.split('=');
      if (v) this.cookies.set(k!, v);
      else this.cookies.delete(k!);
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }
}

describe('npm start on a fresh machine', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-start-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('migrates, seeds the demo, prints the URL and logins; a demo user logs in and must change the password', async () => {
    const first = await startServer(dataDir);
    try {
      expect(fs.existsSync(path.join(dataDir, 'user-management.sqlite'))).toBe(true);
      const logins = [...first.output.matchAll(/^ {2}(U\d{9}) +\S+ +(事業者 \S+) +([A-Za-z0-9]{16})$/gm)];
      expect(logins.map((m) => m[1])).toEqual(['U280003303', 'U280003304', 'U520008303', 'U040008304']);

      expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
      const browser = new Browser(first.url);
      expect((await browser.request('GET', '/login')).text).toContain('ログイン');
      const [, userId, , password] = logins[1]!;
      const login = await browser.request('POST', '/login', { userId: userId!, password: password! });
      expect(login.status).toBe(303);
      expect(login.location).toBe('/password');
      const changed = await browser.request('POST', '/password', {
        currentPassword: password!,
        newPassword: 'spring rain on the river 2026',
        confirmPassword: 'spring rain on the river 2026',
      });
      expect(changed.status).toBe(303);
      const top = await browser.request('GET', '/');
      expect(top.status).toBe(200);
      expect(top.text).toContain('ユーザ名: 事業者 花子');
    } finally {
      await stop(first);
    }

    const second = await startServer(dataDir);
    try {
      expect(second.output).not.toContain('Demo operator');
      expect(second.output).not.toMatch(/U280003303/);
    } finally {
      await stop(second);
    }
  });
});
