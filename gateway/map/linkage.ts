// Alarm linkage (视频联动) on the server: an incident created with a location
// carries, in its incident.created event, the cameras nearest it by the same
// rule as GET /api/channels/near (its own grid cell first, then by distance,
// within wall.linkage.radiusMeters, at most wall.linkage.cameras), so the wall
// can offer them — or bring them into tiles — without another request.
// The event stream leaves out, per subscriber, cameras outside their scope.
import type { CameraIndex, NearCamera } from './camera-index.ts';
import type { LinkageConfig } from './config.ts';

export function nearestCamerasOf(cameras: CameraIndex, linkage: LinkageConfig) {
  return async (incident: Record<string, unknown>): Promise<{ nearestCameras: NearCamera[] } | undefined> => {
    if (linkage.mode === 'off') return undefined;
    const loc = incident.location as { lat?: unknown; lng?: unknown } | null | undefined;
    if (typeof loc?.lat !== 'number' || typeof loc.lng !== 'number') return undefined;
    const nearestCameras = await cameras.near({
      point: { lat: loc.lat, lng: loc.lng },
      radiusMeters: linkage.radiusMeters,
      limit: linkage.cameras,
      gridCode: typeof incident.gridCode === 'string' ? incident.gridCode : null,
    });
    return { nearestCameras };
  };
}
