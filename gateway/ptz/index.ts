// PTZ for every camera that can be steered: one route, a driver per protocol.
export { checkPtzBody, presetsAfter, type PtzBody, type StoredPreset } from './body.ts';
export { PtzDrivers, type PtzDriver } from './drivers.ts';
export { PTZ_ROLES, ptzRoutes } from './route.ts';
