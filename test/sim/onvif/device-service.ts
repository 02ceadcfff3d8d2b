// Device service (tds): clock, identity, capabilities (ver10 GetCapabilities
// and the newer GetServices), scopes. GetSystemDateAndTime is answered
// without credentials: clients need the camera's clock to make a token.
import { childText } from './xml.ts';
import type { OnvifDeviceSim } from './device.ts';
import { PATHS, type Operation } from './operation.ts';
import { escapeXml as esc } from './soap.ts';

export const OPEN_OPERATIONS: readonly string[] = ['GetSystemDateAndTime'];

export function deviceOperations(dev: OnvifDeviceSim): Record<string, Operation> {
  return {
    GetSystemDateAndTime: () => ({
      xml: `<tds:GetSystemDateAndTimeResponse>${systemDateAndTime(dev.deviceNow(), dev.options.clockFormat !== 'local-only', dev.options.timeZone ?? CHINA)}</tds:GetSystemDateAndTimeResponse>`,
    }),
    GetDeviceInformation: () => {
      const f = dev.facts;
      return {
        xml: `<tds:GetDeviceInformationResponse><tds:Manufacturer>${esc(f.manufacturer)}</tds:Manufacturer><tds:Model>${esc(f.model)}</tds:Model>`
          + `<tds:FirmwareVersion>${esc(f.firmware)}</tds:FirmwareVersion><tds:SerialNumber>${esc(f.serial)}</tds:SerialNumber>`
          + `<tds:HardwareId>${esc(f.hardwareId)}</tds:HardwareId></tds:GetDeviceInformationResponse>`,
      };
    },
    GetCapabilities: () => ({ xml: `<tds:GetCapabilitiesResponse><tds:Capabilities>${capabilities(dev)}</tds:Capabilities></tds:GetCapabilitiesResponse>` }),
    GetServices: (req) => {
      const withCaps = childText(req.body, 'IncludeCapability') === 'true';
      return { xml: `<tds:GetServicesResponse>${services(dev, withCaps)}</tds:GetServicesResponse>` };
    },
    GetScopes: () => ({
      xml: `<tds:GetScopesResponse>${dev.scopes.map((s) => `<tds:Scopes><tt:ScopeDef>Fixed</tt:ScopeDef><tt:ScopeItem>${esc(s)}</tt:ScopeItem></tds:Scopes>`).join('')}</tds:GetScopesResponse>`,
    }),
  };
}

const CHINA = { tz: 'CST-8', offsetMs: 8 * 3600_000 };

function systemDateAndTime(deviceMs: number, withUtc: boolean, zone: NonNullable<OnvifDeviceSim['options']['timeZone']>): string {
  const d = new Date(deviceMs);
  const dateTime = (y: number, mo: number, day: number, h: number, mi: number, s: number) =>
    `<tt:Time><tt:Hour>${h}</tt:Hour><tt:Minute>${mi}</tt:Minute><tt:Second>${s}</tt:Second></tt:Time>`
    + `<tt:Date><tt:Year>${y}</tt:Year><tt:Month>${mo}</tt:Month><tt:Day>${day}</tt:Day></tt:Date>`;
  // The camera keeps UTC and shows local time in its zone (CST-8 by default, as cameras sold here are set).
  const local = new Date(deviceMs + zone.offsetMs);
  return `<tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>${zone.daylightSavings === true}</tt:DaylightSavings><tt:TimeZone><tt:TZ>${esc(zone.tz)}</tt:TZ></tt:TimeZone>`
    + (withUtc ? `<tt:UTCDateTime>${dateTime(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds())}</tt:UTCDateTime>` : '')
    + `<tt:LocalDateTime>${dateTime(local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate(), local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds())}</tt:LocalDateTime>`
    + '</tds:SystemDateAndTime>';
}

/** ver10 Capabilities, in the schema's order (Analytics, Device, Events, Imaging, Media, PTZ). */
function capabilities(dev: OnvifDeviceSim): string {
  const url = (p: string) => esc(dev.url(p));
  const events = dev.hasEvents
    ? `<tt:Events><tt:XAddr>${url(PATHS.events)}</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport>`
      + '<tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>'
    : '';
  const ptz = dev.hasPtz ? `<tt:PTZ><tt:XAddr>${url(PATHS.ptz)}</tt:XAddr></tt:PTZ>` : '';
  return `<tt:Device><tt:XAddr>${url(PATHS.device)}</tt:XAddr><tt:System><tt:DiscoveryResolve>false</tt:DiscoveryResolve><tt:DiscoveryBye>true</tt:DiscoveryBye>`
    + '<tt:RemoteDiscovery>false</tt:RemoteDiscovery><tt:SystemBackup>false</tt:SystemBackup><tt:SystemLogging>false</tt:SystemLogging><tt:FirmwareUpgrade>false</tt:FirmwareUpgrade>'
    + '<tt:SupportedVersions><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tt:SupportedVersions></tt:System></tt:Device>'
    + events
    + `<tt:Media><tt:XAddr>${url(PATHS.media)}</tt:XAddr><tt:StreamingCapabilities><tt:RTPMulticast>false</tt:RTPMulticast><tt:RTP_TCP>true</tt:RTP_TCP><tt:RTP_RTSP_TCP>true</tt:RTP_RTSP_TCP></tt:StreamingCapabilities></tt:Media>`
    + ptz;
}

function services(dev: OnvifDeviceSim, withCaps: boolean): string {
  const service = (ns: string, path: string, caps: string, major: number, minor: number) =>
    `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${esc(dev.url(path))}</tds:XAddr>`
    + (withCaps ? `<tds:Capabilities>${caps}</tds:Capabilities>` : '')
    + `<tds:Version><tt:Major>${major}</tt:Major><tt:Minor>${minor}</tt:Minor></tds:Version></tds:Service>`;
  return [
    service('http://www.onvif.org/ver10/device/wsdl', PATHS.device, '<tds:Capabilities><tds:Network/><tds:Security UsernameToken="true" HttpDigest="true"/><tds:System/></tds:Capabilities>', 2, 60),
    service('http://www.onvif.org/ver10/media/wsdl', PATHS.media, '<trt:Capabilities SnapshotUri="true"><trt:ProfileCapabilities MaximumNumberOfProfiles="2"/><trt:StreamingCapabilities RTP_TCP="true" RTP_RTSP_TCP="true"/></trt:Capabilities>', 2, 60),
    dev.hasEvents ? service('http://www.onvif.org/ver10/events/wsdl', PATHS.events, '<tev:Capabilities WSSubscriptionPolicySupport="false" WSPullPointSupport="true" WSPausableSubscriptionManagerInterfaceSupport="false" MaxPullPoints="8"/>', 2, 60) : '',
    dev.hasPtz ? service('http://www.onvif.org/ver20/ptz/wsdl', PATHS.ptz, '<tptz:Capabilities EFlip="false" Reverse="false" GetCompatibleConfigurations="false"/>', 2, 60) : '',
  ].join('');
}
