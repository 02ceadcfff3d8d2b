// Event service (tev) and its subscription managers (wsnt): a PullPoint
// per CreatePullPointSubscription, at its own path; PullMessages long-polls;
// Renew moves the termination time; Unsubscribe ends it. Fault switches:
// `noEvents` (no event service at all) and `failRenewals` (a fault, or silence).
import { childElement, childText, escapeXml as esc } from './xml.ts';
import type { OnvifDeviceSim } from './device.ts';
import { PATHS, type Answer, type Operation } from './operation.ts';
import { topicPath, type QueuedNotification, type SimPullPoint } from './pull-points.ts';
import { parseDuration, parseTermination, xsdDateTime, type SimFault } from './soap.ts';

export const MAX_PULL_TIMEOUT_MS = 60_000;
const MAX_MESSAGE_LIMIT = 1000;
const DEFAULT_TERMINATION_MS = 60_000;

/** Prefixes vendors give their own topics (declared on the Topic element when used). */
const TOPIC_NAMESPACES: Record<string, string> = {
  tns1: 'http://www.onvif.org/ver10/topics',
  tnsaxis: 'http://www.axis.com/2009/event/topics',
  tnshik: 'http://www.hikvision.com/2011/event/topics',
};

const NO_EVENTS: SimFault = { code: 'Receiver', subcode: 'ter:ActionNotSupported', reason: 'the device has no event service' };
const NO_SUBSCRIPTION: SimFault = { code: 'Sender', subcode: 'wsrf-rw:ResourceUnknownFault', reason: 'no such subscription (expired or unsubscribed)' };

export function eventOperations(dev: OnvifDeviceSim): Record<string, Operation> {
  const guard = (then: () => Answer | Promise<Answer>) => (dev.hasEvents ? then() : { fault: NO_EVENTS });
  return {
    CreatePullPointSubscription: (req) => guard(() => {
      const now = dev.deviceNow();
      const initial = childText(req.body, 'InitialTerminationTime');
      const terminationDevice = initial === undefined ? now + DEFAULT_TERMINATION_MS : parseTermination(initial, now);
      if (terminationDevice === undefined || terminationDevice <= now) {
        return { fault: { code: 'Sender', subcode: 'wsntw:UnacceptableInitialTerminationTimeFault', reason: `InitialTerminationTime ${initial ?? ''} is not acceptable` } };
      }
      const expression = childText(childElement(req.body, 'Filter') ?? {}, 'TopicExpression');
      const topics = expression?.split('|').map((t) => topicPath(t.trim()).replace(/\/*(\/\.)?$/, '')).filter(Boolean);
      const point = dev.pullPoints.create(terminationDevice - dev.clockSkewMs, topics?.length ? topics : undefined);
      if (!point) return { fault: { code: 'Receiver', subcode: ['ter:Action', 'ter:MaxPullPoints'], reason: 'no more pull points on this device' } };
      for (const m of dev.initialMessages()) point.push(m);
      return {
        xml: `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa:Address>${esc(subscriptionUrl(dev, point))}</wsa:Address></tev:SubscriptionReference>`
          + `<wsnt:CurrentTime>${xsdDateTime(now)}</wsnt:CurrentTime><wsnt:TerminationTime>${xsdDateTime(point.terminationAt + dev.clockSkewMs)}</wsnt:TerminationTime>`
          + '</tev:CreatePullPointSubscriptionResponse>',
      };
    }),
    GetServiceCapabilities: () => guard(() => ({
      xml: '<tev:GetServiceCapabilitiesResponse><tev:Capabilities WSSubscriptionPolicySupport="false" WSPullPointSupport="true" WSPausableSubscriptionManagerInterfaceSupport="false" MaxPullPoints="8"/></tev:GetServiceCapabilitiesResponse>',
    })),
    GetEventProperties: () => guard(() => ({
      xml: '<tev:GetEventPropertiesResponse><tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>'
        + '<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet><wstop:TopicSet/>'
        + '<wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>'
        + '<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter</tev:MessageContentFilterDialect>'
        + '<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation></tev:GetEventPropertiesResponse>',
    })),
  };
}

/** The operations of one subscription manager (see subscriptionUrl for where). */
export function subscriptionOperations(dev: OnvifDeviceSim, id: string): Record<string, Operation> {
  const withPoint = (then: (p: SimPullPoint) => Answer | Promise<Answer>) => {
    if (!dev.hasEvents) return { fault: NO_EVENTS };
    const point = dev.pullPoints.get(id);
    return point ? then(point) : { fault: NO_SUBSCRIPTION };
  };
  const times = (p: SimPullPoint, tag: string) =>
    `<${tag}:CurrentTime>${xsdDateTime(dev.deviceNow())}</${tag}:CurrentTime><${tag}:TerminationTime>${xsdDateTime(p.terminationAt + dev.clockSkewMs)}</${tag}:TerminationTime>`;
  return {
    PullMessages: (req, ctx) => withPoint(async (p) => {
      const timeoutText = childText(req.body, 'Timeout') ?? 'PT5S';
      const timeoutMs = parseDuration(timeoutText);
      const limit = Number(childText(req.body, 'MessageLimit') ?? '1');
      if (timeoutMs === undefined || timeoutMs > MAX_PULL_TIMEOUT_MS || !Number.isInteger(limit) || limit < 1 || limit > MAX_MESSAGE_LIMIT) {
        return {
          fault: {
            code: 'Sender', subcode: 'ter:InvalidArgVal', reason: `Timeout ${timeoutText} or MessageLimit ${limit} out of range`,
            detail: `<tev:PullMessagesFaultResponse><tev:MaxTimeout>PT${MAX_PULL_TIMEOUT_MS / 1000}S</tev:MaxTimeout><tev:MaxMessageLimit>${MAX_MESSAGE_LIMIT}</tev:MaxMessageLimit></tev:PullMessagesFaultResponse>`,
          },
        };
      }
      // Never wait past the subscription's end: the camera forgets it then.
      const waitMs = dev.options.longPoll === false ? 0 : Math.max(0, Math.min(timeoutMs, p.terminationAt - Date.now()));
      const messages = await p.pull(waitMs, limit, ctx.signal);
      return { xml: `<tev:PullMessagesResponse>${times(p, 'tev')}${messages.map((m) => notification(dev, p, m)).join('')}</tev:PullMessagesResponse>` };
    }),
    Renew: (req) => withPoint((p) => {
      if (dev.faults.failRenewals) return { fault: { code: 'Receiver', subcode: 'ter:Action', reason: 'renew refused' } };
      const text = childText(req.body, 'TerminationTime');
      const now = dev.deviceNow();
      const until = text === undefined ? undefined : parseTermination(text, now);
      if (until === undefined || until <= now) return { fault: { code: 'Sender', subcode: 'wsntw:UnacceptableTerminationTimeFault', reason: `TerminationTime ${text ?? '(none)'} is not acceptable` } };
      p.terminationAt = until - dev.clockSkewMs;
      p.counts.renewals++;
      return { xml: `<wsnt:RenewResponse><wsnt:TerminationTime>${xsdDateTime(until)}</wsnt:TerminationTime><wsnt:CurrentTime>${xsdDateTime(now)}</wsnt:CurrentTime></wsnt:RenewResponse>` };
    }),
    Unsubscribe: () => withPoint((p) => {
      dev.pullPoints.remove(p.id);
      return { xml: '<wsnt:UnsubscribeResponse/>' };
    }),
    SetSynchronizationPoint: () => withPoint(() => ({ xml: '<tev:SetSynchronizationPointResponse/>' })),
  };
}

/** At a path of its own, or (`subscriptionAddress: 'query'`) the event service's URL with `?SubscriptionId=`, as gSOAP cameras do. */
export function subscriptionUrl(dev: OnvifDeviceSim, p: SimPullPoint): string {
  return dev.options.subscriptionAddress === 'query' ? dev.url(`${PATHS.events}?SubscriptionId=${p.id}`) : dev.url(`${PATHS.subscription}${p.id}`);
}

function notification(dev: OnvifDeviceSim, p: SimPullPoint, m: QueuedNotification): string {
  const items = (tag: string, values: Record<string, string> | undefined) => values === undefined ? '' : `<tt:${tag}>${Object.entries(values)
    .map(([name, value]) => `<tt:SimpleItem Name="${esc(name)}" Value="${esc(value)}"/>`).join('')}</tt:${tag}>`;
  const prefix = m.topic.includes(':') ? m.topic.slice(0, m.topic.indexOf(':')) : '';
  const declare = prefix && prefix !== 'tns1' ? ` xmlns:${prefix}="${TOPIC_NAMESPACES[prefix] ?? `urn:citygw:sim:topics:${prefix}`}"` : '';
  return `<wsnt:NotificationMessage><wsnt:SubscriptionReference><wsa:Address>${esc(subscriptionUrl(dev, p))}</wsa:Address></wsnt:SubscriptionReference>`
    + `<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet"${declare}>${esc(m.topic)}</wsnt:Topic>`
    + `<wsnt:ProducerReference><wsa:Address>${esc(dev.url(PATHS.device))}</wsa:Address></wsnt:ProducerReference>`
    + `<wsnt:Message><tt:Message UtcTime="${xsdDateTime(m.at)}" PropertyOperation="${m.operation}">`
    + `${items('Source', m.source)}${items('Key', m.key)}${items('Data', m.data)}</tt:Message></wsnt:Message></wsnt:NotificationMessage>`;
}
