// The simulator's PTZ: state kept and inspectable (velocity, moving, position,
// presets), the faults cameras answer, and a camera without PTZ.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { attribute, childElement, childList, childText, type XmlElement } from './xml.ts';
import { callSoap } from './sim-caller.ts';
import { answer, CREDS, faultCodes, oneCamera } from './test-helpers.ts';

describe('ONVIF sim: PTZ', async () => {
  const { host, dev } = await oneCamera();
  const noPtz = (await oneCamera({ ptz: false })).dev;
  after(async () => {
    await host.close();
    await noPtz.close();
  });
  const ptz = (body: string, d = dev) => callSoap(d.url('/onvif/ptz_service'), body, CREDS);
  const P = '<tptz:ProfileToken>Profile_1</tptz:ProfileToken>';

  it('ContinuousMove keeps the velocity and moves until Stop; the position follows', async () => {
    const r = await ptz(`<tptz:ContinuousMove>${P}<tptz:Velocity><tt:PanTilt x="0.5" y="-0.25"/><tt:Zoom x="1"/></tptz:Velocity><tptz:Timeout>PT10S</tptz:Timeout></tptz:ContinuousMove>`);
    assert.equal(r.status, 200, r.text);
    answer(r, 'ContinuousMoveResponse');
    assert.deepEqual(dev.ptz.lastVelocity, { x: 0.5, y: -0.25, zoom: 1 });
    assert.equal(dev.ptz.moving, true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const status = answer(await ptz(`<tptz:GetStatus>${P}</tptz:GetStatus>`), 'GetStatusResponse');
    assert.equal(childText(childElement(childElement(status, 'PTZStatus') ?? {}, 'MoveStatus') ?? {}, 'PanTilt'), 'MOVING');
    assert.equal((await ptz(`<tptz:Stop>${P}<tptz:PanTilt>true</tptz:PanTilt><tptz:Zoom>true</tptz:Zoom></tptz:Stop>`)).status, 200);
    assert.equal(dev.ptz.moving, false);
    const at = dev.ptz.position;
    assert.ok(at.x > 0 && at.y < 0 && at.zoom > 0, JSON.stringify(at));
    assert.deepEqual(dev.ptz.lastVelocity, { x: 0.5, y: -0.25, zoom: 1 }, 'the last velocity stays readable after Stop');
    assert.deepEqual(dev.ptz.counts, { moves: 1, stops: 1, gotos: 0 });
  });

  it('a move ends by itself at its Timeout', async () => {
    const before = Date.now();
    await ptz(`<tptz:ContinuousMove>${P}<tptz:Velocity><tt:PanTilt x="-1" y="0"/></tptz:Velocity><tptz:Timeout>PT0.5S</tptz:Timeout></tptz:ContinuousMove>`);
    const ends = dev.ptz.moveEndsAt;
    assert.ok(ends >= before + 500 && ends <= Date.now() + 500, `ends ${ends - before} ms after the request`);
    const deadline = Date.now() + 10_000;
    while (dev.ptz.moving && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(dev.ptz.moving, false);
    assert.ok(Date.now() >= ends);
  });

  it('refuses a velocity outside [-1, 1] and an unknown profile', async () => {
    const bad = await ptz(`<tptz:ContinuousMove>${P}<tptz:Velocity><tt:PanTilt x="1.5" y="0"/></tptz:Velocity></tptz:ContinuousMove>`);
    assert.deepEqual(faultCodes(bad), ['SOAP-ENV:Sender', 'ter:InvalidArgVal', 'ter:InvalidVelocity']);
    const none = await ptz('<tptz:Stop><tptz:ProfileToken>Profile_9</tptz:ProfileToken></tptz:Stop>');
    assert.deepEqual(faultCodes(none).slice(1), ['ter:InvalidArgVal', 'ter:NoProfile']);
  });

  it('presets: set (numbered tokens), list, go to, rename by token, remove; unknown tokens and duplicate names refused', async () => {
    const set = async (name: string, token?: string) => childText(answer(await ptz(`<tptz:SetPreset>${P}<tptz:PresetName>${name}</tptz:PresetName>${token ? `<tptz:PresetToken>${token}</tptz:PresetToken>` : ''}</tptz:SetPreset>`), 'SetPresetResponse'), 'PresetToken');
    assert.equal(await set('Gate'), '1');
    assert.equal(await set('Car park'), '2');
    assert.equal(await set('Main gate', '1'), '1');
    assert.deepEqual(faultCodes(await ptz(`<tptz:SetPreset>${P}<tptz:PresetName>Car park</tptz:PresetName></tptz:SetPreset>`)).slice(1), ['ter:InvalidArgVal', 'ter:PresetExist']);
    const listed = childList(answer(await ptz(`<tptz:GetPresets>${P}</tptz:GetPresets>`), 'GetPresetsResponse'), 'Preset') as XmlElement[];
    assert.deepEqual(listed.map((p) => [attribute(p, 'token'), childText(p, 'Name')]), [['1', 'Main gate'], ['2', 'Car park']]);
    assert.equal((await ptz(`<tptz:GotoPreset>${P}<tptz:PresetToken>2</tptz:PresetToken></tptz:GotoPreset>`)).status, 200);
    assert.equal(dev.ptz.lastPreset, '2');
    assert.deepEqual(dev.ptz.position, dev.ptz.presets.get('2')?.position);
    assert.deepEqual(faultCodes(await ptz(`<tptz:GotoPreset>${P}<tptz:PresetToken>7</tptz:PresetToken></tptz:GotoPreset>`)).slice(1), ['ter:InvalidArgVal', 'ter:NoToken']);
    assert.equal((await ptz(`<tptz:RemovePreset>${P}<tptz:PresetToken>1</tptz:PresetToken></tptz:RemovePreset>`)).status, 200);
    assert.deepEqual([...dev.ptz.presets.keys()], ['2']);
    assert.equal(await set('Again'), '1', 'the lowest free number is reused');
  });

  it('a camera without PTZ: no PTZ in capabilities, services or profiles; calls answer ActionNotSupported', async () => {
    const caps = answer(await callSoap(noPtz.xaddr, '<tds:GetCapabilities/>', CREDS), 'GetCapabilitiesResponse');
    assert.equal(childElement(childElement(caps, 'Capabilities') ?? {}, 'PTZ'), undefined);
    assert.ok(childElement(childElement(caps, 'Capabilities') ?? {}, 'Media'));
    const services = await callSoap(noPtz.xaddr, '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>', CREDS);
    const namespaces = (childList(answer(services, 'GetServicesResponse'), 'Service') as XmlElement[]).map((s) => childText(s, 'Namespace'));
    assert.deepEqual(namespaces, ['http://www.onvif.org/ver10/device/wsdl', 'http://www.onvif.org/ver10/media/wsdl', 'http://www.onvif.org/ver10/events/wsdl']);
    const profiles = await callSoap(noPtz.url('/onvif/media_service'), '<trt:GetProfiles/>', CREDS);
    assert.ok(!profiles.text.includes('PTZConfiguration'));
    const r = await ptz(`<tptz:ContinuousMove>${P}<tptz:Velocity><tt:PanTilt x="0.5" y="0"/></tptz:Velocity></tptz:ContinuousMove>`, noPtz);
    assert.equal(r.status, 500);
    assert.deepEqual(faultCodes(r), ['SOAP-ENV:Receiver', 'ter:ActionNotSupported', 'ter:PTZNotSupported']);
    assert.equal(noPtz.ptz.lastVelocity, undefined);
  });

  it('fault switch noPtz takes PTZ away at run time', async () => {
    dev.faults.noPtz = true;
    try {
      assert.equal((await ptz(`<tptz:GetPresets>${P}</tptz:GetPresets>`)).status, 500);
    } finally {
      dev.faults.noPtz = false;
    }
    assert.equal((await ptz(`<tptz:GetPresets>${P}</tptz:GetPresets>`)).status, 200);
  });
});
