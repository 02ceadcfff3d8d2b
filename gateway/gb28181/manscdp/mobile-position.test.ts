import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManscdpError } from './errors.ts';
import { buildMobilePositionNotify, buildSubscribeQuery, decodeMobilePosition } from './mobile-position.ts';
import { parseManscdp } from './parse.ts';
import { childText } from './xml.ts';

const ID = '34020000001320000101';

describe('MobilePosition', () => {
  it('round-trips a position through the XML body', () => {
    const p = { deviceId: ID, time: '2026-12-07T08:30:00', longitude: 121.4737, latitude: 31.2304, speed: 36.5, direction: 270, altitude: 12 };
    assert.deepEqual(decodeMobilePosition(parseManscdp(Buffer.from(buildMobilePositionNotify(7, p)))), p);
  });

  it('reads junk speed and direction as absent, but refuses a body without a position', () => {
    const xml = `<?xml version="1.0"?><Notify><CmdType>MobilePosition</CmdType><SN>1</SN><DeviceID>${ID}</DeviceID><Time>2026-12-07T08:30:00</Time>`
      + '<Longitude>121.5</Longitude><Latitude>31.2</Latitude><Speed>fast</Speed><Direction>400</Direction></Notify>';
    assert.deepEqual(decodeMobilePosition(parseManscdp(Buffer.from(xml))), { deviceId: ID, time: '2026-12-07T08:30:00', longitude: 121.5, latitude: 31.2 });
    const none = xml.replace('<Longitude>121.5</Longitude>', '<Longitude>0</Longitude>');
    assert.throws(() => decodeMobilePosition(parseManscdp(Buffer.from(none))), (e) => e instanceof ManscdpError && e.field === 'Longitude');
  });

  it('builds the subscription queries', () => {
    const q = parseManscdp(Buffer.from(buildSubscribeQuery('MobilePosition', 3, ID, { intervalSeconds: 10 })));
    assert.equal(q.root, 'Query');
    assert.equal(q.cmdType, 'MobilePosition');
    assert.equal(childText(q.fields, 'Interval'), '10');
    assert.equal(parseManscdp(Buffer.from(buildSubscribeQuery('Alarm', 4, ID))).cmdType, 'Alarm');
    assert.equal(parseManscdp(Buffer.from(buildSubscribeQuery('Catalog', 5, ID))).cmdType, 'Catalog');
  });
});
