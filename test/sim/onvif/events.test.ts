// The simulator's events: PullPoint subscription, PullMessages long-poll
// woken by dev.emit(), renewals and expiry, unsubscribe, topic filters, and
// the switches noEvents and failRenewals.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { attribute, childElement, childList, childText, type XmlElement } from './xml.ts';
import { callSoap } from './sim-caller.ts';
import { simEvents, SIM_TOPICS } from './topics.ts';
import { answer, CREDS, faultCodes, oneCamera } from './test-helpers.ts';

const SKEW = -90 * 60_000;

describe('ONVIF sim: PullPoint events', async () => {
  const { host, dev } = await oneCamera({ clockSkewMs: SKEW });
  after(() => host.close());
  const call = (url: string, body: string) => callSoap(url, body, { ...CREDS, skewMs: SKEW });
  const subscribe = async (seconds = 60, filter?: string) => {
    const f = filter ? `<tev:Filter><wsnt:TopicExpression Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${filter}</wsnt:TopicExpression></tev:Filter>` : '';
    const r = answer(await call(dev.url('/onvif/event_service'), `<tev:CreatePullPointSubscription>${f}<tev:InitialTerminationTime>PT${seconds}S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`), 'CreatePullPointSubscriptionResponse');
    return { address: childText(childElement(r, 'SubscriptionReference') ?? {}, 'Address') ?? '', termination: Date.parse(childText(r, 'TerminationTime') ?? '') };
  };
  const pull = async (address: string, timeout = 'PT5S', limit = 10) => {
    const r = await call(address, `<tev:PullMessages><tev:Timeout>${timeout}</tev:Timeout><tev:MessageLimit>${limit}</tev:MessageLimit></tev:PullMessages>`);
    return childList(answer(r, 'PullMessagesResponse'), 'NotificationMessage') as XmlElement[];
  };
  const topicOf = (m: XmlElement) => childText(childElement(m, 'Topic') ?? {}, '#text');
  const items = (m: XmlElement, part: string) => Object.fromEntries((childList(childElement(childElement(childElement(m, 'Message') ?? {}, 'Message') ?? {}, part) ?? {}, 'SimpleItem') as XmlElement[])
    .map((i) => [attribute(i, 'Name'), attribute(i, 'Value')]));

  it('creates a subscription at its own address, its termination time on the camera clock', async () => {
    const s = await subscribe(60);
    assert.match(s.address, /^http:\/\/127\.0\.0\.1:\d+\/onvif\/subscription\/[0-9a-f]+$/);
    assert.ok(Math.abs(s.termination - (Date.now() + SKEW + 60_000)) < 5000);
    assert.equal(dev.pullPoints.live().length, 1);
  });

  it('a waiting PullMessages is answered as soon as an event is emitted, with topic, Source and Data', async () => {
    const s = await subscribe();
    const started = Date.now();
    const pending = pull(s.address, 'PT20S');
    await dev.waitForRequests('PullMessages', 1);
    assert.equal(dev.emit(simEvents.motion(true)), 2, 'both live subscriptions get it');
    const messages = await pending;
    assert.ok(Date.now() - started < 15_000, 'answered by the event, not by the 20 s timeout');
    assert.equal(messages.length, 1);
    assert.equal(topicOf(messages[0]!), SIM_TOPICS.motion);
    assert.deepEqual(items(messages[0]!, 'Data'), { IsMotion: 'true' });
    assert.equal(items(messages[0]!, 'Source').Rule, 'MyMotionDetectorRule');
    const message = childElement(childElement(messages[0]!, 'Message') ?? {}, 'Message') ?? {};
    const at = Date.parse(attribute(message, 'UtcTime') ?? '');
    assert.ok(Math.abs(at - (Date.now() + SKEW)) < 5000, 'UtcTime on the camera clock');
  });

  it('queued events come at once, MessageLimit at a time; an empty pull waits its Timeout', async () => {
    const s = await subscribe();
    for (const e of [simEvents.tamper(true), simEvents.lineCrossing(3), simEvents.fieldDetection(true)]) dev.emit(e);
    assert.deepEqual((await pull(s.address, 'PT5S', 2)).map(topicOf), [SIM_TOPICS.tamper, SIM_TOPICS.lineCrossing]);
    assert.deepEqual((await pull(s.address, 'PT5S', 2)).map(topicOf), [SIM_TOPICS.fieldDetection]);
    const started = Date.now();
    assert.deepEqual(await pull(s.address, 'PT1S'), []);
    assert.ok(Date.now() - started >= 900, 'the empty pull waited');
  });

  it('a topic filter keeps only matching topics', async () => {
    const s = await subscribe(60, 'tns1:RuleEngine/CellMotionDetector//.|tns1:VideoSource/GlobalSceneChange//.');
    dev.emit(simEvents.lineCrossing());
    dev.emit(simEvents.motion(false));
    dev.emit(simEvents.tamper(true));
    assert.deepEqual((await pull(s.address, 'PT1S')).map(topicOf), [SIM_TOPICS.motion, SIM_TOPICS.tamper]);
  });

  it('expires at its termination time unless renewed; Renew moves it; Unsubscribe ends it', async () => {
    const short = await subscribe(1);
    const renewed = await subscribe(10);
    const r = await call(renewed.address, '<wsnt:Renew><wsnt:TerminationTime>PT30S</wsnt:TerminationTime></wsnt:Renew>');
    assert.ok(Math.abs(Date.parse(childText(answer(r, 'RenewResponse'), 'TerminationTime') ?? '') - (Date.now() + SKEW + 30_000)) < 5000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const gone = await call(short.address, '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>1</tev:MessageLimit></tev:PullMessages>');
    assert.deepEqual(faultCodes(gone).slice(1), ['wsrf-rw:ResourceUnknownFault']);
    dev.emit(simEvents.motion(true));
    assert.equal((await pull(renewed.address, 'PT1S')).length, 1);
    assert.equal(dev.pullPoints.live().find((p) => renewed.address.endsWith(p.id))?.counts.renewals, 1);
    assert.equal((await call(renewed.address, '<wsnt:Unsubscribe/>')).status, 200);
    assert.equal((await call(renewed.address, '<wsnt:Unsubscribe/>')).status, 400);
  });

  it('refuses a PullMessages Timeout over a minute with the maxima in the fault detail', async () => {
    const s = await subscribe();
    const r = await call(s.address, '<tev:PullMessages><tev:Timeout>PT5M</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>');
    assert.deepEqual(faultCodes(r).slice(1), ['ter:InvalidArgVal']);
    assert.match(r.text, /<tev:MaxTimeout>PT60S<\/tev:MaxTimeout>/);
  });

  it('failRenewals: a fault, or no answer at all', async () => {
    const s = await subscribe();
    dev.faults.failRenewals = true;
    assert.equal((await call(s.address, '<wsnt:Renew><wsnt:TerminationTime>PT60S</wsnt:TerminationTime></wsnt:Renew>')).status, 500);
    dev.faults.failRenewals = 'silent';
    await assert.rejects(callSoapWithTimeout(s.address, 800), /abort|timeout/i);
    assert.equal(dev.requests('Renew').at(-1)?.answer, 'silent');
    dev.faults.failRenewals = false;
  });

  async function callSoapWithTimeout(url: string, ms: number) {
    const { usernameToken } = await import('./sim-caller.ts');
    const body = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2"><s:Header>${usernameToken(CREDS.username, CREDS.password, SKEW)}</s:Header><s:Body><wsnt:Renew><wsnt:TerminationTime>PT60S</wsnt:TerminationTime></wsnt:Renew></s:Body></s:Envelope>`;
    return fetch(url, { method: 'POST', body, signal: AbortSignal.timeout(ms), headers: { 'Content-Type': 'application/soap+xml' } });
  }
});

describe('ONVIF sim: initial property states', async () => {
  const { host, dev } = await oneCamera({ initialState: [simEvents.motion(false), simEvents.tamper(false)] });
  after(() => host.close());
  const subscribeAndPull = async () => {
    const r = answer(await callSoap(dev.url('/onvif/event_service'), '<tev:CreatePullPointSubscription/>', CREDS), 'CreatePullPointSubscriptionResponse');
    const address = childText(childElement(r, 'SubscriptionReference') ?? {}, 'Address') ?? '';
    const pulled = await callSoap(address, '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>10</tev:MessageLimit></tev:PullMessages>', CREDS);
    return (childList(answer(pulled, 'PullMessagesResponse'), 'NotificationMessage') as XmlElement[]).map((m) => {
      const message = childElement(childElement(m, 'Message') ?? {}, 'Message') ?? {};
      const data = childElement(childElement(message, 'Data') ?? {}, 'SimpleItem') ?? {};
      return [childText(childElement(m, 'Topic') ?? {}, '#text'), attribute(message, 'PropertyOperation'), attribute(data, 'Value')];
    });
  };

  it('a new pull point first gets each property as Initialized, with the last state emitted', async () => {
    assert.deepEqual(await subscribeAndPull(), [[SIM_TOPICS.motion, 'Initialized', 'false'], [SIM_TOPICS.tamper, 'Initialized', 'false']]);
    dev.emit(simEvents.motion(true));
    assert.deepEqual(await subscribeAndPull(), [[SIM_TOPICS.motion, 'Initialized', 'true'], [SIM_TOPICS.tamper, 'Initialized', 'false']]);
  });
});

describe('ONVIF sim: a camera without long-poll', async () => {
  const { host, dev } = await oneCamera({ longPoll: false });
  after(() => host.close());

  it('answers PullMessages at once, empty, whatever its Timeout; queued messages still come', async () => {
    const r = answer(await callSoap(dev.url('/onvif/event_service'), '<tev:CreatePullPointSubscription/>', CREDS), 'CreatePullPointSubscriptionResponse');
    const address = childText(childElement(r, 'SubscriptionReference') ?? {}, 'Address') ?? '';
    const pullMessages = '<tev:PullMessages><tev:Timeout>PT50S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>';
    const started = Date.now();
    assert.equal(childList(answer(await callSoap(address, pullMessages, CREDS), 'PullMessagesResponse'), 'NotificationMessage').length, 0);
    assert.ok(Date.now() - started < 30_000, 'not held for the 50 s asked');
    dev.emit(simEvents.motion(true));
    assert.equal(childList(answer(await callSoap(address, pullMessages, CREDS), 'PullMessagesResponse'), 'NotificationMessage').length, 1);
  });
});

describe("ONVIF sim: subscriptionAddress 'query'", async () => {
  const { host, dev } = await oneCamera({ subscriptionAddress: 'query' });
  after(() => host.close());

  it('gives the event service URL with ?SubscriptionId= and answers the subscription there only', async () => {
    const r = answer(await callSoap(dev.url('/onvif/event_service'), '<tev:CreatePullPointSubscription/>', CREDS), 'CreatePullPointSubscriptionResponse');
    const address = childText(childElement(r, 'SubscriptionReference') ?? {}, 'Address') ?? '';
    assert.match(address, /\/onvif\/event_service\?SubscriptionId=[0-9a-f]+$/);
    dev.emit(simEvents.tamper(true));
    const pulled = await callSoap(address, '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>', CREDS);
    assert.equal(childList(answer(pulled, 'PullMessagesResponse'), 'NotificationMessage').length, 1);
    const withoutQuery = await callSoap(dev.url('/onvif/event_service'), '<tev:PullMessages><tev:Timeout>PT1S</tev:Timeout><tev:MessageLimit>5</tev:MessageLimit></tev:PullMessages>', CREDS);
    assert.deepEqual(faultCodes(withoutQuery).slice(1), ['ter:ActionNotSupported']);
  });
});

describe('ONVIF sim: a camera without events', async () => {
  const { host, dev } = await oneCamera({ events: false });
  after(() => host.close());

  it('has no event service in capabilities or services and refuses CreatePullPointSubscription', async () => {
    const caps = answer(await callSoap(dev.xaddr, '<tds:GetCapabilities/>', CREDS), 'GetCapabilitiesResponse');
    assert.equal(childElement(childElement(caps, 'Capabilities') ?? {}, 'Events'), undefined);
    const services = childList(answer(await callSoap(dev.xaddr, '<tds:GetServices><tds:IncludeCapability>true</tds:IncludeCapability></tds:GetServices>', CREDS), 'GetServicesResponse'), 'Service') as XmlElement[];
    assert.ok(!services.some((s) => childText(s, 'Namespace')?.includes('events')));
    const r = await callSoap(dev.url('/onvif/event_service'), '<tev:CreatePullPointSubscription/>', CREDS);
    assert.deepEqual(faultCodes(r), ['SOAP-ENV:Receiver', 'ter:ActionNotSupported']);
    assert.equal(dev.emit(simEvents.motion(true)), 0);
  });
});
