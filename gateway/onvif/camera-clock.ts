// The camera's clock, which WS-UsernameToken digests depend on (cameras refuse
// a Created a few seconds off theirs). GetSystemDateAndTime without
// credentials, as the spec wants: its UTCDateTime, or else its LocalDateTime
// moved onto UTC by the POSIX TZ it names. A camera that wants credentials
// even for its clock is asked again with WS-Security on our own clock; when
// that is refused too, the HTTP Date header of its answer (whole seconds)
// gives the skew: a camera set to the wrong day still lets calls through.
import type { Logger } from 'pino';
import type { XmlElement } from '../xml/safe-xml.ts';
import { localToUtc, parsePosixTz } from './posix-tz.ts';
import type { AnswerSeen, SoapSession } from './soap/session.ts';
import { OnvifError, type ClockSource } from './types.ts';
import { at, numberAt, textAt } from './xml-read.ts';

const TDS = 'http://www.onvif.org/ver10/device/wsdl';

export interface CameraClock {
  /** Camera clock minus ours. */
  skewMs: number;
  source: ClockSource;
}

export async function readCameraClock(session: SoapSession, url: string, log?: Logger): Promise<CameraClock> {
  let seen: AnswerSeen | undefined;
  const ask = (anonymous: boolean) =>
    session.callOnce({
      url, operation: 'GetSystemDateAndTime', action: `${TDS}/GetSystemDateAndTime`, body: '<tds:GetSystemDateAndTime/>',
      anonymous, skewMs: 0, onAnswer: (a) => (seen = a),
    });
  let body: XmlElement | undefined;
  try {
    body = await ask(true);
  } catch (err) {
    if (!refused(err)) throw err;
    log?.info({ kind: err.kind }, 'GetSystemDateAndTime refused without credentials; asking with WS-Security');
    body = await ask(false).catch((again: unknown) => {
      if (!refused(again)) throw again;
      return undefined;
    });
  }
  const midpoint = seen && Math.round((seen.sentAt + seen.answeredAt) / 2);
  const httpSkew = seen && midpoint !== undefined ? httpDateSkew(seen.date, midpoint) : undefined;
  const fromBody = body && midpoint !== undefined ? clockInAnswer(body, midpoint, httpSkew, log) : undefined;
  if (fromBody) return fromBody;
  if (httpSkew !== undefined) {
    log?.warn({ skewMs: httpSkew }, 'camera clock taken from its HTTP Date header (whole seconds)');
    return { skewMs: httpSkew, source: 'http-date' };
  }
  log?.warn('the camera gives no clock we can read; assuming ours');
  return { skewMs: 0, source: 'none' };
}

const refused = (err: unknown): err is OnvifError => err instanceof OnvifError && (err.kind === 'auth' || err.kind === 'fault');

/** The camera's time from a GetSystemDateAndTime answer, minus ours at the request's midpoint. */
export function clockInAnswer(body: XmlElement, midpoint: number, httpSkew?: number, log?: Logger): CameraClock | undefined {
  const sdt = at(body, 'GetSystemDateAndTimeResponse', 'SystemDateAndTime');
  const utc = dateTime(at(sdt, 'UTCDateTime'));
  if (utc !== undefined) return { skewMs: utc - midpoint, source: 'utc' };
  const local = dateTime(at(sdt, 'LocalDateTime'));
  const tzText = textAt(sdt, 'TimeZone', 'TZ');
  const tz = parsePosixTz(tzText);
  if (local === undefined || !tz) {
    if (local !== undefined) log?.warn({ tz: tzText?.slice(0, 64) }, 'camera local time in a zone we cannot read');
    return undefined;
  }
  const flag = textAt(sdt, 'DaylightSavings')?.trim().toLowerCase();
  const converted = localToUtc(tz, local, flag === 'true' ? true : flag === 'false' ? false : undefined);
  let skewMs = converted.utcMs - midpoint;
  if (converted.by === 'guessed') log?.warn({ tz: tzText }, 'camera zone has DST but no rule or flag: standard time assumed');
  if (tz.ambiguousSign) {
    // 'GMT+08': POSIX says UTC-8, many cameras mean UTC+8. The HTTP Date header decides when there is one.
    const flipped = skewMs - 2 * tz.stdOffsetSec * 1000;
    const pick = httpSkew !== undefined && Math.abs(flipped - httpSkew) < Math.abs(skewMs - httpSkew);
    log?.warn({ tz: tzText, reading: pick ? 'inverted' : 'posix', byHttpDate: httpSkew !== undefined }, 'ambiguous camera time zone sign');
    if (pick) skewMs = flipped;
  }
  return { skewMs, source: 'local+tz' };
}

/** Skew from an HTTP Date header: the camera's second began at Date, so its time is about Date + 0.5 s. */
export function httpDateSkew(date: string | undefined, midpoint: number): number | undefined {
  const parsed = date ? Date.parse(date) : NaN;
  return Number.isFinite(parsed) ? parsed + 500 - midpoint : undefined;
}

function dateTime(el: XmlElement | undefined): number | undefined {
  const [y, mo, d, h, mi, s] = [
    numberAt(el, 'Date', 'Year'), numberAt(el, 'Date', 'Month'), numberAt(el, 'Date', 'Day'),
    numberAt(el, 'Time', 'Hour'), numberAt(el, 'Time', 'Minute'), numberAt(el, 'Time', 'Second'),
  ];
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined || s === undefined) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isFinite(ms) ? ms : undefined;
}
