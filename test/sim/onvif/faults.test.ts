// The simulator's faults on demand: injected SOAP Faults, hostile answers
// (entity bomb, XXE, deep nesting, a huge body), silence, a closed port, and
// its own refusal of requests it cannot read.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { callSoap, usernameToken } from './sim-caller.ts';
import { answer, CREDS, faultCodes, oneCamera } from './test-helpers.ts';

describe('ONVIF sim: faults on demand', async () => {
  const { host, dev } = await oneCamera();
  after(() => host.close());
  const info = () => callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', CREDS);

  it('answers an injected fault with its code, subcodes and reason, after authentication', async () => {
    dev.faults.fault = { GetDeviceInformation: { code: 'Receiver', subcode: ['ter:Action', 'ter:Busy'], reason: 'try later' } };
    const r = await info();
    dev.faults.fault = {};
    assert.equal(r.status, 500);
    assert.deepEqual(faultCodes(r), ['SOAP-ENV:Receiver', 'ter:Action', 'ter:Busy']);
    assert.match(r.text, /try later/);
    assert.equal((await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', { username: 'admin', password: 'bad' })).status, 400, 'a bad token still gets NotAuthorized first');
  });

  it('hostile answers: entity bomb, external entity, deep nesting', async () => {
    dev.faults.hostile = { GetDeviceInformation: 'entity-bomb', GetScopes: 'xxe', GetCapabilities: 'deep-nesting' };
    const bomb = await info();
    assert.equal(bomb.status, 200);
    assert.match(bomb.text, /<!DOCTYPE Envelope \[<!ENTITY lol0 "lol"><!ENTITY lol1 "(&lol0;){10}">/);
    assert.equal(bomb.doc, undefined, 'the safe parser refuses it');
    assert.match((await callSoap(dev.xaddr, '<tds:GetScopes/>', CREDS)).text, /<!ENTITY xxe SYSTEM "file:\/\/\/etc\/passwd">/);
    const deep = await callSoap(dev.xaddr, '<tds:GetCapabilities/>', CREDS);
    assert.equal(deep.text.split('<tt:X>').length - 1, 10_000);
    dev.faults.hostile = {};
    assert.deepEqual(dev.requests('GetDeviceInformation').at(-1)?.answer, 'hostile');
  });

  it('huge-body: streams the size asked for, and stops when the client hangs up', async () => {
    dev.faults.hostile = { GetDeviceInformation: 'huge-body' };
    dev.faults.hugeBodyBytes = 4 * 1024 * 1024;
    const whole = await info();
    assert.ok(whole.text.length > 4 * 1024 * 1024, `${whole.text.length} characters`);
    assert.match(whole.text, /<\/SOAP-ENV:Envelope>$/);
    dev.faults.hugeBodyBytes = 1024 * 1024 * 1024;
    const res = await fetch(dev.xaddr, { method: 'POST', body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${usernameToken(CREDS.username, CREDS.password)}</s:Header><s:Body><GetDeviceInformation/></s:Body></s:Envelope>` });
    const reader = res.body!.getReader();
    let read = 0;
    while (read < 1024 * 1024) read += (await reader.read()).value?.length ?? 0;
    await reader.cancel();
    dev.faults.hostile = {};
    assert.equal((await callSoap(dev.xaddr, '<tds:GetScopes/>', CREDS)).status, 200, 'still serving after the client hung up mid-body');
  });

  it('silent: connections accepted, never answered; mute: only the named operations', async () => {
    dev.faults.silent = true;
    await assert.rejects(fetch(dev.xaddr, { method: 'POST', body: 'x', signal: AbortSignal.timeout(500) }), /aborted|timeout/i);
    dev.faults.silent = false;
    dev.faults.mute = ['GetDeviceInformation'];
    await assert.rejects(fetch(dev.xaddr, {
      method: 'POST', signal: AbortSignal.timeout(500),
      body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header>${usernameToken(CREDS.username, CREDS.password)}</s:Header><s:Body><GetDeviceInformation/></s:Body></s:Envelope>`,
    }), /aborted|timeout/i);
    assert.equal((await callSoap(dev.xaddr, '<tds:GetScopes/>', CREDS)).status, 200);
    dev.faults.mute = [];
  });

  it('down closes the port (connection refused); up opens it again on the same port', async () => {
    const port = dev.port;
    await dev.down();
    const refused = await new Promise<string>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => { s.destroy(); resolve('connected'); });
      s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    assert.equal(refused, 'ECONNREFUSED');
    await dev.up();
    assert.equal(dev.port, port);
    assert.equal((await info()).status, 200);
  });

  it('refuses what it cannot read: not XML (ter:WellFormed), an unknown operation, a wrong path, an oversized request', async () => {
    const notXml = await fetch(dev.xaddr, { method: 'POST', body: '<<<' });
    assert.equal(notXml.status, 400);
    assert.match(await notXml.text(), /ter:WellFormed/);
    const unknown = await callSoap(dev.xaddr, '<tds:Reboot/>', CREDS);
    assert.deepEqual(faultCodes(unknown), ['SOAP-ENV:Receiver', 'ter:ActionNotSupported']);
    const misplaced = await callSoap(dev.url('/onvif/media_service'), '<tds:GetDeviceInformation/>', CREDS);
    assert.deepEqual(faultCodes(misplaced).slice(1), ['ter:ActionNotSupported']);
    assert.equal((await fetch(dev.url('/onvif/nothing'), { method: 'POST', body: 'x' })).status, 404);
    assert.equal((await fetch(dev.xaddr, { method: 'POST', body: 'x'.repeat(300 * 1024) })).status, 413);
  });
});

describe('ONVIF sim: envelope prefix', async () => {
  const { host, dev } = await oneCamera({ soapPrefix: 'env' });
  after(() => host.close());

  it('answers with the prefix it was given (clients must match local names)', async () => {
    const r = await callSoap(dev.xaddr, '<tds:GetDeviceInformation/>', CREDS);
    assert.match(r.text, /<env:Envelope xmlns:env="http:\/\/www\.w3\.org\/2003\/05\/soap-envelope"/);
    answer(r, 'GetDeviceInformationResponse');
  });
});
