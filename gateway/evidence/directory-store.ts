// Evidence as files under one directory: the embedded default (the node's
// data dir) or a shared mount every node sees (NAS over NFS). A file appears
// whole or not at all (written beside, flushed, then hard-linked into place,
// which also refuses to replace a key already there), so a node reading a
// shared directory never serves half a JPEG.
import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, extname, join, relative, sep } from 'node:path';
import { checkKey, type EvidenceObject, type EvidenceStore } from './store.ts';

const TYPES: Record<string, string> = { '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.ts': 'video/mp2t', '.mp4': 'video/mp4', '.m4s': 'video/iso.segment' };

export const contentTypeOf = (key: string): string => TYPES[extname(key).toLowerCase()] ?? 'application/octet-stream';

const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

export class DirectoryEvidenceStore implements EvidenceStore {
  constructor(readonly root: string) {}

  get where(): string {
    return this.root;
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const file = join(this.root, checkKey(key));
    await mkdir(dirname(file), { recursive: true });
    // Dot-named while it is written: list() and readers of a shared mount skip it.
    const partial = join(dirname(file), `.${randomUUID()}.partial`);
    const handle = await open(partial, 'wx');
    try {
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await link(partial, file).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err; // written before: the first bytes stay
      });
    } finally {
      await rm(partial, { force: true });
    }
    await syncDirectory(dirname(file));
  }

  async get(key: string): Promise<EvidenceObject | undefined> {
    const file = join(this.root, checkKey(key));
    try {
      const [bytes, info] = await Promise.all([readFile(file), stat(file)]);
      return { bytes, contentType: contentTypeOf(key), createdAt: info.mtimeMs };
    } catch (err) {
      if (missing(err)) return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(join(this.root, checkKey(key)), { force: true });
  }

  /** Every key under a folder (`snapshots`), oldest folders first; files being written are skipped. */
  async *list(folder: string): AsyncGenerator<string> {
    const base = join(this.root, folder);
    let entries;
    try {
      entries = await readdir(base, { recursive: true, withFileTypes: true });
    } catch (err) {
      if (missing(err)) return;
      throw err;
    }
    const files = entries.filter((e) => e.isFile() && !e.name.startsWith('.')).map((e) => relative(this.root, join(e.parentPath, e.name)).split(sep).join('/'));
    for (const key of files.sort()) yield key;
  }

  async close(): Promise<void> {}
}

/** The rename is durable only once the directory entry is: fsync the folder (POSIX; a no-op elsewhere). */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
