// PTZ service (ver20): continuous move, stop, presets.
import { childText, escapeXml } from '../xml/safe-xml.ts';
import { OnvifError } from './types.ts';
import type { OnvifPreset, PtzVelocity } from './types.ts';
import type { SoapSession } from './soap/session.ts';
import { at, elements, textAt } from './xml-read.ts';

const TPTZ = 'http://www.onvif.org/ver20/ptz/wsdl';

const clamp = (v: number): string => {
  if (!Number.isFinite(v)) throw new OnvifError('malformed', `ContinuousMove: a velocity component is not a number`);
  return String(Math.max(-1, Math.min(1, v)));
};
const token = (name: string, value: string) => `<tptz:${name}>${escapeXml(value)}</tptz:${name}>`;

export async function continuousMove(session: SoapSession, url: string, profileToken: string, v: PtzVelocity, timeoutSec?: number): Promise<void> {
  const timeout = timeoutSec !== undefined && timeoutSec > 0 ? `<tptz:Timeout>PT${Math.ceil(timeoutSec)}S</tptz:Timeout>` : '';
  await session.call({
    url,
    operation: 'ContinuousMove',
    action: `${TPTZ}/ContinuousMove`,
    body: `<tptz:ContinuousMove>${token('ProfileToken', profileToken)}<tptz:Velocity><tt:PanTilt x="${clamp(v.x)}" y="${clamp(v.y)}"/><tt:Zoom x="${clamp(v.zoom)}"/></tptz:Velocity>${timeout}</tptz:ContinuousMove>`,
  });
}

export async function stop(session: SoapSession, url: string, profileToken: string): Promise<void> {
  await session.call({ url, operation: 'Stop', action: `${TPTZ}/Stop`, body: `<tptz:Stop>${token('ProfileToken', profileToken)}<tptz:PanTilt>true</tptz:PanTilt><tptz:Zoom>true</tptz:Zoom></tptz:Stop>` });
}

export async function presets(session: SoapSession, url: string, profileToken: string): Promise<OnvifPreset[]> {
  const body = await session.call({ url, operation: 'GetPresets', action: `${TPTZ}/GetPresets`, body: `<tptz:GetPresets>${token('ProfileToken', profileToken)}</tptz:GetPresets>` });
  return elements(at(body, 'GetPresetsResponse'), 'Preset').flatMap((p) => {
    const t = childText(p, '@token');
    return t ? [{ token: t, name: textAt(p, 'Name') ?? '' }] : [];
  });
}

export async function gotoPreset(session: SoapSession, url: string, profileToken: string, presetToken: string): Promise<void> {
  await session.call({ url, operation: 'GotoPreset', action: `${TPTZ}/GotoPreset`, body: `<tptz:GotoPreset>${token('ProfileToken', profileToken)}${token('PresetToken', presetToken)}</tptz:GotoPreset>` });
}

export async function setPreset(session: SoapSession, url: string, profileToken: string, name: string, presetToken?: string): Promise<string> {
  const body = await session.call({
    url,
    operation: 'SetPreset',
    action: `${TPTZ}/SetPreset`,
    body: `<tptz:SetPreset>${token('ProfileToken', profileToken)}${token('PresetName', name)}${presetToken ? token('PresetToken', presetToken) : ''}</tptz:SetPreset>`,
  });
  const given = textAt(body, 'SetPresetResponse', 'PresetToken') ?? presetToken;
  if (!given) throw new OnvifError('malformed', `${new URL(url).host} SetPreset: no PresetToken in the answer`);
  return given;
}

export async function removePreset(session: SoapSession, url: string, profileToken: string, presetToken: string): Promise<void> {
  await session.call({ url, operation: 'RemovePreset', action: `${TPTZ}/RemovePreset`, body: `<tptz:RemovePreset>${token('ProfileToken', profileToken)}${token('PresetToken', presetToken)}</tptz:RemovePreset>` });
}
