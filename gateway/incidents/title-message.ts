// An incident's title and the system's flow-log notes as coded messages: the
// English stays in `title` / `note` for API users; the code and params ride
// in the evidence (`titleMessage`) and in the flow record's data (`message`),
// so the wall can say them in the operator's language (device-registry/messages.ts).
import { say, type Params } from '../../device-registry/messages.ts';
import { reasonCode } from '../../device-registry/vocabulary.ts';

export interface CodedText { code: string; params?: Params }

/** Where the title's code lives in an incident's evidence. */
export const TITLE_MESSAGE = 'titleMessage';

/** The coded title a producer put in the evidence, if any. */
export function titleMessageOf(evidence: Record<string, unknown> | null | undefined): CodedText | null {
  const m = evidence?.[TITLE_MESSAGE] as CodedText | undefined;
  return m && typeof m.code === 'string' ? m : null;
}

/** A coded message without its English (what evidence and flow data keep). */
export const codeOnly = (m: { code: string; params?: Params }): CodedText => ({ code: m.code, ...(m.params ? { params: m.params } : {}) });

/** The params of a reason: its English, and its code when the vocabulary has one. */
export function reasonParams(reason: string | undefined): Params {
  const text = reason ?? 'unknown';
  const c = reasonCode(text);
  return { reason: text, ...(c ? { reasonCode: c.code } : {}) };
}

/** `camera cam-1 offline: unreachable`, coded. */
export const cameraOfflineTitle = (channelId: string, reason: string | undefined) => say('camera_offline_title', { camera: channelId, ...reasonParams(reason) });
