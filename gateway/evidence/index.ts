// The evidence room: where snapshots with boxes drawn (and, later, recording
// segments) are kept and served, the same on every node. See README.md.
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { untilReachable } from '../cluster/start-retry.ts';
import { poolOptions } from '../cluster/stores.ts';
import { redactUrl } from '../log.ts';
import { evidenceEngine } from './config.ts';
import { DirectoryEvidenceStore } from './directory-store.ts';
import { PostgresEvidenceStore } from './postgres-store.ts';
import { SNAPSHOT_FOLDER, snapshotRoutes } from './snapshots.ts';
import { SpooledEvidenceStore } from './spooled-store.ts';
import type { EvidenceStore } from './store.ts';

export { EvidenceConfig, evidenceProblems } from './config.ts';
export { newSnapshot } from './snapshots.ts';
export type { EvidenceObject, EvidenceStore } from './store.ts';

export interface EvidenceRoom {
  store: EvidenceStore;
  routes(app: FastifyInstance): void;
  close(): Promise<void>;
}

/** Spooled evidence is retried this often while PostgreSQL stays away. */
const SPOOL_RETRY_MS = 5000;

export async function openEvidence(config: GatewayConfig, deps: { log: Logger }): Promise<EvidenceRoom> {
  const log = deps.log.child({ module: 'evidence' });
  const directory = new DirectoryEvidenceStore(resolve(config.dataDir, config.evidence.directory ?? '.'));
  let store: EvidenceStore = directory;
  if (evidenceEngine(config.evidence, config.store) === 'postgres') {
    const url = config.store.postgres.url!;
    const shared = await untilReachable(() => PostgresEvidenceStore.open(url, poolOptions(config, 'evidence', log)), {
      what: 'PostgreSQL', where: redactUrl(url), field: 'store.postgres.url', timeoutMs: config.store.postgres.connectTimeoutSeconds * 1000, log,
    });
    const spooled = new SpooledEvidenceStore(shared, directory, { folders: [SNAPSHOT_FOLDER], retryMs: SPOOL_RETRY_MS, log });
    void spooled.drain(); // what a crash or the single-node days left on this disk
    store = spooled;
  } else if (config.cluster.enabled && config.evidence.directory === null) {
    log.warn({ directory: directory.where }, 'evidence.store is directory on this node\'s data dir: other nodes cannot serve its snapshots; use postgres or a shared evidence.directory');
  }
  log.info({ store: store.where }, 'evidence store');
  return { store, routes: (app) => snapshotRoutes(app, store), close: () => store.close() };
}
