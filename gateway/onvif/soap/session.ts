// One camera's SOAP conversation: WS-Security on every authenticated call
// (Created shifted by the camera's clock skew), HTTP digest when the camera
// answers 401, answers read bounded, faults and HTTP errors as OnvifError.
import type { Logger } from 'pino';
import type { XmlElement } from '../../xml/safe-xml.ts';
import { OnvifError } from '../types.ts';
import { AuthHttp } from './auth-http.ts';
import { envelope } from './envelope.ts';
import type { EnvelopeParts } from './envelope.ts';
import { hostPort } from './http.ts';
import { faultError, MAX_SOAP_CHARS, readFault, soapBody } from './parse.ts';
import { securityHeader } from './wsse.ts';

export interface SoapSessionOptions {
  username: string;
  password: string;
  timeoutMs: number;
  log?: Logger;
  /** A refused call re-measures the clock skew only when the last measurement is at least this old (default 60 s). */
  resyncAfterMs?: number;
}

export interface SoapCall {
  url: string;
  /** Operation name for messages and logs, e.g. 'GetProfiles'. */
  operation: string;
  /** SOAP action URI (Content-Type action parameter). */
  action: string;
  body: string;
  /** GetSystemDateAndTime and discovery-adjacent calls go without credentials. */
  anonymous?: boolean;
  addressing?: EnvelopeParts['addressing'];
  /** Longer deadline for long polls (PullMessages): the camera holds the answer up to its Timeout. */
  timeoutMs?: number;
  /** WS-Security with this skew instead of the session's (the clock reader asks with our own clock). */
  skewMs?: number;
  /** Sees every HTTP answer, refusals too, before it is read (the clock reader takes its Date header). */
  onAnswer?: (a: AnswerSeen) => void;
}

export interface AnswerSeen {
  status: number;
  /** The HTTP Date header as sent, if any. */
  date?: string;
  /** Our clock when the request left and when the answer was in (epoch ms). */
  sentAt: number;
  answeredAt: number;
}

export class SoapSession {
  /** Camera clock minus ours, set once GetSystemDateAndTime has been read. */
  skewMs = 0;
  /** When skewMs was last measured (epoch ms). */
  skewMeasuredAt = 0;
  /** Re-measures the skew; set by the client. A refused call retries once after it when the
   *  measurement is older than `resyncAfterMs`: camera clocks jump (NTP, a reboot) under long-lived clients. */
  resync: (() => Promise<void>) | undefined;
  readonly http: AuthHttp;

  constructor(private readonly opts: SoapSessionOptions) {
    this.http = new AuthHttp({ username: opts.username, password: opts.password });
  }

  get timeoutMs(): number {
    return this.opts.timeoutMs;
  }

  /** The answer's Body element. */
  async call(c: SoapCall): Promise<XmlElement> {
    try {
      return await this.callOnce(c);
    } catch (err) {
      const stale = Date.now() - this.skewMeasuredAt >= (this.opts.resyncAfterMs ?? 60_000);
      if (!(err instanceof OnvifError && err.kind === 'auth' && !c.anonymous && this.resync && stale)) throw err;
      this.opts.log?.info({ operation: c.operation }, 'refused: measuring the camera clock again before one retry');
      await this.resync();
      return this.callOnce(c);
    }
  }

  /** One call, without the clock re-read and retry of call(): what the clock reader itself uses. */
  async callOnce(c: SoapCall): Promise<XmlElement> {
    const url = parseUrl(c.url, c.operation);
    const where = `${hostPort(url)} ${c.operation}`;
    const security = c.anonymous ? undefined : securityHeader({ username: this.opts.username, password: this.opts.password, skewMs: c.skewMs ?? this.skewMs });
    const sentAt = Date.now();
    const answer = await this.http.exchange({
      url,
      method: 'POST',
      headers: { 'Content-Type': `application/soap+xml; charset=utf-8; action="${c.action}"` },
      body: envelope({ body: c.body, security, addressing: c.addressing }),
      timeoutMs: c.timeoutMs ?? this.opts.timeoutMs,
      maxBytes: MAX_SOAP_CHARS,
      operation: c.operation,
    });
    c.onAnswer?.({ status: answer.status, date: answer.headers.date, sentAt, answeredAt: Date.now() });
    this.opts.log?.debug({ host: hostPort(url), operation: c.operation, status: answer.status }, 'onvif call');
    const text = answer.body.toString('utf8');
    const looksXml = /^\s*(<\?xml|<[A-Za-z_])/.test(text.replace(/^\uFEFF/, ''));
    if (answer.status === 401 && !looksXml) throw new OnvifError('auth', `${where}: HTTP 401, the camera refused the credentials`);
    if (!looksXml) {
      if (answer.status === 404 || answer.status === 405) throw new OnvifError('unsupported', `${where}: HTTP ${answer.status}`);
      if (answer.status >= 300) throw new OnvifError('fault', `${where}: HTTP ${answer.status}`);
      throw new OnvifError('malformed', `${where}: the answer is not XML`);
    }
    const body = soapBody(text, where);
    const fault = readFault(body);
    if (fault) throw faultError(fault, where);
    if (answer.status === 401) throw new OnvifError('auth', `${where}: HTTP 401, the camera refused the credentials`);
    if (answer.status >= 300) throw new OnvifError('fault', `${where}: HTTP ${answer.status}`);
    return body;
  }
}

export function parseUrl(raw: string, operation: string): URL {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // reported below, without the text (it may carry userinfo)
  }
  throw new OnvifError('malformed', `${operation}: the camera gave no usable http(s) address`);
}
