// Drives simulated gateway nodes (scripts/cluster-sim-node.ts) against a real
// PostgreSQL: spawns and kills them, follows which node runs which channel
// from their start/stop lines, and checks that no channel ever ran on two
// nodes at once (by the real-time stamps, in order, across all nodes).
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

export interface SimEvent {
  node: string;
  t: number;
  ev: 'start' | 'stop' | 'lost' | 'ready' | 'stats' | 'left';
  ch?: string;
  [k: string]: unknown;
}

export interface SimNode {
  id: string;
  proc: ChildProcess;
  stderr: () => string;
  lastStats?: SimEvent;
}

export const realNow = () => performance.timeOrigin + performance.now();

export class ClusterSim {
  readonly events: SimEvent[] = [];
  readonly nodes = new Map<string, SimNode>();
  /** channel → nodes running it now, as the lines arrive. */
  readonly runningOn = new Map<string, Set<string>>();

  constructor(private readonly pgUrl: string, private readonly opts: { channels: number; ttlMs: number; tickMs: number; startMs?: number }) {}

  spawnNode(id: string, extra: { capacity?: number; pgUrl?: string; nodeArgs?: string[] } = {}): SimNode {
    const args = ['--import', 'tsx', ...(extra.nodeArgs ?? []), 'scripts/cluster-sim-node.ts', '--pg', extra.pgUrl ?? this.pgUrl, '--node', id,
      '--channels', String(this.opts.channels), '--ttl', String(this.opts.ttlMs), '--tick', String(this.opts.tickMs), '--start-ms', String(this.opts.startMs ?? 20),
      ...(extra.capacity ? ['--capacity', String(extra.capacity)] : [])];
    const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-10_000)));
    const node: SimNode = { id, proc, stderr: () => err };
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      const e = JSON.parse(line) as SimEvent;
      if (e.ev === 'stats') node.lastStats = e;
      else this.events.push(e);
      if (e.ev === 'start') (this.runningOn.get(e.ch!) ?? this.runningOn.set(e.ch!, new Set()).get(e.ch!)!).add(id);
      if (e.ev === 'stop') this.runningOn.get(e.ch!)?.delete(id);
    });
    this.nodes.set(id, node);
    return node;
  }

  /** kill -9: the node's channels are still "running" in our view until another node starts them. */
  kill(id: string): number {
    const node = this.nodes.get(id)!;
    node.proc.kill('SIGKILL');
    const at = realNow();
    this.events.push({ node: id, t: at, ev: 'left' });
    for (const [, set] of this.runningOn) set.delete(id);
    this.nodes.delete(id);
    return at;
  }

  async stop(id: string): Promise<void> {
    const node = this.nodes.get(id)!;
    const exited = new Promise((r) => node.proc.once('exit', r));
    node.proc.kill('SIGTERM');
    await exited;
    this.nodes.delete(id);
  }

  async closeAll(): Promise<void> {
    for (const id of [...this.nodes.keys()]) this.kill(id);
  }

  /** Channels running per node now. */
  counts(): Map<string, number> {
    const m = new Map<string, number>([...this.nodes.keys()].map((id) => [id, 0]));
    for (const [, set] of this.runningOn) for (const n of set) m.set(n, (m.get(n) ?? 0) + 1);
    return m;
  }

  /** Every channel runs on exactly one node and the live nodes' counts differ by at most `spread`. */
  settled(spread = 1): boolean {
    let owned = 0;
    for (const [, set] of this.runningOn) {
      if (set.size > 1) return false;
      if (set.size === 1) owned++;
    }
    const c = [...this.counts().values()];
    return owned === this.opts.channels && c.length > 0 && Math.max(...c) - Math.min(...c) <= spread;
  }

  async waitSettled(timeoutMs: number, spread = 1): Promise<number> {
    const t0 = realNow();
    while (!this.settled(spread)) {
      if (realNow() - t0 > timeoutMs) throw new Error(`not settled after ${timeoutMs} ms: ${JSON.stringify(Object.fromEntries(this.counts()))}; ${[...this.nodes.values()].map((n) => n.stderr()).join('\n')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return realNow() - t0;
  }

  /**
   * Overlaps in the whole history: a channel started on a node while another
   * still ran it (a killed node runs nothing from the moment it is killed).
   */
  doubleOwnership(): Array<{ ch: string; at: number; nodes: string[] }> {
    const sorted = [...this.events].sort((a, b) => a.t - b.t);
    const on = new Map<string, Set<string>>();
    const found: Array<{ ch: string; at: number; nodes: string[] }> = [];
    for (const e of sorted) {
      if (e.ev === 'left') for (const [, set] of on) set.delete(e.node);
      if (!e.ch) continue;
      const set = on.get(e.ch) ?? on.set(e.ch, new Set()).get(e.ch)!;
      if (e.ev === 'start') {
        if (set.size && !set.has(e.node)) found.push({ ch: e.ch, at: e.t, nodes: [...set, e.node] });
        set.add(e.node);
      }
      if (e.ev === 'stop') set.delete(e.node);
    }
    return found;
  }

  async waitReady(id: string, timeoutMs = 30_000): Promise<void> {
    const t0 = Date.now();
    while (!this.events.some((e) => e.node === id && e.ev === 'ready')) {
      const node = this.nodes.get(id);
      if (node?.proc.exitCode != null) throw new Error(`node ${id} exited: ${node.stderr()}`);
      if (Date.now() - t0 > timeoutMs) throw new Error(`node ${id} not ready: ${node?.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
