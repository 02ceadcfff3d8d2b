// Runs the real gateway process (gateway/main.ts) as a user would, and reads
// what it prints.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface GatewayProcess {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
  /** Resolves with the base URL once the gateway logs that it listens. */
  listening: () => Promise<string>;
}

export function spawnGateway(args: string[], env: NodeJS.ProcessEnv = {}): GatewayProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(proc, 'exit').then(([code]) => code as number | null);
  const listening = async () => {
    // A cold start compiles the gateway with tsx: 30 s was missed at load 28 (eight other test runs on 2 cores).
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const m = /"url":"(http:[^"]+)"[^\n]*"msg":"gateway listening"/.exec(out);
      if (m) return m[1]!;
      if (proc.exitCode !== null) throw new Error(`gateway exited ${proc.exitCode}: ${err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`gateway did not start: ${out}\n${err}`);
  };
  return { proc, stdout: () => out, stderr: () => err, exit, listening };
}
