// Device service (ver10): identity, and where the other services live (the clock: camera-clock.ts).
import { OnvifError } from './types.ts';
import type { SoapSession } from './soap/session.ts';
import { at, elements, textAt } from './xml-read.ts';
import { childText } from '../xml/safe-xml.ts';

const TDS = 'http://www.onvif.org/ver10/device/wsdl';

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId?: string;
}

export async function readDeviceInformation(session: SoapSession, url: string): Promise<DeviceInformation> {
  const body = await session.call({ url, operation: 'GetDeviceInformation', action: `${TDS}/GetDeviceInformation`, body: '<tds:GetDeviceInformation/>' });
  const info = at(body, 'GetDeviceInformationResponse');
  if (!info) throw new OnvifError('malformed', `${new URL(url).host} GetDeviceInformation: no GetDeviceInformationResponse`);
  return {
    manufacturer: textAt(info, 'Manufacturer') ?? '',
    model: textAt(info, 'Model') ?? '',
    firmware: textAt(info, 'FirmwareVersion') ?? '',
    serial: textAt(info, 'SerialNumber') ?? '',
    ...(textAt(info, 'HardwareId') ? { hardwareId: textAt(info, 'HardwareId') } : {}),
  };
}

export interface ServiceAddresses {
  media?: string;
  media2?: string;
  ptz?: string;
  events?: string;
  /** false when GetCapabilities says WSPullPointSupport=false. */
  pullPoint?: boolean;
}

/** GetCapabilities (ver10, what most cameras answer). */
export async function readCapabilities(session: SoapSession, url: string): Promise<ServiceAddresses> {
  const body = await session.call({ url, operation: 'GetCapabilities', action: `${TDS}/GetCapabilities`, body: '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>' });
  const caps = at(body, 'GetCapabilitiesResponse', 'Capabilities');
  const pull = textAt(caps, 'Events', 'WSPullPointSupport');
  return {
    media: textAt(caps, 'Media', 'XAddr'),
    ptz: textAt(caps, 'PTZ', 'XAddr'),
    events: textAt(caps, 'Events', 'XAddr'),
    media2: textAt(caps, 'Extension', 'Media2', 'XAddr'),
    ...(pull ? { pullPoint: pull.toLowerCase() !== 'false' } : {}),
  };
}

const SERVICE_NAMESPACES: Record<string, keyof ServiceAddresses> = {
  'http://www.onvif.org/ver10/media/wsdl': 'media',
  'http://www.onvif.org/ver20/media/wsdl': 'media2',
  'http://www.onvif.org/ver20/ptz/wsdl': 'ptz',
  'http://www.onvif.org/ver10/events/wsdl': 'events',
};

/** GetServices (ver10 device): the newer way, and the one that names Media2. */
export async function readServices(session: SoapSession, url: string): Promise<ServiceAddresses> {
  const body = await session.call({ url, operation: 'GetServices', action: `${TDS}/GetServices`, body: '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>' });
  const out: ServiceAddresses = {};
  for (const service of elements(at(body, 'GetServicesResponse'), 'Service')) {
    const key = SERVICE_NAMESPACES[childText(service, 'Namespace') ?? ''];
    const xaddr = childText(service, 'XAddr');
    if (key && key !== 'pullPoint' && xaddr) out[key] = xaddr;
  }
  return out;
}
