// The ONVIF camera simulator: OnvifSimHost runs many OnvifDeviceSim (SOAP over
// HTTP with WS-UsernameToken or HTTP digest, PTZ state, PullPoint events) and a
// WS-Discovery responder for them.
export { OnvifSimHost, type OnvifSimHostOptions } from './host.ts';
export { OnvifDeviceSim, type OnvifDeviceOptions, type OnvifFaultOptions, type ReceivedRequest } from './device.ts';
export { WsDiscoveryResponder, type DiscoveryBehaviour, type ReceivedProbe } from './discovery.ts';
export { SIM_TOPICS, simEvents } from './topics.ts';
export { passwordDigest } from './wsse.ts';
export { PATHS } from './operation.ts';
export { type SimFault } from './soap.ts';
export type { SimNotification } from './pull-points.ts';
export type { SimProfile } from './media-service.ts';
export type { PtzVector, SimPreset } from './ptz-state.ts';
export type { HostileKind } from './hostile.ts';
export type { AuthMode } from './auth.ts';
