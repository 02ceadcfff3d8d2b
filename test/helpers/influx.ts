// A real line-protocol server for the Influx sink tests: Debian's
// VictoriaMetrics (accepts InfluxDB line protocol at /write and
// /api/v2/write) on a free port with its data in a temp dir; stop/start on
// the same port to test outages; export() reads back what was stored.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, terminate, waitForPort } from './mosquitto.ts';

export interface Sample {
  labels: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export interface VictoriaMetrics {
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
  /** Every series matching a selector, e.g. `{__name__="sensor_value"}`. */
  export(selector: string): Promise<Sample[]>;
}

export async function startVictoriaMetrics(): Promise<VictoriaMetrics> {
  const dir = mkdtempSync(join(tmpdir(), 'gw-vm-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('victoria-metrics', [`-storageDataPath=${dir}`, `-httpListenAddr=127.0.0.1:${port}`, '-loggerLevel=ERROR', '-search.latencyOffset=0s'], { stdio: 'ignore' });
    await waitForPort(port, 20_000);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    await terminate(c);
  };
  await start();
  return {
    url,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
    export: async (selector) => {
      await fetch(`${url}/internal/force_flush`);
      const res = await fetch(`${url}/api/v1/export?match[]=${encodeURIComponent(selector)}`);
      const text = await res.text();
      return text.split('\n').filter(Boolean).map((l) => {
        const row = JSON.parse(l) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
        return { labels: row.metric, values: row.values, timestamps: row.timestamps };
      });
    },
  };
}
