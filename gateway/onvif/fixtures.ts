// Hand-written ONVIF answers for the unit tests (shapes from the ONVIF Core /
// Media / PTZ / Events specs and from answers of Hikvision, Dahua and Axis
// cameras) and a tiny in-process HTTP camera that serves them by SOAP action.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const soap12 = (body: string, ns = 's'): string =>
  `<?xml version="1.0" encoding="UTF-8"?><${ns}:Envelope xmlns:${ns}="http://www.w3.org/2003/05/soap-envelope" xmlns:tt="http://www.onvif.org/ver10/schema" ` +
  `xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:trt="http://www.onvif.org/ver10/media/wsdl" xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" ` +
  `xmlns:tev="http://www.onvif.org/ver10/events/wsdl" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:wsa5="http://www.w3.org/2005/08/addressing" ` +
  `xmlns:tns1="http://www.onvif.org/ver10/topics" xmlns:ter="http://www.onvif.org/ver10/error"><${ns}:Header/><${ns}:Body>${body}</${ns}:Body></${ns}:Envelope>`;

export function systemDateAndTime(at: Date): string {
  return soap12(
    `<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>` +
      `<tt:TimeZone><tt:TZ>CST-8</tt:TZ></tt:TimeZone><tt:UTCDateTime><tt:Time><tt:Hour>${at.getUTCHours()}</tt:Hour><tt:Minute>${at.getUTCMinutes()}</tt:Minute>` +
      `<tt:Second>${at.getUTCSeconds()}</tt:Second></tt:Time><tt:Date><tt:Year>${at.getUTCFullYear()}</tt:Year><tt:Month>${at.getUTCMonth() + 1}</tt:Month>` +
      `<tt:Day>${at.getUTCDate()}</tt:Day></tt:Date></tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>`,
  );
}

export const deviceInformation = soap12(
  '<tds:GetDeviceInformationResponse><tds:Manufacturer>HIKVISION</tds:Manufacturer><tds:Model>DS-2DE4A425IW-DE</tds:Model>' +
    '<tds:FirmwareVersion>V5.6.15 build 200415</tds:FirmwareVersion><tds:SerialNumber>DS-2DE4A425IW-DE20200512AAWRE12345678</tds:SerialNumber>' +
    '<tds:HardwareId>88</tds:HardwareId></tds:GetDeviceInformationResponse>',
);

/** GetCapabilities naming another host for the services (a camera behind NAT). */
export const capabilities = (base: string, natHost = '192.168.1.64'): string =>
  soap12(
    `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${base}/onvif/device_service</tt:XAddr></tt:Device>` +
      `<tt:Events><tt:XAddr>http://${natHost}/onvif/Events</tt:XAddr><tt:WSSubscriptionPolicySupport>true</tt:WSSubscriptionPolicySupport>` +
      `<tt:WSPullPointSupport>true</tt:WSPullPointSupport></tt:Events><tt:Media><tt:XAddr>http://${natHost}/onvif/Media</tt:XAddr></tt:Media>` +
      `<tt:PTZ><tt:XAddr>http://${natHost}/onvif/PTZ</tt:XAddr></tt:PTZ></tds:Capabilities></tds:GetCapabilitiesResponse>`,
  );

const encoder = (token: string, encoding: string, w: number, h: number, fps: number, kbps: number) =>
  `<tt:VideoEncoderConfiguration token="${token}"><tt:Name>${token}</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>${encoding}</tt:Encoding>` +
  `<tt:Resolution><tt:Width>${w}</tt:Width><tt:Height>${h}</tt:Height></tt:Resolution><tt:Quality>3.000000</tt:Quality>` +
  `<tt:RateControl><tt:FrameRateLimit>${fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${kbps}</tt:BitrateLimit></tt:RateControl>` +
  `<tt:H264><tt:GovLength>50</tt:GovLength><tt:H264Profile>Main</tt:H264Profile></tt:H264>` +
  `<tt:Multicast><tt:Address><tt:Type>IPv4</tt:Type><tt:IPv4Address>0.0.0.0</tt:IPv4Address></tt:Address><tt:Port>8860</tt:Port><tt:TTL>128</tt:TTL><tt:AutoStart>false</tt:AutoStart></tt:Multicast>` +
  `<tt:SessionTimeout>PT5S</tt:SessionTimeout></tt:VideoEncoderConfiguration>`;

const ptzConfiguration =
  '<tt:PTZConfiguration token="PTZToken"><tt:Name>PTZ</tt:Name><tt:UseCount>2</tt:UseCount><tt:NodeToken>PTZNODETOKEN</tt:NodeToken>' +
  '<tt:DefaultContinuousPanTiltVelocitySpace>http://www.onvif.org/ver10/tptz/PanTiltSpaces/VelocityGenericSpace</tt:DefaultContinuousPanTiltVelocitySpace>' +
  '<tt:DefaultPTZTimeout>PT300S</tt:DefaultPTZTimeout></tt:PTZConfiguration>';

/** The ONVIF Media spec's shape: two profiles, sub listed first to check the main-first order. */
export const twoProfiles = soap12(
  '<trt:GetProfilesResponse>' +
    `<trt:Profiles token="Profile_2" fixed="true"><tt:Name>Profile_2</tt:Name>${encoder('enc2', 'H264', 640, 360, 15, 512)}</trt:Profiles>` +
    `<trt:Profiles token="Profile_1" fixed="true"><tt:Name>Profile_1</tt:Name>${encoder('enc1', 'H264', 1920, 1080, 25, 4096)}</trt:Profiles>` +
    '</trt:GetProfilesResponse>',
);

/** Hikvision style: env/SOAP-ENV-like prefixes of its own, a video source block, H.265 main, a PTZ configuration on both, a third-stream. */
export const hikvisionProfiles = soap12(
  '<trt:GetProfilesResponse>' +
    `<trt:Profiles fixed="true" token="Profile_1"><tt:Name>mainStream</tt:Name><tt:VideoSourceConfiguration token="VideoSourceToken"><tt:Name>VideoSourceConfig</tt:Name>` +
    '<tt:UseCount>3</tt:UseCount><tt:SourceToken>VideoSource_1</tt:SourceToken><tt:Bounds x="0" y="0" width="2560" height="1440"></tt:Bounds></tt:VideoSourceConfiguration>' +
    `${encoder('VideoEncoderToken_1', 'H265', 2560, 1440, 25, 6144)}${ptzConfiguration}</trt:Profiles>` +
    `<trt:Profiles fixed="true" token="Profile_2"><tt:Name>subStream</tt:Name>${encoder('VideoEncoderToken_2', 'H264', 704, 576, 25, 1024)}${ptzConfiguration}</trt:Profiles>` +
    `<trt:Profiles fixed="true" token="Profile_3"><tt:Name>thirdStream</tt:Name>${encoder('VideoEncoderToken_3', 'H264', 1280, 720, 12, 2048)}${ptzConfiguration}</trt:Profiles>` +
    '</trt:GetProfilesResponse>',
  'env',
);

export const streamUri = (uri: string) => soap12(`<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${uri}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`);
export const snapshotUri = (uri: string) => soap12(`<trt:GetSnapshotUriResponse><trt:MediaUri><tt:Uri>${uri}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT60S</tt:Timeout></trt:MediaUri></trt:GetSnapshotUriResponse>`);

/** ONVIF Core's generic fault, with the nesting Core §5.11.2 describes. */
export const faultNested = soap12(
  '<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:InvalidArgVal</s:Value><s:Subcode><s:Value>ter:NoProfile</s:Value></s:Subcode></s:Subcode></s:Code>' +
    '<s:Reason><s:Text xml:lang="en">The requested profile token ProfileToken does not exist.</s:Text></s:Reason></s:Fault>',
);
/** Hikvision / Dahua: NotAuthorized, often sent with HTTP 400 or 401. */
export const faultNotAuthorized = soap12(
  '<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized</env:Value></env:Subcode></env:Code>' +
    '<env:Reason><env:Text xml:lang="en">The action requested requires authorization and the sender is not authorized</env:Text></env:Reason></env:Fault>',
  'env',
);
/** Axis: WS-Security's own subcode. */
export const faultAxisAuth = soap12(
  '<SOAP-ENV:Fault><SOAP-ENV:Code><SOAP-ENV:Value>SOAP-ENV:Sender</SOAP-ENV:Value><SOAP-ENV:Subcode><SOAP-ENV:Value>wsse:FailedAuthentication</SOAP-ENV:Value></SOAP-ENV:Subcode></SOAP-ENV:Code>' +
    '<SOAP-ENV:Reason><SOAP-ENV:Text xml:lang="en">Sender not authorized</SOAP-ENV:Text></SOAP-ENV:Reason></SOAP-ENV:Fault>',
  'SOAP-ENV',
);
/** Old firmware answering in SOAP 1.1. */
export const fault11 =
  '<?xml version="1.0"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body><SOAP-ENV:Fault>' +
  '<faultcode>SOAP-ENV:Client</faultcode><faultstring>Method not implemented</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>';

export const pullPointCreated = (address: string, axisRef = false) =>
  soap12(
    `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa5:Address>${address}</wsa5:Address>` +
      (axisRef ? '<wsa5:ReferenceParameters><dom0:SubscriptionId xmlns:dom0="http://www.axis.com/2009/event">42</dom0:SubscriptionId></wsa5:ReferenceParameters>' : '') +
      '</tev:SubscriptionReference><wsnt:CurrentTime>2026-12-07T10:00:00Z</wsnt:CurrentTime><wsnt:TerminationTime>2026-12-07T10:01:00Z</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse>',
  );

const notification = (topic: string, utc: string, source: Record<string, string>, data: Record<string, string>) =>
  `<wsnt:NotificationMessage><wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${topic}</wsnt:Topic>` +
  `<wsnt:Message><tt:Message UtcTime="${utc}" PropertyOperation="Changed"><tt:Source>` +
  Object.entries(source).map(([k, v]) => `<tt:SimpleItem Name="${k}" Value="${v}"/>`).join('') +
  '</tt:Source><tt:Data>' + Object.entries(data).map(([k, v]) => `<tt:SimpleItem Name="${k}" Value="${v}"/>`).join('') +
  '</tt:Data></tt:Message></wsnt:Message></wsnt:NotificationMessage>';

/** Motion (Hikvision cell motion), tamper, line crossing and an Axis-prefixed topic in one answer. */
export const pulledMessages = soap12(
  '<tev:PullMessagesResponse><tev:CurrentTime>2026-12-07T10:00:10Z</tev:CurrentTime><tev:TerminationTime>2026-12-07T10:01:10Z</tev:TerminationTime>' +
    notification('tns1:RuleEngine/CellMotionDetector/Motion', '2026-12-07T10:00:09Z', { VideoSourceConfigurationToken: 'VideoSourceToken', VideoAnalyticsConfigurationToken: 'VideoAnalyticsToken', Rule: 'MyMotionDetectorRule' }, { IsMotion: 'true' }) +
    notification('tns1:RuleEngine/TamperDetector/Tamper', '2026-12-07T10:00:09.500Z', { VideoSourceConfigurationToken: 'VideoSourceToken', Rule: 'MyTamperDetectorRule' }, { IsTamper: 'true' }) +
    notification('tns1:RuleEngine/LineDetector/Crossed', '2026-12-07T10:00:10Z', { VideoSourceConfigurationToken: 'VideoSourceToken', Rule: 'MyLineDetector1' }, { ObjectId: '7' }) +
    notification('tns1:Device/tnsaxis:Sensor/PIR', '2026-12-07T10:00:10Z', { sensor: '0' }, { state: '1' }) +
    '</tev:PullMessagesResponse>',
);

export interface FixtureRequest {
  action: string;
  body: string;
  headers: http.IncomingHttpHeaders;
  url: string;
  method: string;
}
export interface FixtureAnswer {
  status?: number;
  headers?: Record<string, string | undefined>;
  body: string | Buffer;
}
export type FixtureHandler = (req: FixtureRequest) => FixtureAnswer | Promise<FixtureAnswer | undefined> | undefined;

/** A camera in this process: answers each request with `handle` (by the SOAP action's last path segment). */
export async function fixtureCamera(handle: FixtureHandler): Promise<{ base: string; port: number; requests: FixtureRequest[]; close: () => Promise<void> }> {
  const requests: FixtureRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const action = /action="([^"]*)"/.exec(String(req.headers['content-type'] ?? ''))?.[1]?.split('/').pop() ?? '';
      const r: FixtureRequest = { action, body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, url: req.url ?? '', method: req.method ?? '' };
      requests.push(r);
      Promise.resolve(handle(r)).then(
        (a) => {
          if (!a) return; // never answers: the client's deadline is under test
          const headers = Object.entries({ 'Content-Type': 'application/soap+xml; charset=utf-8', ...a.headers }).filter((e): e is [string, string] => e[1] !== undefined);
          res.writeHead(a.status ?? 200, Object.fromEntries(headers));
          res.end(a.body);
        },
        () => res.destroy(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    base: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
