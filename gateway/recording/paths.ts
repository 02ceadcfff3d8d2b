// Where recordings live: `<root>/<channel dir>/<YYYY-MM-DD>/<startMs>.ts` (UTC
// day), ffmpeg's open segments in `<channel dir>/.incoming/`, and the channel's
// id in `<channel dir>/.channel` (the dir name is a safe name, not always the id).
// Every path from the index or a request is resolved inside the root or refused.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { safeName } from '../video/channel-spec.ts';

export const INCOMING = '.incoming';
const CHANNEL_FILE = '.channel';

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export class RecordingPaths {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  channelDir(channelId: string): string {
    return join(this.root, safeName(channelId));
  }

  incomingDir(channelId: string): string {
    return join(this.channelDir(channelId), INCOMING);
  }

  /** The index's path of a segment, relative to the root. */
  segmentRel(channelId: string, startMs: number): string {
    return `${safeName(channelId)}/${dayOf(startMs)}/${startMs}.ts`;
  }

  /** An index path made absolute; a path that would leave the root (.., absolute, NUL) is refused. */
  absolute(rel: string): string {
    if (rel.includes('\0') || isAbsolute(rel)) throw new Error(`recording path outside the recordings directory: ${JSON.stringify(rel)}`);
    const full = resolve(this.root, rel);
    const back = relative(this.root, full);
    if (back === '' || back.startsWith('..') || back.split(sep).includes('..')) throw new Error(`recording path outside the recordings directory: ${JSON.stringify(rel)}`);
    return full;
  }

  /** Creates the channel's directories and notes its id (for start-up reconciliation). */
  prepare(channelId: string): string {
    const incoming = this.incomingDir(channelId);
    mkdirSync(incoming, { recursive: true });
    writeFileSync(join(this.channelDir(channelId), CHANNEL_FILE), channelId);
    return incoming;
  }

  /** The channel id a channel directory belongs to, from its note. */
  channelOf(dirName: string): string | undefined {
    try {
      return readFileSync(join(this.root, dirName, CHANNEL_FILE), 'utf8').trim() || undefined;
    } catch {
      return undefined; // not a channel directory of ours
    }
  }
}
