// The simulator's device and media answers: identity, where the services
// are, the two profiles and the stream URIs it was given.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { attribute, childElement, childList, childText, type XmlElement } from './xml.ts';
import { callSoap } from './sim-caller.ts';
import { answer, CREDS, faultCodes, oneCamera } from './test-helpers.ts';

describe('ONVIF sim: device and media services', async () => {
  const { host, dev } = await oneCamera({ manufacturer: 'HIKVISION', model: 'DS-2CD2143G2-I', firmware: 'V5.7.3', serial: 'DS-2CD2143G2-I20230101AAWRJ12345678', hardwareId: '88' });
  after(() => host.close());
  const media = (body: string) => callSoap(dev.url('/onvif/media_service'), body, CREDS);
  const uriOf = (el: XmlElement) => childText(childElement(el, 'MediaUri') ?? {}, 'Uri');

  it('GetDeviceInformation gives the identity it was made with', async () => {
    const info = answer(await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', CREDS), 'GetDeviceInformationResponse');
    assert.deepEqual(['Manufacturer', 'Model', 'FirmwareVersion', 'SerialNumber', 'HardwareId'].map((k) => childText(info, k)),
      ['HIKVISION', 'DS-2CD2143G2-I', 'V5.7.3', 'DS-2CD2143G2-I20230101AAWRJ12345678', '88']);
  });

  it('GetCapabilities and GetServices point at its own service URLs', async () => {
    const caps = childElement(answer(await callSoap(dev.xaddr, '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>', CREDS), 'GetCapabilitiesResponse'), 'Capabilities') ?? {};
    assert.deepEqual(['Device', 'Events', 'Media', 'PTZ'].map((k) => childText(childElement(caps, k) ?? {}, 'XAddr')),
      ['/onvif/device_service', '/onvif/event_service', '/onvif/media_service', '/onvif/ptz_service'].map((p) => dev.url(p)));
    const services = childList(answer(await callSoap(dev.xaddr, '<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>', CREDS), 'GetServicesResponse'), 'Service') as XmlElement[];
    assert.deepEqual(services.map((s) => [childText(s, 'Namespace'), childText(s, 'XAddr')]), [
      ['http://www.onvif.org/ver10/device/wsdl', dev.url('/onvif/device_service')], ['http://www.onvif.org/ver10/media/wsdl', dev.url('/onvif/media_service')],
      ['http://www.onvif.org/ver10/events/wsdl', dev.url('/onvif/event_service')], ['http://www.onvif.org/ver20/ptz/wsdl', dev.url('/onvif/ptz_service')],
    ]);
    assert.ok(childElement(services[0]!, 'Capabilities'), 'IncludeCapability true adds each service\'s capabilities');
  });

  it('GetProfiles: main Profile_1 then sub Profile_2, with encoder, size, rate and a PTZ configuration', async () => {
    const profiles = childList(answer(await media('<trt:GetProfiles/>'), 'GetProfilesResponse'), 'Profiles') as XmlElement[];
    assert.deepEqual(profiles.map((p) => {
      const enc = childElement(p, 'VideoEncoderConfiguration') ?? {};
      const res = childElement(enc, 'Resolution') ?? {};
      const rate = childElement(enc, 'RateControl') ?? {};
      return [attribute(p, 'token'), childText(p, 'Name'), childText(enc, 'Encoding'), childText(res, 'Width'), childText(res, 'Height'),
        childText(rate, 'FrameRateLimit'), childText(rate, 'BitrateLimit'), attribute(childElement(p, 'PTZConfiguration') ?? {}, 'token')];
    }), [
      ['Profile_1', 'mainStream', 'H264', '1280', '720', '25', '4096', 'PTZToken'],
      ['Profile_2', 'subStream', 'H264', '352', '288', '25', '512', 'PTZToken'],
    ]);
  });

  it('GetStreamUri gives the RTSP URL of each profile; an unknown profile is NoProfile', async () => {
    const uri = async (token: string) => uriOf(answer(await media(`<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup><trt:ProfileToken>${token}</trt:ProfileToken></trt:GetStreamUri>`), 'GetStreamUriResponse'));
    assert.equal(await uri('Profile_1'), 'rtsp://127.0.0.1:8554/cam-1');
    assert.equal(await uri('Profile_2'), 'rtsp://127.0.0.1:8554/cam-1-sub');
    assert.deepEqual(faultCodes(await media('<trt:GetStreamUri><trt:ProfileToken>nope</trt:ProfileToken></trt:GetStreamUri>')).slice(1), ['ter:InvalidArgVal', 'ter:NoProfile']);
  });

  it('GetScopes lists the scopes discovery announces', async () => {
    const scopes = (childList(answer(await callSoap(dev.xaddr, '<tds:GetScopes/>', CREDS), 'GetScopesResponse'), 'Scopes') as XmlElement[]).map((s) => childText(s, 'ScopeItem'));
    assert.deepEqual(scopes, dev.scopes);
    assert.ok(scopes.includes('onvif://www.onvif.org/hardware/DS-2CD2143G2-I'));
  });
});
