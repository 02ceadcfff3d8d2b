// A minimal server-sent events client on fetch: collects events with their ids.
import assert from 'node:assert/strict';

export interface SseEvent {
  id?: number;
  event: string;
  data: Record<string, unknown>;
}

export interface SseClient {
  events: SseEvent[];
  /** Set when the server ended the stream (it went away), not the client. */
  ended?: Error;
  close(): void;
}

/** Resolves once the stream answered (its headers came); events collect as they arrive. */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const events: SseEvent[] = [];
  const client: SseClient = { events, close: () => controller.abort() };
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal, headers });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) {
          if (!controller.signal.aborted) client.ended = new Error('the server ended the stream');
          return;
        }
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const id = /^id: (\d+)$/m.exec(block)?.[1];
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ id: id ? Number(id) : undefined, event, data: JSON.parse(data) as Record<string, unknown> });
        }
      }
    } catch (err) {
      if (!controller.signal.aborted) client.ended = err as Error;
    }
  })();
  return client;
}
