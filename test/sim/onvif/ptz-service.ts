// PTZ service (tptz, ver20): ContinuousMove, Stop, presets and GetStatus on
// the profile's PTZ configuration. A camera without PTZ has no such service:
// every call is answered ActionNotSupported/PTZNotSupported.
import { attribute, childElement, childText, type XmlElement } from './xml.ts';
import type { OnvifDeviceSim } from './device.ts';
import type { Answer, Operation } from './operation.ts';
import { FAULTS, escapeXml as esc, parseDuration, xsdDateTime } from './soap.ts';
import type { PtzVector } from './ptz-state.ts';

const DEFAULT_TIMEOUT_MS = 5000;

export function ptzOperations(dev: OnvifDeviceSim): Record<string, Operation> {
  /** The profile named by ProfileToken, or the fault the camera answers. */
  const withProfile = (body: XmlElement, then: () => Answer): Answer => {
    if (!dev.hasPtz) return { fault: FAULTS.actionNotSupported('PTZNotSupported') };
    const token = childText(body, 'ProfileToken');
    if (!dev.profiles.some((p) => p.token === token)) return { fault: FAULTS.invalidArg('NoProfile', `no profile ${token ?? '(none given)'}`) };
    return then();
  };
  const ptz = dev.ptz;
  return {
    ContinuousMove: (req) => withProfile(req.body, () => {
      const velocity = readVelocity(childElement(req.body, 'Velocity'));
      if (!velocity) return { fault: FAULTS.invalidArg('InvalidVelocity', 'velocity components must be numbers in [-1, 1]') };
      const timeoutText = childText(req.body, 'Timeout');
      const timeoutMs = timeoutText === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(timeoutText);
      if (timeoutMs === undefined) return { fault: FAULTS.invalidArg('TimeoutNotSupported', `Timeout ${timeoutText} is not a duration`) };
      ptz.move(velocity, timeoutMs);
      return { xml: '<tptz:ContinuousMoveResponse/>' };
    }),
    Stop: (req) => withProfile(req.body, () => {
      ptz.stop(childText(req.body, 'PanTilt') !== 'false', childText(req.body, 'Zoom') !== 'false');
      return { xml: '<tptz:StopResponse/>' };
    }),
    GetPresets: (req) => withProfile(req.body, () => ({
      xml: `<tptz:GetPresetsResponse>${[...ptz.presets.values()].map((p) =>
        `<tptz:Preset token="${esc(p.token)}"><tt:Name>${esc(p.name)}</tt:Name>${position(p.position, 'tt:PTZPosition')}</tptz:Preset>`).join('')}</tptz:GetPresetsResponse>`,
    })),
    GotoPreset: (req) => withProfile(req.body, () => {
      const token = childText(req.body, 'PresetToken') ?? '';
      return ptz.goto(token) ? { xml: '<tptz:GotoPresetResponse/>' } : { fault: FAULTS.invalidArg('NoToken', `no preset ${token}`) };
    }),
    SetPreset: (req) => withProfile(req.body, () => {
      const r = ptz.setPreset(childText(req.body, 'PresetName'), childText(req.body, 'PresetToken'));
      if ('error' in r) {
        return r.error === 'name-taken'
          ? { fault: FAULTS.invalidArg('PresetExist', 'a preset of that name exists') }
          : { fault: { code: 'Receiver', subcode: ['ter:Action', 'ter:TooManyPresets'], reason: 'no room for another preset' } };
      }
      return { xml: `<tptz:SetPresetResponse><tptz:PresetToken>${esc(r.token)}</tptz:PresetToken></tptz:SetPresetResponse>` };
    }),
    RemovePreset: (req) => withProfile(req.body, () => {
      const token = childText(req.body, 'PresetToken') ?? '';
      return ptz.removePreset(token) ? { xml: '<tptz:RemovePresetResponse/>' } : { fault: FAULTS.invalidArg('NoToken', `no preset ${token}`) };
    }),
    GetStatus: (req) => withProfile(req.body, () => {
      const state = ptz.moving ? 'MOVING' : 'IDLE';
      return {
        xml: `<tptz:GetStatusResponse><tptz:PTZStatus>${position(ptz.position, 'tt:Position')}`
          + `<tt:MoveStatus><tt:PanTilt>${state}</tt:PanTilt><tt:Zoom>${state}</tt:Zoom></tt:MoveStatus>`
          + `<tt:UtcTime>${xsdDateTime(dev.deviceNow())}</tt:UtcTime></tptz:PTZStatus></tptz:GetStatusResponse>`,
      };
    }),
  };
}

/** PanTilt x/y and Zoom x from a Velocity; undefined when a value is not a number in [-1, 1]. */
function readVelocity(el: XmlElement | undefined): PtzVector | undefined {
  const read = (name: string, attr: string): number | undefined => {
    const child = el && childElement(el, name);
    const text = child && attribute(child, attr);
    if (text === undefined) return 0;
    const n = Number(text);
    return Number.isFinite(n) && n >= -1 && n <= 1 ? n : undefined;
  };
  const [x, y, zoom] = [read('PanTilt', 'x'), read('PanTilt', 'y'), read('Zoom', 'x')];
  return x === undefined || y === undefined || zoom === undefined ? undefined : { x, y, zoom };
}

function position(p: PtzVector, tag: string): string {
  return `<${tag}><tt:PanTilt x="${p.x.toFixed(4)}" y="${p.y.toFixed(4)}" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"/>`
    + `<tt:Zoom x="${p.zoom.toFixed(4)}" space="http://www.onvif.org/ver10/tptz/ZoomSpaces/PositionGenericSpace"/></${tag}>`;
}
