/**
 * The login floor: argon2id verifications alone at the app's parameters (a hash made by
 * src/features/auth/passwords.ts hashPassword: m = 19 MiB, t = 2, p = 1), in a process
 * of its own like the app, with as many verifications in flight as the load has
 * connections. They queue for libuv's threadpool (UV_THREADPOOL_SIZE, 4 by default) just
 * as the app's logins do, so verifies/s here is the most logins/s the app could answer.
 *
 *   tsx scripts/bench/argon2-floor.ts <seconds> <concurrency> [warm-up seconds]
 *     → prints `RESULT {"verifies":…,"seconds":…,"perSecond":…,"cpuMs":…}`
 */
import argon2 from 'argon2';
import { hashPassword } from '../../src/lib/passwords.js';
import { machineBusyMs } from './processes.js';

const seconds = Number(process.argv[2] ?? 10);
const concurrency = Number(process.argv[3] ?? 16);
const warmup = Number(process.argv[4] ?? 1);
const password = 'Bench-Kakunin 2026 capacity!';
const hash = await hashPassword(password);

/** `concurrency` loops of verifications until `ms` have passed; the count that finished in time. */
async function run(ms: number): Promise<{ verifies: number; seconds: number }> {
  const start = performance.now();
  const end = start + ms;
  let verifies = 0;
  const loop = async () => {
    while (performance.now() < end) {
      if (!(await argon2.verify(hash, password))) throw new Error('verification failed');
      if (performance.now() <= end) verifies += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { verifies, seconds: (Math.min(performance.now(), end) - start) / 1000 };
}

if (warmup > 0) await run(warmup * 1000);
const cpuBefore = process.cpuUsage();
const machineBefore = machineBusyMs();
const { verifies, seconds: measured } = await run(seconds * 1000);
const cpu = process.cpuUsage(cpuBefore);
const cpuMs = (cpu.user + cpu.system) / 1000;
// What the rest of the machine ran meanwhile (the bench process waits): noise.
const otherCores = Math.max(0, (machineBusyMs() - machineBefore - cpuMs) / 1000 / measured);
process.stdout.write(
  `RESULT ${JSON.stringify({
    verifies,
    seconds: measured,
    perSecond: verifies / measured,
    cpuMs,
    cores: cpuMs / 1000 / measured,
    otherCores,
    threadpool: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    concurrency,
  })}\n`,
);
