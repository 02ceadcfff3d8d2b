// Shared by the simulator's own tests: a host with one camera, and readers of answers.
import { childElement, childText, type XmlElement } from './xml.ts';
import { OnvifSimHost } from './host.ts';
import type { OnvifDeviceOptions, OnvifDeviceSim } from './device.ts';
import type { CallResult } from './sim-caller.ts';

export const CREDS = { username: 'admin', password: 'Sim-pass-1' };

export async function oneCamera(o: Partial<OnvifDeviceOptions> = {}): Promise<{ host: OnvifSimHost; dev: OnvifDeviceSim }> {
  const host = await OnvifSimHost.start({ discovery: false });
  const dev = await host.addDevice({ ...CREDS, rtsp: { main: 'rtsp://127.0.0.1:8554/cam-1', sub: 'rtsp://127.0.0.1:8554/cam-1-sub' }, ...o });
  return { host, dev };
}

/** The Body's answer element (local names), or throws with the text. */
export function answer(r: CallResult, name: string): XmlElement {
  const el = r.doc && childElement(childElement(r.doc.root, 'Body') ?? {}, name);
  if (!el) throw new Error(`no ${name} in answer ${r.status}: ${r.text.slice(0, 600)}`);
  return el;
}

/** Code and subcodes of a SOAP Fault, outermost first, e.g. ['SOAP-ENV:Sender', 'ter:NotAuthorized']. */
export function faultCodes(r: CallResult): string[] {
  const out: string[] = [];
  let level = childElement(answer(r, 'Fault'), 'Code');
  while (level) {
    const v = childText(level, 'Value');
    if (v) out.push(v);
    level = childElement(level, 'Subcode');
  }
  return out;
}
