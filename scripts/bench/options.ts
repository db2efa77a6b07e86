/** Command-line options of `npm run bench` (see docs/performance.md). */

export interface BenchOptions {
  /** Users spread over operators of ten (two admins, eight general users). */
  users: number;
  /** Seconds of each measured load (after its warm-up). */
  duration: number;
  /** Seconds of warm-up before each load, not measured. */
  warmup: number;
  connections: number;
  /** Where the JSON goes besides stdout; default bench-results.json in the run's directory. */
  json: string | undefined;
  /** Run the server under `node --cpu-prof`, measure only the list page and print where its time goes. */
  cpuProf: boolean;
  /** Keep the database (SQLite file or PostgreSQL database) after the run. */
  keepData: boolean;
  /** Use the dist/ already built (for iterating on the bench itself). */
  skipBuild: boolean;
  /** Seconds to wait, before each load, for other processes to go quiet (0: do not wait). */
  quietWait: number;
  /** Measurements made again when other processes disturbed them. */
  retries: number;
  /** Seconds the whole run may take; waits and retries stop short of it. */
  budget: number;
  /** Result files of earlier runs to compare (cost growth with the number of users). */
  compare: string[];
  help: boolean;
}

export const USAGE = `npm run bench -- [options]

  --users N          users in the database (default 100000): N/10 operators of 10 users
                     each, plus 11,990 deleted users of operator 0001
  --duration S       seconds per measured load (default 10)
  --warmup S         seconds of unmeasured warm-up before each load (default 2)
  --connections C    concurrent connections (default 16)
  --json FILE        also write the results here (default: bench-results.json in the run's
                     temporary directory)
  --cpu-prof         run the server under node --cpu-prof, load only GET /users and print the
                     top 15 functions by self time during that load
  --keep-data        keep the database after the run
  --skip-build       do not run npm run build first (dist/ must be current)
  --quiet-wait S     before each load, wait up to S seconds (default 20) for the machine's
                     other processes to use less than 0.2 cores; 0 does not wait
  --retries N        measure a load again, up to N times (default 2), when other processes
                     used more than 0.2 cores during it; the quietest attempt counts
  --budget S         seconds the whole run may take (default 270): waits and retries stop
                     early enough to finish within it
  --compare A.json B.json ...
                     print how each figure changes between earlier runs (no benchmark)

DATABASE_URL=postgres://… benchmarks PostgreSQL: a database cmus_bench_<random> is created on
that server and dropped at the end. Without it the embedded SQLite is used.`;

/** A wrong command line: reported by its message alone. */
export class UsageError extends Error {}

function positiveInteger(name: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text?.replaceAll('_', '').replaceAll(',', ''));
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be an integer from ${min} to ${max} (got ${text ?? 'nothing'})`);
  }
  return value;
}

export function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = {
    users: 100_000,
    duration: 10,
    warmup: 2,
    connections: 16,
    json: undefined,
    cpuProf: false,
    keepData: false,
    skipBuild: false,
    quietWait: 20,
    retries: 2,
    budget: 270,
    compare: [],
    help: false,
  };
  const args = [...argv];
  while (args.length > 0) {
    const arg = args.shift()!;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = () => inline ?? args.shift();
    switch (flag) {
      case '--users':
        options.users = positiveInteger('--users', value(), 1_000, 10_000_000);
        break;
      case '--duration':
        options.duration = positiveInteger('--duration', value(), 1, 300);
        break;
      case '--warmup':
        options.warmup = positiveInteger('--warmup', value(), 0, 60);
        break;
      case '--connections':
        options.connections = positiveInteger('--connections', value(), 1, 1_000);
        break;
      case '--json':
        options.json = value();
        if (!options.json) throw new UsageError('--json needs a file name');
        break;
      case '--cpu-prof':
        options.cpuProf = true;
        break;
      case '--keep-data':
        options.keepData = true;
        break;
      case '--quiet-wait':
        options.quietWait = positiveInteger('--quiet-wait', value(), 0, 600);
        break;
      case '--retries':
        options.retries = positiveInteger('--retries', value(), 0, 10);
        break;
      case '--budget':
        options.budget = positiveInteger('--budget', value(), 60, 3_600);
        break;
      case '--skip-build':
        options.skipBuild = true;
        break;
      case '--compare':
        if (inline) options.compare.push(inline);
        while (args.length > 0 && !args[0]!.startsWith('--')) options.compare.push(args.shift()!);
        if (options.compare.length === 0) throw new UsageError('--compare needs result files');
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  return options;
}
