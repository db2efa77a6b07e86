/** One measured load with autocannon, and what it cost the server process. */
import autocannon from 'autocannon';
import { cpuMs, cpuMsBetween, cpuMsByName, machineBusyMs } from './processes.js';

export interface LoadSpec {
  title: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** The status every answer must have (200 for pages, 303 for a login). */
  expectStatus: number;
  connections: number;
  duration: number;
  warmup: number;
  /** The server's pid: its CPU time over the load gives the CPU cost of one request. */
  serverPid: number;
  /** Command name of a database server's processes (postgres), whose CPU is the request's too. */
  databaseProcess?: string;
}

export interface LoadResult {
  title: string;
  requests: number;
  seconds: number;
  perSecond: number;
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Answers with another status than expected, connection errors and timeouts. */
  unexpected: number;
  errors: number;
  statuses: Record<string, number>;
  /** Server CPU (user + system) per answered request, in ms. */
  serverCpuMsPerRequest: number;
  /** Server CPU over the wall time of the load: 1.0 is one core busy throughout. */
  serverCores: number;
  /** The same for the server's main thread alone: near 1.0, the event loop is the limit. */
  mainThreadBusy: number;
  /** CPU of the load generator (autocannon, in this process), in cores. */
  clientCores: number;
  /** CPU of the database server's processes (PostgreSQL), in cores; 0 for SQLite (in the server). */
  databaseCores: number;
  /** Database server CPU per answered request, in ms. */
  databaseCpuMsPerRequest: number;
  /** CPU of every other process of the machine during the load, in cores: noise. */
  otherCores: number;
  bytesPerResponse: number;
  /** Measurements made (more than one when other processes disturbed the first). */
  attempts?: number;
  /** process.hrtime of the load's start and end, in µs (the clock a .cpuprofile uses). */
  windowUs: [number, number];
}

function run(spec: LoadSpec, duration: number): Promise<autocannon.Result> {
  return autocannon({
    url: spec.url,
    method: spec.method ?? 'GET',
    headers: spec.headers ?? {},
    ...(spec.body === undefined ? {} : { body: spec.body }),
    connections: spec.connections,
    duration,
    timeout: 30,
  });
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

export async function measureLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmup > 0) await run(spec, spec.warmup);
  const databaseBefore = spec.databaseProcess ? cpuMsByName(spec.databaseProcess) : new Map<number, number>();
  const machineBefore = machineBusyMs();
  const selfBefore = process.cpuUsage();
  const cpuBefore = cpuMs(spec.serverPid);
  const mainBefore = cpuMs(spec.serverPid, true);
  const startUs = nowUs();
  const wallStart = performance.now();
  const result = await run(spec, spec.duration);
  const wallMs = performance.now() - wallStart;
  const endUs = nowUs();
  const cpu = cpuMs(spec.serverPid) - cpuBefore;
  const main = cpuMs(spec.serverPid, true) - mainBefore;
  const self = process.cpuUsage(selfBefore);
  const machine = machineBusyMs() - machineBefore;
  const database = spec.databaseProcess ? cpuMsBetween(databaseBefore, cpuMsByName(spec.databaseProcess)) : 0;
  const others = machine - cpu - database - (self.user + self.system) / 1000;

  const statuses: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statuses[code] = stat.count ?? 0;
  }
  const answered = Object.values(statuses).reduce((a, b) => a + b, 0);
  const expected = statuses[String(spec.expectStatus)] ?? 0;
  const requests = result.requests.total;
  return {
    title: spec.title,
    requests,
    seconds: result.duration,
    perSecond: requests / result.duration,
    latencyMs: {
      mean: result.latency.mean,
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
    unexpected: answered - expected + result.errors,
    errors: result.errors,
    statuses,
    serverCpuMsPerRequest: requests > 0 ? cpu / requests : Number.NaN,
    serverCores: cpu / wallMs,
    mainThreadBusy: main / wallMs,
    clientCores: (self.user + self.system) / 1000 / wallMs,
    databaseCores: database / wallMs,
    databaseCpuMsPerRequest: requests > 0 ? database / requests : Number.NaN,
    otherCores: Math.max(0, others / wallMs),
    bytesPerResponse: requests > 0 ? result.throughput.total / requests : 0,
    windowUs: [startUs, endUs],
  };
}
