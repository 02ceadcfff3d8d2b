// The upward streams made from the gateway's configuration and its running
// video room: media ports from gb28181.media, bound to gb28181.host, our SDP
// address gb28181's announced one. Called once the video room runs (GB28181
// starts before it); the cascade is handed the result.
import type { Logger } from 'pino';
import type { RegistryService } from '../../../device-registry/index.ts';
import type { VideoRoom } from '../../video/index.ts';
import { announceAddress } from '../announce.ts';
import type { Gb28181Config } from '../config.ts';
import { MediaPorts } from '../media-ports.ts';
import { createUpwardStreams, type UpwardDeps, type UpwardRoom } from './upward-streams.ts';

export function startUpwardStreams(
  config: Pick<Gb28181Config, 'host' | 'announceAddress'> & { media: Pick<Gb28181Config['media'], 'portMin' | 'portMax'> },
  deps: { registry: RegistryService; video: Pick<VideoRoom, 'manager' | 'live'>; log: Logger; owners?: UpwardDeps['owners']; timing?: UpwardDeps['timing'] },
): UpwardRoom {
  return createUpwardStreams({
    channels: deps.registry,
    video: deps.video.manager,
    live: deps.video.live,
    ports: new MediaPorts(config.media.portMin, config.media.portMax),
    bindHost: config.host,
    announceAddress: announceAddress(config),
    log: deps.log,
    ...(deps.owners ? { owners: deps.owners } : {}),
    ...(deps.timing ? { timing: deps.timing } : {}),
  });
}
