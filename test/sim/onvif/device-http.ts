// How a simulated camera answers HTTP: route by path to a service, read and
// parse the SOAP request, authenticate it (all but GetSystemDateAndTime),
// then apply the fault switches (mute, hostile, injected fault) before the
// operation itself; snapshots are plain GETs behind HTTP auth.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthBy, DeviceAuth } from './auth.ts';
import type { OnvifDeviceSim } from './device.ts';
import type { ReceivedRequest } from './device-options.ts';
import { deviceOperations, OPEN_OPERATIONS } from './device-service.ts';
import { eventOperations, subscriptionOperations } from './event-service.ts';
import { writeHostile } from './hostile.ts';
import { mediaOperations } from './media-service.ts';
import { PATHS, type Operation, type ServiceName } from './operation.ts';
import { ptzOperations } from './ptz-service.ts';
import { envelope, FAULTS, faultBody, faultStatus, parseSoapRequest, type SimFault, type SoapRequest } from './soap.ts';

const MAX_REQUEST_BYTES = 256 * 1024;
const SOAP_TYPE = 'application/soap+xml; charset=utf-8';

export class DeviceHttp {
  private readonly held = new Set<ServerResponse>();
  private readonly services: Record<Exclude<ServiceName, 'subscription'>, Record<string, Operation>>;

  constructor(private readonly dev: OnvifDeviceSim, private readonly auth: DeviceAuth) {
    this.services = { device: deviceOperations(dev), media: mediaOperations(dev), ptz: ptzOperations(dev), events: eventOperations(dev) };
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
    this.handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(500).end(err.message);
      else res.destroy(err);
    });
  }

  /** Ends the connections of requests never answered (silent, muted). */
  dropHeld(): void {
    for (const res of this.held) res.socket?.destroy();
    this.held.clear();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.dev.faults.silent) return this.hold(res);
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    if (req.method === 'GET' && path.startsWith(PATHS.snapshot)) return this.serveSnapshot(req, res, decodeURIComponent(path.slice(PATHS.snapshot.length).replace(/\.jpg$/, '')));
    const route = this.route(path, url.searchParams.get('SubscriptionId'));
    if (!route) return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { Allow: 'POST' }).end();
    const text = await readBody(req);
    if (text === undefined) return void res.writeHead(413, { Connection: 'close' }).end();
    let soap: SoapRequest;
    try {
      soap = parseSoapRequest(text);
    } catch (err) {
      return this.answerFault(res, FAULTS.badRequest(`not a SOAP request: ${(err as Error).message}`));
    }
    const { operation } = soap;
    const log = (entry: Pick<ReceivedRequest, 'auth' | 'refusal' | 'answer'>) => this.dev.record({ service: route.service, operation, at: Date.now(), body: soap.body, ...entry });
    let by: AuthBy = 'none';
    if (!(this.dev.options.openOperations ?? OPEN_OPERATIONS).includes(operation)) {
      const verdict = this.auth.soap(soap.header, req.headers.authorization);
      if (!verdict.ok) {
        log({ auth: 'refused', refusal: verdict.reason, answer: verdict.answer });
        return this.refuse(res, verdict.answer);
      }
      by = verdict.by;
    }
    const f = this.dev.faults;
    if (f.mute?.includes(operation) || (operation === 'Renew' && f.failRenewals === 'silent')) {
      log({ auth: by, answer: 'silent' });
      return this.hold(res);
    }
    const hostile = f.hostile?.[operation];
    if (hostile) {
      log({ auth: by, answer: 'hostile' });
      return writeHostile(res, hostile, operation, f.hugeBodyBytes);
    }
    const injected = f.fault?.[operation];
    const op = route.operations[operation];
    if (injected || !op) {
      log({ auth: by, answer: 'fault' });
      return this.answerFault(res, injected ?? FAULTS.noSuchOperation(operation));
    }
    log({ auth: by, answer: 'ok' });
    const hangUp = new AbortController();
    res.on('close', () => hangUp.abort());
    const answer = await op(soap, { signal: hangUp.signal });
    if (res.destroyed) return;
    if ('fault' in answer) return this.answerFault(res, answer.fault);
    this.send(res, 200, envelope(answer.xml, { prefix: this.prefix }));
  }

  private route(path: string, subscriptionId: string | null): { service: ServiceName; operations: Record<string, Operation> } | undefined {
    const query = this.dev.options.subscriptionAddress === 'query';
    const id = query ? (path === PATHS.events ? subscriptionId : null) : path.startsWith(PATHS.subscription) ? path.slice(PATHS.subscription.length) : null;
    if (id !== null) return { service: 'subscription', operations: subscriptionOperations(this.dev, id) };
    for (const service of ['device', 'media', 'ptz', 'events'] as const) {
      if (path === PATHS[service]) return { service, operations: this.services[service] };
    }
    return undefined;
  }

  private refuse(res: ServerResponse, answer: 'challenge' | 'fault'): void {
    const o = this.dev.options;
    const status = answer === 'challenge' ? 401 : (o.authFaultStatus ?? 400);
    // A camera taking digest too says so on its 401s, so a client can fall back to it.
    const challenge: Record<string, string> = status === 401 && (o.authMode ?? 'ws-security') !== 'ws-security' ? { 'WWW-Authenticate': this.auth.challenge() } : {};
    this.send(res, status, envelope(faultBody(FAULTS.notAuthorized, this.prefix), { prefix: this.prefix }), challenge);
  }

  private answerFault(res: ServerResponse, fault: SimFault): void {
    this.send(res, faultStatus(fault), envelope(faultBody(fault, this.prefix), { prefix: this.prefix }));
  }

  private serveSnapshot(req: IncomingMessage, res: ServerResponse, token: string): void {
    if (!this.dev.profiles.some((p) => p.token === token)) return void res.writeHead(404).end();
    const o = this.dev.options;
    const mode = o.snapshotAuth ?? 'digest';
    const authorization = req.headers.authorization;
    const basic = `Basic ${Buffer.from(`${o.username}:${o.password}`).toString('base64')}`;
    const ok = mode === 'none' || (mode === 'basic' ? authorization === basic : this.auth.http('GET', authorization) === 'ok');
    if (!ok) {
      const challenge = mode === 'basic' ? `Basic realm="${this.dev.facts.model}"` : this.auth.challenge();
      return void res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Length': 0 }).end();
    }
    const jpeg = this.dev.snapshotJpeg ?? Buffer.alloc(0);
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': jpeg.length }).end(jpeg);
  }

  private get prefix(): string {
    return this.dev.options.soapPrefix ?? 'SOAP-ENV';
  }

  private send(res: ServerResponse, status: number, xml: string, headers: Record<string, string> = {}): void {
    const body = Buffer.from(xml, 'utf8');
    // The Date header on the camera's own clock, as its web server sends it (clients fall back to it).
    res.writeHead(status, { 'Content-Type': SOAP_TYPE, 'Content-Length': body.length, Date: new Date(this.dev.deviceNow()).toUTCString(), ...headers }).end(body);
  }

  private hold(res: ServerResponse): void {
    this.held.add(res);
    res.on('close', () => this.held.delete(res));
  }
}

/** The body as text, or undefined when it is over MAX_REQUEST_BYTES (the rest is not read). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
