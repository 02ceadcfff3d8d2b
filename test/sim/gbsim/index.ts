// The GB28181 device simulator: GbSimHost runs many devices behind one SIP
// socket; each GbDeviceSim registers, keeps alive, answers queries and INVITEs
// with real H.264 in MPEG-PS over RTP (UDP or TCP).
export { GbSimHost, type GbSimHostOptions } from './host.ts';
export { GbDeviceSim, type GbDeviceOptions, type RegisterResult, type SimRecording } from './device.ts';
export { ensureGbClip, clipAccessUnits, type GbClipKind } from './clip.ts';
