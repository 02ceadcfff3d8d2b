// Events service (ver10) through a PullPoint: create the subscription, long
// poll its messages, renew, unsubscribe. Calls on the subscription go to the
// address the camera gave (often another path or port), with WS-Addressing To
// and, for cameras that use them (Axis), the reference parameters echoed.
// Times the camera states are moved onto our clock with the measured skew.
import { childList, childText, escapeXml } from '../xml/safe-xml.ts';
import type { XmlElement } from '../xml/safe-xml.ts';
import { OnvifError } from './types.ts';
import type { OnvifEvent, PullPoint } from './types.ts';
import type { SoapSession } from './soap/session.ts';
import { at, durationMs, elements, reachable, simpleItems, textAt } from './xml-read.ts';

const TEV = 'http://www.onvif.org/ver10/events/wsdl';
const WSN = 'http://docs.oasis-open.org/wsn/bw-2';

export async function createPullPoint(session: SoapSession, eventsUrl: string, deviceUrl: URL, terminationSec: number): Promise<PullPoint> {
  const body = await session.call({
    url: eventsUrl,
    operation: 'CreatePullPointSubscription',
    action: `${TEV}/EventPortType/CreatePullPointSubscriptionRequest`,
    body: `<tev:CreatePullPointSubscription><tev:InitialTerminationTime>PT${Math.max(1, Math.round(terminationSec))}S</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`,
  });
  const answer = at(body, 'CreatePullPointSubscriptionResponse');
  const address = reachable(textAt(answer, 'SubscriptionReference', 'Address'), deviceUrl);
  if (!answer || !address) throw new OnvifError('malformed', `${deviceUrl.host} CreatePullPointSubscription: no subscription address`);
  const refs = referenceParameters(at(answer, 'SubscriptionReference', 'ReferenceParameters'));
  return new CameraPullPoint(session, address, refs, terminationAt(answer, session.skewMs) ?? Date.now() + terminationSec * 1000);
}

class CameraPullPoint implements PullPoint {
  constructor(
    private readonly session: SoapSession,
    readonly address: string,
    private readonly refs: string,
    public terminationAt: number,
  ) {}

  async pull(timeoutSec: number, limit: number): Promise<OnvifEvent[]> {
    const body = await this.call(
      'PullMessages',
      `${TEV}/PullPointSubscription/PullMessagesRequest`,
      `<tev:PullMessages><tev:Timeout>PT${Math.max(1, Math.round(timeoutSec))}S</tev:Timeout><tev:MessageLimit>${Math.max(1, Math.floor(limit))}</tev:MessageLimit></tev:PullMessages>`,
      this.session.timeoutMs + timeoutSec * 1000,
    );
    const answer = at(body, 'PullMessagesResponse');
    if (!answer) throw new OnvifError('malformed', `${new URL(this.address).host} PullMessages: no PullMessagesResponse`);
    this.terminationAt = terminationAt(answer, this.session.skewMs) ?? this.terminationAt;
    return elements(answer, 'NotificationMessage').flatMap((m) => notification(m, this.session.skewMs));
  }

  async renew(seconds: number): Promise<number> {
    const body = await this.call('Renew', `${WSN}/SubscriptionManager/RenewRequest`, `<wsnt:Renew><wsnt:TerminationTime>PT${Math.max(1, Math.round(seconds))}S</wsnt:TerminationTime></wsnt:Renew>`);
    this.terminationAt = terminationAt(at(body, 'RenewResponse'), this.session.skewMs) ?? Date.now() + seconds * 1000;
    return this.terminationAt;
  }

  async unsubscribe(): Promise<void> {
    await this.call('Unsubscribe', `${WSN}/SubscriptionManager/UnsubscribeRequest`, '<wsnt:Unsubscribe/>');
  }

  private call(operation: string, action: string, body: string, timeoutMs?: number): Promise<XmlElement> {
    return this.session.call({ url: this.address, operation, action, body, addressing: { to: this.address, action, referenceParameters: this.refs }, timeoutMs });
  }
}

/** TerminationTime on our clock: relative to the answer's CurrentTime when given (no skew involved), else shifted by the skew. */
function terminationAt(answer: XmlElement | undefined, skewMs: number): number | undefined {
  const end = textAt(answer, 'TerminationTime');
  if (!end) return undefined;
  const relative = durationMs(end);
  if (relative !== undefined) return Date.now() + relative;
  const endMs = Date.parse(end);
  if (!Number.isFinite(endMs)) return undefined;
  const nowMs = Date.parse(textAt(answer, 'CurrentTime') ?? '');
  return Number.isFinite(nowMs) ? Date.now() + (endMs - nowMs) : endMs - skewMs;
}

function notification(m: XmlElement, skewMs: number): OnvifEvent[] {
  const topic = textAt(m, 'Topic');
  const outer = at(m, 'Message');
  const message = at(outer, 'Message') ?? outer;
  if (!topic || !message) return [];
  const cameraTime = childText(message, '@UtcTime');
  const operation = childText(message, '@PropertyOperation');
  const utc = Date.parse(cameraTime ?? '');
  return [{
    topic, at: Number.isFinite(utc) ? utc - skewMs : Date.now(), source: simpleItems(at(message, 'Source')), data: simpleItems(at(message, 'Data')),
    ...(cameraTime ? { cameraTime } : {}), ...(operation ? { operation } : {}),
  }];
}

/** Reference parameters as SOAP headers: simple elements with text, each re-declared in the namespace it carried. */
function referenceParameters(el: XmlElement | undefined): string {
  if (!el) return '';
  const out: string[] = [];
  for (const name of Object.keys(el)) {
    if (name.startsWith('@') || name === '#text') continue;
    for (const node of childList(el, name)) {
      const item = typeof node === 'string' ? { '#text': node } : node;
      const ns = Object.entries(item).find(([k]) => k === '@xmlns' || k.startsWith('@xmlns:'))?.[1];
      const text = typeof item['#text'] === 'string' ? item['#text'] : '';
      out.push(`<${name}${typeof ns === 'string' ? ` xmlns="${escapeXml(ns)}"` : ''}>${escapeXml(text)}</${name}>`);
    }
  }
  return out.join('');
}
