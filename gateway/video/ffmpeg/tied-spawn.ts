// Spawns a child that dies with the gateway. A gateway killed with -9 cannot
// stop its ffmpegs, and ffmpeg ignores the broken pipes to a dead parent (only
// its progress and log go there), so an orphan would keep pulling the camera
// and writing HLS nobody serves, while another node takes the channel over.
// On Linux, util-linux `setpriv --pdeathsig KILL` makes the kernel kill the
// child when the gateway goes; setpriv execs the command, so the pid is ffmpeg's.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { executableOnPath } from './locate.ts';

let setpriv: string | null | undefined;

const findSetpriv = (): string | null => (setpriv ??= process.platform === 'linux' ? (executableOnPath('setpriv') ?? null) : null);

/** Whether children die with this process (false: no setpriv here; an orphan outlives a kill -9). */
export const childrenTied = (): boolean => findSetpriv() !== null;

export function spawnTied(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const tie = findSetpriv();
  return tie ? spawn(tie, ['--pdeathsig', 'KILL', '--', command, ...args], options) : spawn(command, args, options);
}
