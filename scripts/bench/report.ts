/** The benchmark's table, its JSON, and the comparison of several runs. */
import fs from 'node:fs';
import type { LoadResult } from './load.js';

export interface Figure {
  /** Stable key for comparisons. */
  key: string;
  figure: string;
  value: number;
  unit: string;
  /** Extra text after the value (a p99, a row count). */
  detail?: string;
  floor?: number;
  floorUnit?: string;
  /** value / floor (for throughputs, higher is better). */
  ratio?: number;
  goal: string;
  pass: boolean | undefined;
}

export interface BenchResults {
  meta: {
    date: string;
    store: string;
    storeVersion: string;
    users: number;
    totalUserRows: number;
    operators: number;
    connections: number;
    durationSeconds: number;
    warmupSeconds: number;
    node: string;
    cpus: number;
    cpuModel: string;
    commit: string;
    cpuProfile: boolean;
    fillSeconds: number;
    analyzeSeconds: number;
    serverStartMs: number;
    listPageBytes: number;
    runSeconds: number;
  };
  figures: Figure[];
  loads: Record<string, LoadResult>;
  argon2Floor?: {
    verifies: number;
    seconds: number;
    perSecond: number;
    cpuMs: number;
    cores: number;
    otherCores: number;
    threadpool: number;
    attempts?: number;
  };
  csv?: Record<string, unknown>;
  profile?: unknown;
}

const group = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function number(n: number, unit: string): string {
  if (!Number.isFinite(n)) return '—';
  const digits = unit === 'ms' ? (n < 10 ? 1 : 0) : unit === 'MB' ? 1 : 0;
  return `${group(n, digits)} ${unit}`;
}

export function formatTable(figures: Figure[]): string {
  const rows = figures.map((f) => [
    f.figure,
    `${number(f.value, f.unit)}${f.detail ? ` (${f.detail})` : ''}`,
    f.floor === undefined ? '—' : number(f.floor, f.floorUnit ?? f.unit),
    f.ratio === undefined ? '—' : `${(100 * f.ratio).toFixed(1)} %`,
    f.goal,
    f.pass === undefined ? '—' : f.pass ? 'pass' : 'FAIL',
  ]);
  const header = ['figure', 'value', 'floor', 'ratio', 'goal', 'pass/fail'];
  return markdownTable(header, rows);
}

/** A Markdown table (readable as text, and pasted as is into docs/performance.md). */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c + ' '.repeat(widths[i]! - width(c))).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

/** Display width: East Asian wide characters take two columns. */
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

export function formatLoads(loads: Record<string, LoadResult>): string {
  const rows = Object.values(loads).map((l) => [
    l.title,
    group(l.perSecond),
    `${l.latencyMs.p50.toFixed(1)} / ${l.latencyMs.p99.toFixed(1)} / ${l.latencyMs.max.toFixed(0)}`,
    l.serverCpuMsPerRequest.toFixed(3),
    l.serverCores.toFixed(2),
    (l.mainThreadBusy ?? Number.NaN).toFixed(2),
    l.databaseCores ? `${l.databaseCores.toFixed(2)} (${l.databaseCpuMsPerRequest.toFixed(3)} ms/req)` : '—',
    (l.clientCores ?? Number.NaN).toFixed(2),
    (l.otherCores ?? Number.NaN).toFixed(2),
    group(l.bytesPerResponse),
    `${group(l.requests)}${(l.attempts ?? 1) > 1 ? ` (quietest of ${l.attempts})` : ''}${l.unexpected > 0 ? ` (${l.unexpected} unexpected: ${JSON.stringify(l.statuses)}, ${l.errors} errors)` : ''}`,
  ]);
  return markdownTable(
    [
      'load',
      'req/s',
      'latency p50 / p99 / max ms',
      'server CPU ms/req',
      'server cores',
      'main thread',
      'PostgreSQL cores',
      'client cores',
      'other processes, cores',
      'bytes/resp',
      'requests',
    ],
    rows,
  );
}

/**
 * How each figure changes across runs (e.g. 10,000, 100,000 and 1,000,000 users): the
 * value at each size and the cost of the largest run over the smallest's. For a
 * throughput the cost is its inverse (time per request), so 1.5× means 1.5 times slower.
 */
export function compareRuns(files: string[]): string {
  const runs = files
    .map((f) => JSON.parse(fs.readFileSync(f, 'utf8')) as BenchResults)
    .sort((a, b) => a.meta.users - b.meta.users);
  const first = runs[0]!;
  const last = runs[runs.length - 1]!;
  const keys = first.figures
    .map((f) => f.key)
    .filter((k) => runs.every((r) => r.figures.some((f) => f.key === k)));
  const rows = keys.map((key) => {
    const values = runs.map((r) => r.figures.find((f) => f.key === key)!);
    const a = values[0]!;
    const b = values[values.length - 1]!;
    const higherIsBetter = /\/s$/.test(a.unit);
    const growth = higherIsBetter ? a.value / b.value : b.value / a.value;
    const isCost = higherIsBetter || a.unit === 'ms';
    return [
      a.figure,
      ...values.map((v) => number(v.value, v.unit)),
      `${growth.toFixed(2)}×`,
      isCost ? (growth <= 1.5 ? 'pass' : 'FAIL') : '—',
    ];
  });
  const cpuRows = Object.keys(first.loads)
    .filter((k) => runs.every((r) => r.loads[k]))
    .map((k) => {
      const v = runs.map((r) => r.loads[k]!.serverCpuMsPerRequest);
      const growth = v[v.length - 1]! / v[0]!;
      return [
        `${first.loads[k]!.title}: server CPU per request`,
        ...v.map((x) => `${x.toFixed(3)} ms`),
        `${growth.toFixed(2)}×`,
        growth <= 1.5 ? 'pass' : 'FAIL',
      ];
    });
  const header = [
    'figure',
    ...runs.map((r) => `${group(r.meta.users)} users`),
    `cost ${group(last.meta.users)} / ${group(first.meta.users)}`,
    '≤ 1.5×',
  ];
  return [
    `${first.meta.store.split(' ')[0]}: cost growth from ${group(first.meta.users)} to ${group(last.meta.users)} users (time per request for throughputs)`,
    markdownTable(header, [...rows, ...cpuRows]),
  ].join('\n');
}
