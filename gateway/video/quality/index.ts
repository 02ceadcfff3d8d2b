// The video quality room (视频质量诊断): looks at every channel's picture on
// frames the gateway decodes anyway, for frozen, black/blank, blurred,
// covered, colour-cast and noisy pictures; keeps the last look per channel,
// raises video_quality incidents after a persistence, and serves the results
// and the per-grid online and quality rates. See README.md.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RegistryService } from '../../../device-registry/index.ts';
import type { EvidenceStore } from '../../evidence/index.ts';
import type { RaiseIncident } from '../../incidents/index.ts';
import type { QualityResult } from './channel-quality.ts';
import type { VideoQualityConfig } from './config.ts';
import { QualityIncidents } from './incidents.ts';
import { qualityRoutes } from './routes.ts';
import { QualityScheduler, type QualityVideo } from './scheduler.ts';

export { VideoQualityConfig } from './config.ts';
export type { QualityResult } from './channel-quality.ts';

export interface VideoQualityRoom {
  result(channelId: string): QualityResult | undefined;
  routes(app: FastifyInstance): void;
  stop(): Promise<void>;
}

export interface VideoQualityDeps {
  registry: RegistryService;
  video: QualityVideo;
  raise: RaiseIncident;
  evidence: EvidenceStore;
  log: Logger;
}

export async function startVideoQuality(config: VideoQualityConfig, deps: VideoQualityDeps): Promise<VideoQualityRoom> {
  const log = deps.log.child({ module: 'video-quality' });
  const incidents = new QualityIncidents({ raise: deps.raise, evidence: deps.evidence, severity: config.severity, log });
  const scheduler = new QualityScheduler(config, { registry: deps.registry, video: deps.video, incidents, log });
  await scheduler.start();
  const result = (id: string) => scheduler.channels.get(id)?.result;
  return {
    result,
    routes: (app) => qualityRoutes(app, { registry: deps.registry, resultOf: result, ids: () => [...scheduler.channels.keys()] }),
    stop: () => scheduler.stop(),
  };
}
