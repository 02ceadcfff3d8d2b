// Answers a hostile or broken camera could send, for the client's guards:
// entity expansion (billion laughs), an external entity (XXE), nesting deeper
// than any SOAP answer needs, and a body far larger than any answer
// (streamed, so the simulator itself stays small; it stops when the client hangs up).
import type { ServerResponse } from 'node:http';
import { envelope } from './soap.ts';

export type HostileKind = 'entity-bomb' | 'xxe' | 'deep-nesting' | 'huge-body';

/** Default size of a `huge-body` answer. */
export const HUGE_BODY_BYTES = 32 * 1024 * 1024;

export function writeHostile(res: ServerResponse, kind: HostileKind, operation: string, hugeBytes = HUGE_BODY_BYTES): void {
  res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
  if (kind === 'huge-body') {
    streamHuge(res, operation, hugeBytes);
    return;
  }
  res.end(hostileText(kind, operation));
}

export function hostileText(kind: Exclude<HostileKind, 'huge-body'>, operation: string): string {
  const tag = `tds:${operation}Response`;
  if (kind === 'entity-bomb') {
    const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const envelopeText = envelope(`<${tag}><tds:Manufacturer>&lol9;</tds:Manufacturer></${tag}>`);
    return envelopeText.replace('?>\n', `?>\n<!DOCTYPE Envelope [<!ENTITY lol0 "lol">${levels}]>\n`);
  }
  if (kind === 'xxe') {
    return envelope(`<${tag}><tds:Manufacturer>&xxe;</tds:Manufacturer></${tag}>`)
      .replace('?>\n', '?>\n<!DOCTYPE Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n');
  }
  const depth = 10_000;
  return envelope(`<${tag}>${'<tt:X>'.repeat(depth)}deep${'</tt:X>'.repeat(depth)}</${tag}>`);
}

function streamHuge(res: ServerResponse, operation: string, total: number): void {
  const [head, tail] = envelope(`<tds:${operation}Response><tds:Manufacturer>\u0000</tds:Manufacturer></tds:${operation}Response>`).split('\u0000') as [string, string];
  const chunk = Buffer.alloc(64 * 1024, 'A');
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(tail);
  };
  res.write(head);
  pump();
}
