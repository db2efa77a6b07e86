/**
 * Benchmark of the user list's CSV export (SPEC §4.3, D-10) without the database:
 * 12,000 users with Japanese names and departments, in the route's batches of 500,
 * through the route's path — for CP932 the pre-check before the first byte, then
 * csvStream (row formatting, CSV text, encoding) read to the end.
 *
 *   npx tsx scripts/bench-csv.ts [--reps=10] [--profile] [--baseline=<git revision>]
 *
 * Each case runs in a child process of its own so that its RSS is its own:
 * `baseline` is src/features/users/search/csv.ts as committed at --baseline (HEAD unless given;
 * taken with git show, so name the commit before a change once it is committed),
 * `current` is the working tree's. Both must write byte-identical files.
 * --profile records each child's timed runs with V8's CPU profiler (the profiler
 * `node --cpu-prof` starts, here started and stopped through node:inspector so that module
 * loading and the warm-up stay out) and prints the top functions by self time; the
 * .cpuprofile files stay in the printed directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { User } from '../src/features/users/model.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = 12_000;
const BATCH = 500; // EXPORT_BATCH_SIZE, the route's batches
const OPERATOR_NAME = '株式会社エネルギー容量市場 関東支社';

type Encoding = 'utf8' | 'cp932';
type Variant = 'baseline' | 'current';
type Cell = { userId: string; column: string } | undefined;

/** What the bench uses of csv.ts, in both versions. */
interface CsvModule {
  csvStream(
    batches: AsyncIterable<User[]>,
    options: { operatorName: string; encoding: Encoding; onDone?: (rows: number) => Promise<void> },
  ): Readable;
  findUnencodableCell(user: User, operatorName: string): Cell;
}

const SURNAMES = [
  '佐藤',
  '鈴木',
  '髙橋',
  '田中',
  '伊藤',
  '渡辺',
  '山本',
  '中村',
  '小林',
  '加藤',
  '吉田',
  '山口',
];
const GIVEN = ['太郎', '花子', '一郎', '恵子', '翔太', '美咲', '健一', '由美', '大輔', '①郎', '真由美', '浩'];
const DEPARTMENTS = [
  '総合エネルギー事業部',
  '需給計画部 需給運用課',
  '電力取引部 第二グループ',
  '容量市場対応室',
  '経営企画本部～調整担当',
  'システム部, 基盤課',
  '営業本部 "法人" 営業部',
];

/** 12,000 users as searchUserBatches returns them; every value CP932 can hold. */
function buildUsers(): User[] {
  return Array.from({ length: ROWS }, (_, i): User => {
    const special = i % 997 === 0 ? '=HYPERLINK("x")' : i % 499 === 0 ? '-暫定' : '';
    return {
      userId: `U${String(i).padStart(9, '0')}`,
      operatorCode: '0001',
      role: i % 50 === 0 ? 'admin' : 'general',
      department: DEPARTMENTS[i % DEPARTMENTS.length]!,
      userName: `${special}${SURNAMES[i % SURNAMES.length]!} ${GIVEN[(i * 7) % GIVEN.length]!}`,
      phone: i % 3 === 0 ? null : `03-${String(1000 + (i % 9000))}-${String(i % 10000).padStart(4, '0')}`,
      email: `user${i}@example.co.jp`,
      enabled: i % 11 !== 0,
      validFrom: '2020-04-01',
      validTo: i % 5 === 0 ? '2027-03-31' : '9999-12-31',
      locked: i % 13 === 0,
      failedLoginCount: 0,
      deleted: i % 17 === 0,
      deletedAt: i % 17 === 0 ? '2026-01-01T00:00:00.000Z' : null,
      passwordIsTemporary: false,
      temporaryPasswordExpiresAt: null,
      version: 1,
      createdAt: '2026-04-01T00:00:00.000Z',
      updatedAt: '2026-04-01T00:00:00.000Z',
    };
  });
}

async function* batchesOf(users: User[]): AsyncGenerator<User[]> {
  for (let i = 0; i < users.length; i += BATCH) yield users.slice(i, i + BATCH);
}

/** csv.ts as committed at `revision`, its imports pointed back into the project, in a directory of its own. */
async function loadBaseline(revision: string): Promise<CsvModule> {
  // The file moved to the search flow's folder; a revision before the move has it at the root of users/.
  const folder = ['src/features/users/search', 'src/features/users'].find((dir) => {
    try {
      execFileSync('git', ['cat-file', '-e', `${revision}:${dir}/csv.ts`], { cwd: ROOT, stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!folder) throw new Error(`no csv.ts of the users CSV export at ${revision}`);
  const source = execFileSync('git', ['show', `${revision}:${folder}/csv.ts`], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const target = (specifier: string) => {
    if (specifier.startsWith('.')) {
      return pathToFileURL(join(ROOT, folder, specifier.replace(/\.js$/, '.ts'))).href;
    }
    return specifier.startsWith('node:') ? specifier : import.meta.resolve(specifier);
  };
  const rewritten = source.replace(/from '([^']+)'/g, (_, s: string) => `from '${target(s)}'`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-csv-baseline-'));
  const file = join(dir, 'csv.ts');
  writeFileSync(file, rewritten);
  try {
    return (await import(pathToFileURL(file).href)) as CsvModule;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function loadCurrent(): Promise<CsvModule> {
  return (await import('../src/features/users/search/csv.js')) as CsvModule;
}

/** One export as exportCsv does it: for CP932 its pre-check loop, then the stream read to the end. */
async function exportOnce(
  csv: CsvModule,
  users: User[],
  encoding: Encoding,
): Promise<{ digest: string; checkMs: number }> {
  const start = performance.now();
  if (encoding === 'cp932') {
    for await (const batch of batchesOf(users)) {
      let bad: Cell;
      for (const user of batch) {
        bad = csv.findUnencodableCell(user, OPERATOR_NAME);
        if (bad) break;
      }
      if (bad) throw new Error(`unexpected unencodable cell ${JSON.stringify(bad)}`);
    }
  }
  const checkMs = performance.now() - start;
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of csv.csvStream(batchesOf(users), { operatorName: OPERATOR_NAME, encoding })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { digest: `${hash.digest('hex').slice(0, 16)} (${bytes} bytes)`, checkMs };
}

/** RSS now, and the peak since the last reset (VmHWM, reset by writing 5 to clear_refs). */
function rss(): number {
  return process.memoryUsage.rss();
}
function resetPeak(): boolean {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}
function peakRss(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : process.resourceUsage().maxRSS * 1024;
}

const MB = 1024 * 1024;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

interface CaseResult {
  variant: Variant;
  encoding: Encoding;
  digest: string;
  firstMs: number;
  times: number[];
  /** The part of each time spent in the CP932 pre-check (exportCsv's loop before the stream). */
  checkTimes: number[];
  /** Peak RSS over RSS before, in MB: the first export (cold: JIT, codec tables) ... */
  firstGrowth: number;
  /** ... the largest of the timed exports, each measured from RSS after a GC ... */
  warmGrowth: number;
  /** ... and over the whole run, from RSS before the first export. */
  totalGrowth: number;
  peakReset: boolean;
}

async function runCase(
  variant: Variant,
  encoding: Encoding,
  reps: number,
  profileFile: string | undefined,
  baseline: string,
): Promise<CaseResult> {
  const csv = variant === 'baseline' ? await loadBaseline(baseline) : await loadCurrent();
  const users = buildUsers();
  gc();
  const rss0 = rss();
  const peakReset = resetPeak();
  let t = performance.now();
  const { digest } = await exportOnce(csv, users, encoding);
  const firstMs = performance.now() - t;
  const firstGrowth = (peakRss() - rss0) / MB;
  let totalGrowth = firstGrowth;
  await exportOnce(csv, users, encoding); // warm-up
  const session = profileFile ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const times: number[] = [];
  const checkTimes: number[] = [];
  let warmGrowth = 0;
  for (let i = 0; i < reps; i++) {
    if (!session) gc(); // a forced GC would show in the profile as the export's
    const before = rss();
    totalGrowth = Math.max(totalGrowth, (peakRss() - rss0) / MB);
    resetPeak();
    t = performance.now();
    const { digest: d, checkMs } = await exportOnce(csv, users, encoding);
    times.push(performance.now() - t);
    checkTimes.push(checkMs);
    const peak = peakRss();
    warmGrowth = Math.max(warmGrowth, (peak - before) / MB);
    totalGrowth = Math.max(totalGrowth, (peak - rss0) / MB);
    if (d !== digest) throw new Error('output changed between runs');
  }
  if (session && profileFile) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
    session.disconnect();
  }
  return {
    variant,
    encoding,
    digest,
    firstMs,
    times,
    checkTimes,
    firstGrowth,
    warmGrowth,
    totalGrowth,
    peakReset,
  };
}

/** The functions with the most self time in a .cpuprofile, as `ms  %  name  file:line`. */
function topFunctions(file: string, count: number): string[] {
  interface Node {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    hitCount?: number;
  }
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: Node[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)!.callFrame;
    const url = frame.url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '');
    // tsx compiles the project's .ts files, so their line numbers would be the compiled ones.
    const line = url.endsWith('.ts') ? '' : `:${frame.lineNumber + 1}`;
    const where = url
      ? ` ${url.replace(/^.*node_modules\//, '').replace(/^.*bench-csv-baseline-[^/]+\//, 'baseline:')}${line}`
      : '';
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    total += dt;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(
      ([k, us]) =>
        `${(us / 1000).toFixed(0).padStart(6)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`,
    );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const args = new Map(
    process.argv.slice(2).map((a) => {
      const [k, v] = a.replace(/^--/, '').split('=');
      return [k!, v ?? 'true'] as const;
    }),
  );
  const reps = Number(args.get('reps') ?? 10);
  const baseline = args.get('baseline') ?? 'HEAD';
  const only = args.get('case');
  if (only) {
    const [variant, encoding] = only.split(':') as [Variant, Encoding];
    const result = await runCase(variant, encoding, reps, args.get('profile'), baseline);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
    return;
  }

  const profile = args.has('profile');
  const profDir = profile ? mkdtempSync(join(tmpdir(), 'bench-csv-prof-')) : '';
  const script = fileURLToPath(import.meta.url);
  const results: CaseResult[] = [];
  const profiles: string[] = [];
  for (const variant of ['baseline', 'current'] as Variant[]) {
    for (const encoding of ['utf8', 'cp932'] as Encoding[]) {
      const file = join(profDir, `${variant}-${encoding}.cpuprofile`);
      const child = spawnSync(
        process.execPath,
        [
          ...process.execArgv,
          '--expose-gc',
          script,
          `--case=${variant}:${encoding}`,
          `--reps=${reps}`,
          `--baseline=${baseline}`,
          ...(profile ? [`--profile=${file}`] : []),
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
      const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (child.status !== 0 || !line) {
        throw new Error(`${variant}:${encoding} failed\n${child.stdout}\n${child.stderr}`);
      }
      results.push(JSON.parse(line.slice('RESULT '.length)) as CaseResult);
      if (profile) profiles.push(`${variant} ${encoding}:`, ...topFunctions(file, 12), '');
    }
  }

  const ms = (x: number, width = 7) => x.toFixed(1).padStart(width);
  console.log(
    `CSV export of ${ROWS} rows, ${reps} timed runs after a warm-up, each case in its own process; baseline: csv.ts at ${baseline}`,
  );
  console.log('                   time (ms)                                     peak RSS growth (MB)');
  console.log(
    'case              median    min    max  pre-check  first run    first run  one warm export  whole run',
  );
  for (const r of results) {
    const t = r.times;
    console.log(
      `${`${r.variant} ${r.encoding}`.padEnd(16)} ${ms(median(t))} ${ms(Math.min(...t), 6)} ${ms(Math.max(...t), 6)}` +
        ` ${ms(median(r.checkTimes), 10)}` +
        ` ${ms(r.firstMs, 10)} ${ms(r.firstGrowth, 12)} ${ms(r.warmGrowth, 16)} ${ms(r.totalGrowth, 10)}` +
        (r.peakReset ? '' : ' (peak RSS not resettable: process maximum)'),
    );
  }
  if (profile)
    console.log('(profiling: no forced GC before each run, so warm RSS figures are not comparable)');
  for (const encoding of ['utf8', 'cp932'] as Encoding[]) {
    const [a, b] = ['baseline', 'current'].map(
      (v) => results.find((r) => r.variant === v && r.encoding === encoding)!.digest,
    );
    console.log(`${encoding}: ${a === b ? 'identical output' : `OUTPUT DIFFERS: ${a} vs ${b}`} ${b}`);
  }
  if (profile) console.log(`\nTop functions by self time (profiles in ${profDir}):\n${profiles.join('\n')}`);
}

await main();
