// Where recordings live: `<root>/<channel dir>/<YYYY-MM-DD>/<startMs>.ts` (UTC
// day), ffmpeg's open segments in `<channel dir>/.incoming/`, and the channel's
// id in `<channel dir>/.channel` (the dir name is a safe name, not always the id).
// On shared storage (every node mounts one root) each node writes under
// `<root>/nodes/<node dir>/` instead, so that its start-up reconciliation
// only ever sees its own files. Index paths are relative to the root either
// way, so any node that mounts it resolves another node's path.
// Every path from the index or a request is resolved inside the root or refused.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { safeName } from '../video/channel-spec.ts';

export const INCOMING = '.incoming';
const CHANNEL_FILE = '.channel';

export const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export const NODES_DIR = 'nodes';

export class RecordingPaths {
  readonly root: string;
  /** This node's part of the root, relative to it: '' on a node's own disk, `nodes/<node>` on shared storage. */
  readonly ownRel: string;
  /** Where this node's channel directories are. */
  readonly own: string;

  constructor(root: string, opts: { sharedByNode?: string } = {}) {
    this.root = resolve(root);
    this.ownRel = opts.sharedByNode === undefined ? '' : `${NODES_DIR}/${safeName(opts.sharedByNode)}`;
    this.own = this.ownRel ? join(this.root, this.ownRel) : this.root;
  }

  channelDir(channelId: string): string {
    return join(this.own, safeName(channelId));
  }

  incomingDir(channelId: string): string {
    return join(this.channelDir(channelId), INCOMING);
  }

  /** The index's path of a segment, relative to the root. */
  segmentRel(channelId: string, startMs: number): string {
    return `${this.ownRel ? `${this.ownRel}/` : ''}${safeName(channelId)}/${dayOf(startMs)}/${startMs}.ts`;
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
      return readFileSync(join(this.own, dirName, CHANNEL_FILE), 'utf8').trim() || undefined;
    } catch {
      return undefined; // not a channel directory of ours
    }
  }
}
