/**
 * Reads the .cpuprofile that `node --cpu-prof` wrote for the server: the functions with
 * the most self time, and the time by where the code lives (the project, each package,
 * Node's internals, the garbage collector, idle). Only the samples taken during the
 * measured load count: a .cpuprofile's timestamps are CLOCK_MONOTONIC microseconds, the
 * clock of process.hrtime, so the bench's load window selects them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './processes.js';

interface ProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  /** Milliseconds of samples counted (the load window, or the whole profile). */
  sampledMs: number;
  /** False when the window did not overlap the profile and every sample was counted. */
  windowed: boolean;
  top: ProfileEntry[];
  byArea: ProfileEntry[];
  /**
   * Time in a function and everything it called (synchronously: a profile has no async
   * stacks), for the project's functions and the query layer's entry points.
   */
  inclusive: ProfileEntry[];
}

/** Frames worth an inclusive figure besides the project's own: where SQL is compiled and run. */
const INCLUSIVE_FRAMES = /^(executeQuery|compileQuery|prepare|renderToString)$/;

/** Where a function lives: `dist/src/…:line`, a package name, `node:internal`, or a V8 pseudo-frame. */
function location(frame: ProfileNode['callFrame']): { where: string; area: string } {
  const url = frame.url.replace(/^file:\/\//, '');
  if (!url) {
    const pseudo = frame.functionName.startsWith('(') ? frame.functionName : '(native)';
    return { where: '', area: pseudo };
  }
  const line = `:${frame.lineNumber + 1}`;
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (inModules) return { where: `${inModules[1]}/${inModules[2]}${line}`, area: inModules[1]! };
  if (url.startsWith('node:')) return { where: `${url}${line}`, area: 'node (internals)' };
  const relative = path.relative(ROOT, url);
  if (!relative.startsWith('..')) {
    const area = relative.startsWith('dist/src/')
      ? `app ${path.dirname(relative.slice('dist/src/'.length))}/`
      : relative;
    return { where: `${relative}${line}`, area };
  }
  return { where: `${url}${line}`, area: url };
}

export function newestProfile(dir: string): string | undefined {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
}

export function summariseProfile(
  file: string,
  windowUs: [number, number] | undefined,
  count = 15,
): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const inWindow = (t: number) => !windowUs || (t >= windowUs[0] && t <= windowUs[1]);
  let windowed = windowUs !== undefined && profile.startTime < windowUs[1] && profile.endTime > windowUs[0];
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  const tally = (useWindow: boolean) => {
    const self = new Map<string, { name: string; where: string; us: number }>();
    const inclusive = new Map<string, { name: string; where: string; us: number }>();
    const areas = new Map<string, number>();
    let total = 0;
    let t = profile.startTime;
    profile.samples.forEach((id, i) => {
      const dt = profile.timeDeltas[i] ?? 0;
      t += dt;
      if (useWindow && !inWindow(t)) return;
      const frame = nodes.get(id)!.callFrame;
      const { where, area } = location(frame);
      const name = frame.functionName || '(anonymous)';
      const key = `${name} ${where}`;
      const entry = self.get(key) ?? { name, where, us: 0 };
      entry.us += dt;
      self.set(key, entry);
      areas.set(area, (areas.get(area) ?? 0) + dt);
      total += dt;
      const seen = new Set<string>();
      for (let n: number | undefined = id; n !== undefined; n = parents.get(n)) {
        const f = nodes.get(n)!.callFrame;
        const at = location(f).where;
        if (!at.startsWith('dist/src/') && !INCLUSIVE_FRAMES.test(f.functionName)) continue;
        const k = `${f.functionName || '(anonymous)'} ${at}`;
        if (seen.has(k)) continue;
        seen.add(k);
        const e = inclusive.get(k) ?? { name: f.functionName || '(anonymous)', where: at, us: 0 };
        e.us += dt;
        inclusive.set(k, e);
      }
    });
    return { self, inclusive, areas, total };
  };
  let counted = tally(windowed);
  if (counted.total === 0) {
    windowed = false;
    counted = tally(false);
  }
  const { self, inclusive, areas, total } = counted;
  const entry = (name: string, where: string, us: number): ProfileEntry => ({
    name,
    where,
    selfMs: us / 1000,
    percent: total > 0 ? (100 * us) / total : 0,
  });
  return {
    file,
    sampledMs: total / 1000,
    windowed,
    top: [...self.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, count)
      .map((e) => entry(e.name, e.where, e.us)),
    byArea: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => entry(area, '', us)),
    inclusive: [...inclusive.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, count)
      .map((e) => entry(e.name, e.where, e.us)),
  };
}

export function formatProfile(summary: ProfileSummary, areas = 15): string {
  const lines = [
    `CPU profile of the server: ${summary.file}`,
    `${summary.windowed ? 'samples during the measured load only' : 'all samples (the load window was not found)'}: ${summary.sampledMs.toFixed(0)} ms`,
    '',
    `Top ${summary.top.length} functions by self time:`,
    '   self ms      %  function  (location)',
  ];
  for (const e of summary.top) {
    lines.push(
      `${e.selfMs.toFixed(0).padStart(10)} ${e.percent.toFixed(1).padStart(6)}  ${e.name}${e.where ? `  (${e.where})` : ''}`,
    );
  }
  lines.push('', 'Self time by where the code lives:', '   self ms      %  area');
  for (const e of summary.byArea.slice(0, areas)) {
    lines.push(`${e.selfMs.toFixed(0).padStart(10)} ${e.percent.toFixed(1).padStart(6)}  ${e.name}`);
  }
  lines.push(
    '',
    'Inclusive time (the function and what it called synchronously) of the project and the query layer:',
    '   incl ms      %  function  (location)',
  );
  for (const e of summary.inclusive) {
    lines.push(
      `${e.selfMs.toFixed(0).padStart(10)} ${e.percent.toFixed(1).padStart(6)}  ${e.name}${e.where ? `  (${e.where})` : ''}`,
    );
  }
  return lines.join('\n');
}
