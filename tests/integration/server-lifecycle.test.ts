import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.join(import.meta.dirname, '..', '..');
const DB_FILE = 'user-management.sqlite';

interface LogLine {
  level: number;
  time: number;
  msg: string;
  [key: string]: unknown;
}

/** The server as `npm start` runs it (embedded SQLite in DATA_DIR), its stdout a pipe (not a TTY). */
class ServerProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  url = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(dataDir: string, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: dataDir,
        PORT: '0',
        LOG_LEVEL: 'info',
        DATABASE_URL: '',
        SMTP_URL: '',
        SHUTDOWN_TIMEOUT_SECONDS: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => {
      this.stdout += c.toString();
    });
    this.child.stderr!.on('data', (c: Buffer) => {
      this.stderr += c.toString();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The stdout lines that are log lines (JSON objects); the banner's plain lines are left out. */
  logs(): LogLine[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  }

  /** Polls until `check` holds; fails with the output so far after `ms`. */
  async waitFor(what: string, check: () => boolean, ms = 30_000): Promise<void> {
    const until = Date.now() + ms;
    while (!check()) {
      if (!this.running) throw new Error(`server exited while waiting for ${what}:\n${this.output()}`);
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}:\n${this.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits for the whole banner (log lines may follow it at once, so its shape is matched). */
  async started(): Promise<void> {
    const banner =
      /\n容量市場システム ユーザ情報管理: (http:\/\/\S+)\/login\ndatabase: .*\nmail: .*\n(?:\nDemo operator .*\n(?: {2}U\d{9} .*\n)+)?\n/;
    await this.waitFor('the banner', () => banner.test(this.stdout));
    this.url = banner.exec(this.stdout)![1]!;
  }

  hasLog(msg: string): boolean {
    return this.logs().some((l) => l.msg === msg);
  }

  output(): string {
    return `--- stdout\n${this.stdout}\n--- stderr\n${this.stderr}`;
  }

  /** Resolves with the exit, or rejects if it takes longer than `ms`. */
  async exit(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; afterMs: number }> {
    const started = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`server still running after ${ms} ms:\n${this.output()}`)),
        ms,
      );
    });
    try {
      const result = await Promise.race([this.exited, timeout]);
      return { ...result, afterMs: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}

/**
 * A POST whose body is sent in two parts, so that the server has the request (and has
 * logged it) but cannot answer it before `finish()` sends the rest.
 */
function slowPost(url: string, pathname: string) {
  const body = 'userId=U280003303&password=not-the-password';
  const split = 10;
  const req = http.request(`${url}${pathname}`, {
    method: 'POST',
    agent: false,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
    },
  });
  const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.once('error', reject);
    });
    req.once('error', reject);
  });
  req.flushHeaders();
  req.write(body.slice(0, split));
  return {
    response,
    finish: () => req.end(body.slice(split)),
    abort: () => req.destroy(),
  };
}

/** True when a new connection to the server's port is refused (it stopped accepting). */
function refused(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(`${url}/healthz`, { agent: false }, (res) => {
      res.resume();
      resolve(false);
    });
    req.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

/** Polls an asynchronous check for up to `ms`; its last answer. */
async function eventually(check: () => Promise<boolean>, ms = 3_000): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 25));
  }
}

function openDatabase(dataDir: string) {
  return new SqliteDatabase(path.join(dataDir, DB_FILE), { fileMustExist: true });
}

/** Plain banner lines that the server writes to stdout for the person who started it. */
const BANNER = [
  /^$/,
  /^容量市場システム ユーザ情報管理: http:\/\/\S+\/login$/,
  /^database: /,
  /^mail: /,
  /^Demo operator /,
  /^ {2}U\d{9} /,
];

describe('server lifecycle (SIGTERM, logs)', () => {
  const dirs: string[] = [];
  const servers: ServerProcess[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-lifecycle-'));
    dirs.push(dir);
    return dir;
  };
  const start = async (dataDir: string, env?: Record<string, string>) => {
    const server = new ServerProcess(dataDir, env);
    servers.push(server);
    await server.started();
    return server;
  };
  afterAll(() => {
    for (const s of servers) s.kill();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('on SIGTERM stops accepting, finishes the request in flight, closes SQLite cleanly and exits 0; its logs are JSON', async () => {
    const dataDir = tempDir();
    const server = await start(dataDir);

    // A request just before the signal is answered as usual.
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

    const inFlight = slowPost(server.url, '/login');
    await server.waitFor('the POST to reach the server', () =>
      server
        .logs()
        .some((l) => l.msg === 'incoming request' && (l.req as { url?: string })?.url === '/login'),
    );

    server.child.kill('SIGTERM');
    await server.waitFor('"shutting down"', () => server.hasLog('shutting down'));
    // New connections are refused, but the process waits for the request it has.
    expect(await eventually(() => refused(server.url))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(server.running).toBe(true);
    expect(server.hasLog('stopped')).toBe(false);

    inFlight.finish();
    const answer = await inFlight.response;
    // Answered by the route (the login page again, or a redirect), not refused as "closing".
    expect(answer.status).not.toBe(503);
    expect(answer.status).toBeLessThan(500);
    expect(answer.text).not.toBe('');

    const exit = await server.exit(5_000);
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(server.stderr).not.toMatch(/error|warn/i);

    // The database was closed: SQLite checkpointed the WAL into the main file and removed it.
    expect(fs.existsSync(path.join(dataDir, `${DB_FILE}-wal`))).toBe(false);
    const db = openDatabase(dataDir);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.prepare('select count(*) as n from users').get()).toEqual({ n: 4 });
    } finally {
      db.close();
    }

    // stdout is a pipe here, not a terminal: every log line is one pino JSON object.
    expect(server.stdout).not.toContain('\u001b[');
    const plain = server.stdout
      .split('\n')
      .filter((l) => !l.startsWith('{'))
      .filter((l) => !BANNER.some((re) => re.test(l)));
    expect(plain).toEqual([]);
    const logs = server.logs();
    for (const line of logs) {
      expect(line).toEqual(
        expect.objectContaining({
          level: expect.any(Number),
          time: expect.any(Number),
          msg: expect.any(String),
        }),
      );
    }
    const messages = logs.map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining(['database migrated', 'incoming request', 'shutting down', 'stopped']),
    );
    expect(logs.find((l) => l.msg === 'shutting down')).toMatchObject({ level: 30, signal: 'SIGTERM' });
    expect(messages.indexOf('request completed', messages.indexOf('shutting down'))).toBeGreaterThan(-1);
    expect(messages.at(-1)).toBe('stopped');
  });

  it('a second signal exits at once (code 1) without waiting for the request in flight', async () => {
    const dataDir = tempDir();
    const server = await start(dataDir);
    const inFlight = slowPost(server.url, '/login');
    inFlight.response.catch(() => undefined);
    await server.waitFor('the POST to reach the server', () => server.hasLog('incoming request'));

    server.child.kill('SIGTERM');
    await server.waitFor('"shutting down"', () => server.hasLog('shutting down'));
    server.child.kill('SIGTERM');
    const exit = await server.exit(3_000);
    inFlight.abort();
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(server.hasLog('second signal: exiting without waiting')).toBe(true);
    expect(server.hasLog('stopped')).toBe(false);

    // Not closed, so the WAL is still there (the check in the test above means something);
    // every commit is in it, and the database opens and checks as ok.
    expect(fs.existsSync(path.join(dataDir, `${DB_FILE}-wal`))).toBe(true);
    const db = openDatabase(dataDir);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.prepare('select count(*) as n from users').get()).toEqual({ n: 4 });
    } finally {
      db.close();
    }
  });

  it('gives up after SHUTDOWN_TIMEOUT_SECONDS when a request never finishes (code 1)', async () => {
    const dataDir = tempDir();
    const server = await start(dataDir, { SHUTDOWN_TIMEOUT_SECONDS: '1' });
    const inFlight = slowPost(server.url, '/login');
    inFlight.response.catch(() => undefined);
    await server.waitFor('the POST to reach the server', () => server.hasLog('incoming request'));

    server.child.kill('SIGTERM');
    const exit = await server.exit(5_000);
    inFlight.abort();
    expect(exit).toMatchObject({ code: 1, signal: null });
    expect(exit.afterMs).toBeGreaterThanOrEqual(900);
    expect(server.hasLog('shutdown took too long: exiting')).toBe(true);
  });

  it('refuses an invalid SHUTDOWN_TIMEOUT_SECONDS at start with a readable message', async () => {
    const server = new ServerProcess(tempDir(), { SHUTDOWN_TIMEOUT_SECONDS: 'soon' });
    servers.push(server);
    const exit = await server.exit(30_000);
    expect(exit.code).toBe(1);
    expect(server.stderr).toContain('SHUTDOWN_TIMEOUT_SECONDS');
  });
});
