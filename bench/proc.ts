// CPU and memory of processes from /proc, for the benchmarks (Linux only).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, or undefined once it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return undefined;
  }
}

export function rssMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Average CPU % of one core per process over a window. */
export async function measureCpu(pids: number[], seconds: number): Promise<Map<number, number>> {
  const before = new Map(pids.map((p) => [p, cpuSeconds(p)]));
  const t0 = process.hrtime.bigint();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
  const out = new Map<number, number>();
  for (const pid of pids) {
    const a = before.get(pid);
    const b = cpuSeconds(pid);
    if (a !== undefined && b !== undefined) out.set(pid, ((b - a) / elapsed) * 100);
  }
  return out;
}

export const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! : 0;
};
export const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Milliseconds of each of `n` calls, after 5 calls of warm-up. */
export async function timeIt(n: number, fn: () => Promise<unknown>, warmUp = 5): Promise<number[]> {
  for (let i = 0; i < warmUp; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** CPU seconds of PostgreSQL: the postmaster, its reaped children, and the live backends. */
export function postgresCpuSeconds(pid: number): number {
  const own = (p: number) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8');
      const x = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return (Number(x[11]) + Number(x[12]) + Number(x[13]) + Number(x[14])) / TICKS_PER_SECOND; // utime, stime, cutime, cstime
    } catch {
      return 0;
    }
  };
  const children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  return own(pid) + children.reduce((s, c) => s + own(c), 0);
}
