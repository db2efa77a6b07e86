/**
 * Child processes of the benchmark: the app (`node … dist/src/server.js` with the flags of
 * `npm start`), the floor server, the argon2 floor; and what /proc tells about them.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BENCH_DIR = path.join(ROOT, 'scripts/bench');

/**
 * The node flags of package.json's `start` script (`node <flags> dist/src/server.js`), so
 * the app runs here exactly as `npm start` runs it (the heap limit changes its memory use).
 */
export function startScriptNodeFlags(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const server = words.indexOf('dist/src/server.js');
  if (words[0] !== 'node' || server < 0) {
    throw new Error(`package.json's start script is not \`node … dist/src/server.js\`: ${pkg.scripts.start}`);
  }
  return words.slice(1, server);
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/**
 * User + system CPU time so far, in milliseconds, of a process (/proc/<pid>/stat) or, with
 * `mainThreadOnly`, of its main thread alone (/proc/<pid>/task/<pid>/stat): Node's event
 * loop, without the threadpool (argon2, file I/O), the GC helpers and the JIT threads.
 */
export function cpuMs(pid: number, mainThreadOnly = false): number {
  const stat = fs.readFileSync(
    mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`,
    'utf8',
  );
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond();
}

/**
 * CPU time all processes of the machine have used so far (/proc/stat: user, nice, system,
 * irq, softirq, steal), in milliseconds: with the benchmark's own processes taken away,
 * what others ran on the machine during a load.
 */
export function machineBusyMs(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return (
    (((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 1000) /
    ticksPerSecond()
  );
}

/**
 * CPU time so far, in ms, of every process whose command name is `name` (PostgreSQL's
 * server and backends are all `postgres`), by pid.
 */
export function cpuMsByName(name: string): Map<number, number> {
  const found = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (comm === name) found.set(Number(entry), cpuMs(Number(entry)));
    } catch {
      // The process ended meanwhile.
    }
  }
  return found;
}

/** CPU used between two cpuMsByName readings (a process that appeared counts from zero). */
export function cpuMsBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/**
 * Waits until the rest of the machine is quiet: CPU used by all processes over one
 * second, while the benchmark is idle between loads, below `cores`. Gives up after
 * `maxMs` (the run stays bounded) and returns the last reading, in cores.
 */
export async function waitForQuiet(
  cores: number,
  maxMs: number,
): Promise<{ cores: number; waitedMs: number }> {
  const started = performance.now();
  for (;;) {
    const before = machineBusyMs();
    const t = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const busy = (machineBusyMs() - before) / (performance.now() - t);
    const waitedMs = performance.now() - started;
    if (busy < cores || waitedMs >= maxMs) return { cores: busy, waitedMs };
  }
}

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]);
}

/** Resident set size now, in MB. */
export function rssMb(pid: number): number {
  return statusKb(pid, 'VmRSS') / 1024;
}

/** The peak resident set size since the last resetPeakRss (or the start), in MB. */
export function peakRssMb(pid: number): number {
  return statusKb(pid, 'VmHWM') / 1024;
}

/** Resets VmHWM to the current RSS (writing 5 to clear_refs); false where not allowed. */
export function resetPeakRss(pid: number): boolean {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface Child {
  process: ChildProcess;
  pid: number;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  tail(): string;
  /** SIGTERM, then SIGKILL after a grace period; resolves when it has exited. */
  stop(graceMs?: number): Promise<number | null>;
}

function track(child: ChildProcess, onLine: (line: string) => void): Child {
  const lines: string[] = [];
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      resolve(exitCode);
    });
  });
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let buffered = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        if (lines.length > 40) lines.shift();
        onLine(line);
        newline = buffered.indexOf('\n');
      }
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  if (child.pid === undefined) throw new Error('the child process did not start');
  return {
    process: child,
    pid: child.pid,
    tail: () => lines.join('\n'),
    async stop(graceMs = 15_000) {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Waits for a line matching `pattern`; rejects if the process exits or the time runs out. */
function waitForLine(child: ChildProcess, tracked: () => string, pattern: RegExp, timeoutMs: number) {
  return new Promise<RegExpExecArray>((resolve, reject) => {
    let done = false;
    const finish = (error: Error | undefined, match?: RegExpExecArray) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('close', onExit);
      if (error) reject(error);
      else resolve(match!);
    };
    let seen = '';
    const onData = (chunk: string | Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) finish(undefined, match);
    };
    const onExit = (code: number | null) =>
      finish(new Error(`process exited (code ${code}) before it was ready:\n${tracked()}`));
    const timer = setTimeout(
      () => finish(new Error(`process not ready after ${timeoutMs} ms:\n${tracked()}`)),
      timeoutMs,
    );
    child.stdout?.on('data', onData);
    // 'close', not 'exit': the output is read to its end first.
    child.once('close', onExit);
  });
}

export interface AppServer extends Child {
  baseUrl: string;
  /** The time from spawn to the banner (migrations, key load, listen), in ms. */
  startMs: number;
}

/**
 * The app as `npm start` runs it, on a port of its own, with the environment the brief
 * names: no mail worker, warnings only in the log, a login rate limit that a benchmark
 * does not reach.
 */
export async function startAppServer(options: {
  dataDir: string;
  databaseUrl: string | undefined;
  cpuProfDir?: string;
}): Promise<AppServer> {
  const nodeArgs = [
    ...startScriptNodeFlags(),
    ...(options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : []),
  ];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDir,
    MAIL_WORKER: 'false',
    LOG_LEVEL: 'warn',
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000000',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
  };
  const started = performance.now();
  const child = spawn(process.execPath, [...nodeArgs, 'dist/src/server.js'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tracked = track(child, (line) => {
    // Warnings and errors of the server are worth seeing; the banner is not.
    if (line.startsWith('{')) process.stderr.write(`[server] ${line}\n`);
  });
  try {
    const match = await waitForLine(
      child,
      tracked.tail,
      /ユーザ情報管理: https?:\/\/[^:/\s]+:(\d+)\/login/,
      60_000,
    );
    return { ...tracked, baseUrl: `http://127.0.0.1:${match[1]}`, startMs: performance.now() - started };
  } catch (error) {
    await tracked.stop(2_000);
    throw error;
  }
}

/**
 * A TypeScript script of this directory in a child process, run through tsx as this
 * process is (its loader flags are in process.execArgv).
 */
export function spawnBenchScript(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [...process.execArgv, path.join(BENCH_DIR, script), ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return track(child, () => {});
}

/** Waits for the script's `READY <json>` or `RESULT <json>` line and parses it. */
export async function scriptLine<T>(child: Child, tag: 'READY' | 'RESULT', timeoutMs: number): Promise<T> {
  const pattern = new RegExp(`^${tag} (.*)\n`, 'm');
  const match = await waitForLine(child.process, child.tail, pattern, timeoutMs);
  return JSON.parse(match[1]!) as T;
}
