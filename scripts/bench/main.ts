/**
 * `npm run bench`: the performance issue's figures, each beside its floor measured in the
 * same run on the same machine (docs/performance.md).
 *
 *  1. builds the app (npm run build) and fills a fresh database (SQLite, or PostgreSQL
 *     when DATABASE_URL is set) with --users users, then ANALYZE;
 *  2. starts `node dist/src/server.js` as its own process and reads its idle RSS;
 *  3. logs in over HTTP as operator 0001's admin;
 *  4. loads, with autocannon (--connections, --duration, after --warmup): the static floor
 *     (plain Fastify serving the list page's bytes), GET /users, GET /users/<id>, the
 *     argon2id floor (verifications alone), POST /login; then the CSV export of 12,000
 *     rows in UTF-8 and CP932 (median of 5, and the server's RSS growth);
 *  5. prints the table and the JSON (also written to --json or the run's directory).
 *
 * The machine may be shared: before each measurement the bench waits (--quiet-wait) for
 * other processes to go quiet, records the CPU they used during it, measures again
 * (--retries) when they disturbed it, and warns when the figures are still unreliable;
 * waits and retries stay within --budget seconds.
 *
 * With --cpu-prof the server runs under `node --cpu-prof`, only GET /users is loaded, and
 * the top functions by self time during that load are printed.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BenchDatabase, createBenchDatabase, postgresVersion } from './database.js';
import { BENCH_ADMIN_ID, BENCH_ADMIN_PASSWORD, BENCH_OPERATOR, CSV_ROWS, fillDatabase } from './fill.js';
import { exportCsv, getPage, login, loginBody, loginForm } from './http.js';
import { type LoadResult, measureLoad } from './load.js';
import { parseOptions, USAGE, UsageError } from './options.js';
import {
  type AppServer,
  type Child,
  peakRssMb,
  ROOT,
  resetPeakRss,
  rssMb,
  scriptLine,
  spawnBenchScript,
  startAppServer,
  waitForQuiet,
} from './processes.js';
import { formatProfile, newestProfile, summariseProfile } from './profile.js';
import { type BenchResults, compareRuns, type Figure, formatLoads, formatTable } from './report.js';

const GOALS = {
  /** Throughput of a page as a share of the static floor. */
  pageShare: 0.15,
  listP99Ms: 15,
  /** Logins/s as a share of argon2id verifications/s. */
  loginShare: 0.85,
  csvMs: 250,
  csvRssGrowthMb: 32,
  idleRssMb: 150,
};
const CSV_REPETITIONS = 5;
/** CPU of other processes during a load above which the figures are flagged as unreliable. */
const NOISE_CORES = 0.2;

const log = (text: string) => process.stderr.write(`[bench] ${text}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** Everything started here is stopped or removed, on success, failure or Ctrl-C. */
const cleanups: (() => Promise<unknown>)[] = [];
async function cleanUp(): Promise<void> {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch (error) {
      log(`clean-up failed: ${String(error)}`);
    }
  }
}
function stopOnExit(child: Child): void {
  cleanups.push(() => child.stop());
}

function build(): void {
  log('npm run build');
  const result = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`npm run build failed:\n${result.stdout}\n${result.stderr}`);
  }
}

function packageVersion(name: string): string {
  const file = path.join(ROOT, 'node_modules', name, 'package.json');
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

function commit(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8' });
  return `${head.stdout.trim() || 'unknown'}${dirty.stdout.trim() ? ' + uncommitted changes in src/' : ''}`;
}

async function startFloorServer(pageFile: string): Promise<{ child: Child; url: string }> {
  const child = spawnBenchScript('floor-server.ts', [pageFile]);
  stopOnExit(child);
  const ready = await scriptLine<{ port: number }>(child, 'READY', 60_000);
  return { child, url: `http://127.0.0.1:${ready.port}` };
}

async function argon2Floor(duration: number, concurrency: number, warmup: number) {
  const child = spawnBenchScript('argon2-floor.ts', [
    String(duration),
    String(concurrency),
    String(Math.max(1, warmup)),
  ]);
  stopOnExit(child);
  const result = await scriptLine<NonNullable<BenchResults['argon2Floor']>>(
    child,
    'RESULT',
    (duration + warmup + 60) * 1000,
  );
  await child.stop();
  return result;
}

interface CsvSeries {
  encoding: 'utf8' | 'cp932';
  rows: number;
  bytes: number;
  firstMs: number;
  timesMs: number[];
  medianMs: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** Peak RSS during the first (cold) export over RSS before the series. */
  firstPeakGrowthMb: number;
  /** Peak RSS during the timed exports over RSS before the series. */
  timedPeakGrowthMb: number;
  /** The larger of the two: the figure. */
  peakGrowthMb: number;
  /** RSS after the series over RSS before it. */
  residentGrowthMb: number;
  peakMeasured: boolean;
}

/**
 * One encoding's exports: a first (cold) export, then CSV_REPETITIONS timed ones. RSS is
 * read from /proc before and after, and the peak (VmHWM, reset to the current RSS before
 * the first export and again before the timed ones) during each part: memory freed by
 * the end of an export was still needed while it ran, so the peak is the growth.
 */
async function csvSeries(
  server: AppServer,
  session: Awaited<ReturnType<typeof login>>,
  encoding: 'utf8' | 'cp932',
): Promise<CsvSeries> {
  const fields = { operatorCode: BENCH_OPERATOR, userId: '', userName: '', showDeleted: '1' };
  await sleep(500);
  const rssBeforeMb = rssMb(server.pid);
  const peakMeasured = resetPeakRss(server.pid);
  const peakGrowth = () => (peakMeasured ? peakRssMb(server.pid) : rssMb(server.pid)) - rssBeforeMb;
  const first = await exportCsv(server.baseUrl, session, fields, encoding);
  const firstPeakGrowthMb = peakGrowth();
  if (peakMeasured) resetPeakRss(server.pid);
  const timesMs: number[] = [];
  for (let i = 0; i < CSV_REPETITIONS; i++) {
    const d = await exportCsv(server.baseUrl, session, fields, encoding);
    if (d.rows !== first.rows || d.bytes !== first.bytes) throw new Error('CSV export changed between runs');
    timesMs.push(d.ms);
  }
  const timedPeakGrowthMb = peakGrowth();
  const rssAfterMb = rssMb(server.pid);
  return {
    encoding,
    rows: first.rows,
    bytes: first.bytes,
    firstMs: first.ms,
    timesMs,
    medianMs: median(timesMs),
    rssBeforeMb,
    rssAfterMb,
    firstPeakGrowthMb,
    timedPeakGrowthMb,
    peakGrowthMb: Math.max(firstPeakGrowthMb, timedPeakGrowthMb, rssAfterMb - rssBeforeMb),
    residentGrowthMb: rssAfterMb - rssBeforeMb,
    peakMeasured,
  };
}

function pageFigure(key: string, figure: string, load: LoadResult, floor: LoadResult): Figure {
  const ratio = load.perSecond / floor.perSecond;
  return {
    key,
    figure,
    value: load.perSecond,
    unit: 'req/s',
    detail: `p99 ${load.latencyMs.p99.toFixed(0)} ms`,
    floor: floor.perSecond,
    ratio,
    goal: `≥ ${GOALS.pageShare * 100} % of floor`,
    pass: load.unexpected === 0 && ratio >= GOALS.pageShare,
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (options.compare.length > 0) {
    process.stdout.write(`${compareRuns(options.compare)}\n`);
    return;
  }

  const runStarted = performance.now();
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cmus-bench-'));
  log(`run directory ${runDir}`);
  if (!options.skipBuild) build();
  // What was built (others may change src/ while the benchmark runs).
  const built = commit();

  const serverUrl = process.env.DATABASE_URL || undefined;
  const database: BenchDatabase = await createBenchDatabase(runDir, serverUrl);
  if (!options.keepData) cleanups.push(() => database.remove());
  log(`database: ${database.describe}`);

  log(`filling ${options.users.toLocaleString('en-US')} users …`);
  const store = await database.open();
  const filled = await fillDatabase(store, options.users);
  await store.close();
  log(
    `filled ${filled.totalUsers.toLocaleString('en-US')} users in ${(filled.fillMs / 1000).toFixed(1)} s, ` +
      `ANALYZE ${(filled.analyzeMs / 1000).toFixed(1)} s; operator ${BENCH_OPERATOR}: ${filled.liveIn0001} live, ` +
      `${filled.allIn0001} with deleted`,
  );
  if (filled.allIn0001 !== CSV_ROWS)
    throw new Error(`operator ${BENCH_OPERATOR} holds ${filled.allIn0001} users`);

  const profileDir = path.join(runDir, 'profile');
  if (options.cpuProf) fs.mkdirSync(profileDir);
  const server = await startAppServer({
    dataDir: database.dataDir,
    databaseUrl: database.databaseUrl,
    ...(options.cpuProf ? { cpuProfDir: profileDir } : {}),
  });
  stopOnExit(server);
  log(`server pid ${server.pid} at ${server.baseUrl}, ready in ${server.startMs.toFixed(0)} ms`);
  await sleep(2_000);
  const idleRssMb = rssMb(server.pid);

  const session = await login(server.baseUrl, BENCH_ADMIN_ID, BENCH_ADMIN_PASSWORD);
  const listPage = await getPage(server.baseUrl, '/users', session.cookie);
  const expected = `1 - ${filled.liveIn0001} 件 (全${filled.liveIn0001}件)`;
  if (!listPage.includes(expected)) throw new Error(`the list page does not show "${expected}"`);
  const detailPath = `/users/${filled.generalUserId}`;
  const detailPage = await getPage(server.baseUrl, detailPath, session.cookie);
  if (!detailPage.includes(filled.generalUserId)) throw new Error(`${detailPath} does not show the user`);
  const pageFile = path.join(runDir, 'users-page.html');
  fs.writeFileSync(pageFile, listPage);
  const listPageBytes = Buffer.byteLength(listPage);

  /** Seconds left of the run's time budget. */
  const left = () => options.budget - (performance.now() - runStarted) / 1000;
  /** What the measurements not yet made need at least: waits and retries leave this much. */
  const reserve = 6 * (options.warmup + options.duration + 2);
  /** Before each measurement: let other processes of the machine finish what they are doing. */
  const quiet = async (what: string) => {
    const wait = Math.min(options.quietWait, Math.max(0, left() - reserve));
    if (wait === 0) return;
    const q = await waitForQuiet(NOISE_CORES, wait * 1000);
    if (q.waitedMs > 1_500 || q.cores >= NOISE_CORES) {
      log(
        `${what}: waited ${(q.waitedMs / 1000).toFixed(0)} s for a quiet machine (busy ${q.cores.toFixed(2)} cores)`,
      );
    }
  };
  /**
   * A measurement, made again (up to --retries times, within the budget) when other
   * processes used more than NOISE_CORES during it; the quietest attempt counts.
   */
  const measured = async <T extends { otherCores: number; attempts?: number }>(
    what: string,
    run: () => Promise<T>,
  ): Promise<T> => {
    let best: T | undefined;
    for (let attempt = 1; ; attempt++) {
      await quiet(what);
      const result = await run();
      if (!best || result.otherCores < best.otherCores) best = result;
      best.attempts = attempt;
      if (result.otherCores <= NOISE_CORES || attempt > options.retries) break;
      if (left() < reserve + options.warmup + options.duration + 2) break;
      log(`${what}: other processes used ${result.otherCores.toFixed(2)} cores meanwhile; measuring again`);
    }
    return best;
  };
  const load = (title: string, url: string, extra: Partial<Parameters<typeof measureLoad>[0]> = {}) =>
    measured(title, () => {
      log(`load: ${title} (${options.warmup} s warm-up, ${options.duration} s measured)`);
      return measureLoad({
        title,
        url,
        expectStatus: 200,
        connections: options.connections,
        duration: options.duration,
        warmup: options.warmup,
        serverPid: server.pid,
        ...(database.kind === 'postgres' ? { databaseProcess: 'postgres' } : {}),
        ...extra,
      });
    });
  const authed = { headers: { cookie: session.cookie } };

  const figures: Figure[] = [];
  const loads: Record<string, LoadResult> = {};
  const results: Partial<BenchResults> = {};

  if (options.cpuProf) {
    loads.list = await load('GET /users (under --cpu-prof)', `${server.baseUrl}/users`, authed);
    figures.push({
      key: 'list',
      figure: 'GET /users (admin, default search) under the profiler',
      value: loads.list.perSecond,
      unit: 'req/s',
      detail: `p99 ${loads.list.latencyMs.p99.toFixed(0)} ms`,
      goal: 'not comparable: profiled',
      pass: undefined,
    });
    await server.stop();
    const file = newestProfile(profileDir);
    if (!file) throw new Error(`no .cpuprofile in ${profileDir}`);
    const summary = summariseProfile(file, loads.list.windowUs, 15);
    results.profile = summary;
    process.stdout.write(`${formatProfile(summary)}\n\n`);
  } else {
    const floor = await startFloorServer(pageFile);
    const floorTitle = 'static floor (plain Fastify, same bytes)';
    loads.floor = await measured(floorTitle, () => {
      log(`load: ${floorTitle} (${options.warmup} s warm-up, ${options.duration} s measured)`);
      return measureLoad({
        title: floorTitle,
        url: `${floor.url}/users`,
        expectStatus: 200,
        connections: options.connections,
        duration: options.duration,
        warmup: options.warmup,
        serverPid: floor.child.pid,
      });
    });
    await floor.child.stop();
    loads.list = await load('GET /users', `${server.baseUrl}/users`, authed);
    loads.detail = await load(`GET ${detailPath}`, `${server.baseUrl}${detailPath}`, authed);

    const argon2 = await measured('argon2id floor', () => {
      log(`argon2id floor: ${options.connections} verifications in flight for ${options.duration} s`);
      return argon2Floor(options.duration, options.connections, options.warmup);
    });
    results.argon2Floor = argon2;

    const form = await loginForm(server.baseUrl);
    loads.login = await load('POST /login', `${server.baseUrl}/login`, {
      method: 'POST',
      headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: loginBody(form, BENCH_ADMIN_ID, BENCH_ADMIN_PASSWORD),
      expectStatus: 303,
    });

    await quiet('CSV export');
    log(`CSV export of operator ${BENCH_OPERATOR} with deleted users: 1 + ${CSV_REPETITIONS} per encoding`);
    const utf8 = await csvSeries(server, session, 'utf8');
    const cp932 = await csvSeries(server, session, 'cp932');
    results.csv = { utf8, cp932 };
    await server.stop();

    figures.push(
      pageFigure('list', 'GET /users (admin, default search)', loads.list, loads.floor),
      {
        key: 'listP99',
        figure: 'GET /users p99 latency',
        value: loads.list.latencyMs.p99,
        unit: 'ms',
        floor: loads.floor.latencyMs.p99,
        goal: `≤ ${GOALS.listP99Ms} ms`,
        pass: loads.list.latencyMs.p99 <= GOALS.listP99Ms,
      },
      pageFigure('detail', 'GET /users/:id (general user)', loads.detail, loads.floor),
      {
        key: 'login',
        figure: 'POST /login (full)',
        value: loads.login.perSecond,
        unit: 'logins/s',
        detail: `p99 ${loads.login.latencyMs.p99.toFixed(0)} ms`,
        floor: argon2.perSecond,
        floorUnit: 'verifies/s',
        ratio: loads.login.perSecond / argon2.perSecond,
        goal: `≥ ${GOALS.loginShare * 100} % of floor`,
        pass: loads.login.unexpected === 0 && loads.login.perSecond / argon2.perSecond >= GOALS.loginShare,
      },
    );
    for (const series of [utf8, cp932]) {
      const name = series.encoding === 'utf8' ? 'UTF-8' : 'CP932';
      figures.push(
        {
          key: `csv-${series.encoding}`,
          figure: `CSV ${series.rows.toLocaleString('en-US')} rows ${name}: time (median of ${CSV_REPETITIONS})`,
          value: series.medianMs,
          unit: 'ms',
          detail: `first ${series.firstMs.toFixed(0)} ms`,
          goal: `≤ ${GOALS.csvMs} ms`,
          pass: series.rows === CSV_ROWS && series.medianMs <= GOALS.csvMs,
        },
        {
          key: `csv-${series.encoding}-rss`,
          figure: `CSV ${name}: server RSS growth (${series.peakMeasured ? 'peak' : 'after'})`,
          value: series.peakGrowthMb,
          unit: 'MB',
          detail: `first export ${series.firstPeakGrowthMb.toFixed(1)}, timed ${series.timedPeakGrowthMb.toFixed(1)}, after ${series.residentGrowthMb.toFixed(1)}`,
          goal: `≤ ${GOALS.csvRssGrowthMb} MB`,
          pass: series.peakGrowthMb <= GOALS.csvRssGrowthMb,
        },
      );
    }
    figures.push({
      key: 'idleRss',
      figure: 'idle RSS of the server after start',
      value: idleRssMb,
      unit: 'MB',
      goal: `≤ ${GOALS.idleRssMb} MB`,
      pass: idleRssMb <= GOALS.idleRssMb,
    });
  }

  await cleanUp();
  const cpus = os.cpus();
  const output: BenchResults = {
    meta: {
      date: new Date().toISOString(),
      store: database.kind === 'postgres' ? 'PostgreSQL' : 'SQLite (WAL, synchronous=FULL)',
      storeVersion:
        database.kind === 'postgres' && serverUrl
          ? await postgresVersion(serverUrl)
          : `better-sqlite3 ${packageVersion('better-sqlite3')}`,
      users: options.users,
      totalUserRows: filled.totalUsers,
      operators: filled.operators,
      connections: options.connections,
      durationSeconds: options.duration,
      warmupSeconds: options.warmup,
      node: process.version,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      commit: built,
      cpuProfile: options.cpuProf,
      fillSeconds: filled.fillMs / 1000,
      analyzeSeconds: filled.analyzeMs / 1000,
      serverStartMs: server.startMs,
      listPageBytes,
      runSeconds: (performance.now() - runStarted) / 1000,
    },
    figures,
    loads,
    ...results,
  };

  const m = output.meta;
  const heading =
    `${m.store}, ${m.users.toLocaleString('en-US')} users (${m.totalUserRows.toLocaleString('en-US')} rows, ` +
    `${m.operators.toLocaleString('en-US')} operators), ${m.connections} connections, ${m.durationSeconds} s per load; ` +
    `node ${m.node}, ${m.cpus} × ${m.cpuModel}; ${m.commit}`;
  const noisy = Object.values(loads)
    .filter((l) => l.otherCores > NOISE_CORES)
    .map((l) => `${l.title}: ${l.otherCores.toFixed(2)} cores`);
  if (results.argon2Floor && results.argon2Floor.otherCores > NOISE_CORES) {
    noisy.push(`argon2id floor: ${results.argon2Floor.otherCores.toFixed(2)} cores`);
  }
  const warning = noisy.length
    ? `\nWARNING: other processes ran during the measurements (${noisy.join('; ')}); run again on a quiet machine.\n`
    : '';
  process.stdout.write(`${heading}\n\n${formatTable(figures)}\n\n${formatLoads(loads)}\n${warning}\n`);
  const json = JSON.stringify(output, null, 2);
  process.stdout.write(`${json}\n`);
  const jsonFile = options.json ? path.resolve(options.json) : path.join(runDir, 'bench-results.json');
  fs.writeFileSync(jsonFile, `${json}\n`);
  log(`results written to ${jsonFile}; whole run ${m.runSeconds.toFixed(0)} s`);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    void cleanUp().finally(() => process.exit(130));
  });
}

try {
  await main();
} catch (error) {
  if (error instanceof UsageError) log(error.message);
  else log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await cleanUp();
  process.exitCode = 1;
}
