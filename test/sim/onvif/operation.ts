// What a simulated service answers: an operation takes the parsed request
// and gives the Body's content or a Fault (long-polls give it later).
import type { SimFault, SoapRequest } from './soap.ts';

export type Answer = { xml: string } | { fault: SimFault };

export interface CallContext {
  /** Aborted when the caller hangs up (a long-poll then keeps its messages). */
  signal: AbortSignal;
}

export type Operation = (req: SoapRequest, ctx: CallContext) => Answer | Promise<Answer>;

export type ServiceName = 'device' | 'media' | 'ptz' | 'events' | 'subscription';

export const PATHS = {
  device: '/onvif/device_service',
  media: '/onvif/media_service',
  ptz: '/onvif/ptz_service',
  events: '/onvif/event_service',
  /** + subscription id */
  subscription: '/onvif/subscription/',
  /** + profile token + .jpg */
  snapshot: '/onvif/snapshot/',
} as const;
