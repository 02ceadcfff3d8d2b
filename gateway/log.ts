// Structured logs (pino). Secrets never reach a log line: auth and cookie
// headers, credential fields, userinfo in URLs, media tokens in paths and
// every credential-like query value are redacted.
import { pino, type DestinationStream, type Logger } from 'pino';

const SECRET_FIELDS = ['password', 'passwordHash', 'secret', 'pushKey', 'adminKey', 'token', 'apiKey'];

// A secret field is redacted at the top of a log line and one level down.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
];

const REDACTED = '[REDACTED]';
// Any scheme://user:pass@ anywhere in the text (ffmpeg, broker and database URLs).
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/@\s?#]+@/gi;
// Media tokens ride in the path (/media/<token>/<channel>/…) and are bearer credentials for hours.
const MEDIA_TOKEN = /(\/media\/)([^/?#]+)(?=\/)/;
// A query parameter is a credential when its name says so…
const CREDENTIAL_NAME = /token|key|secret|pass|pwd|auth|sig|credential|session|cookie|jwt|bearer|ticket|code/i;
// …or when its value looks like one: our key and token prefixes, a JWT, or a long random-looking string.
const CREDENTIAL_VALUE = /^(gw[a-z]_|eyJ)|^(?=.*\d)(?=.*[a-z])[A-Za-z0-9._~+/=-]{24,}$/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function redactQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = decoded(pair.slice(0, eq));
      const value = decoded(pair.slice(eq + 1));
      return CREDENTIAL_NAME.test(name) || CREDENTIAL_VALUE.test(value) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
    })
    .join('&');
}

/** Removes credentials from a URL or a path before it is logged. */
export function redactUrl(url: string): string {
  const text = url.replace(USERINFO, `$1${REDACTED}@`).replace(MEDIA_TOKEN, `$1${REDACTED}`);
  const q = text.indexOf('?');
  if (q < 0) return text;
  const hash = text.indexOf('#', q);
  const end = hash < 0 ? text.length : hash;
  return `${text.slice(0, q + 1)}${redactQuery(text.slice(q + 1, end))}${text.slice(end)}`;
}

/** The key id a media token in the path names (`<exp>.<base64url key id>.<sig>`), so a media request's log line says whose it is. */
export function mediaKeyId(url: string): string | undefined {
  const token = MEDIA_TOKEN.exec(url)?.[2];
  const part = token?.split('.')[1];
  if (!part) return undefined;
  const keyId = Buffer.from(part, 'base64url').toString();
  return /^[\w-]{1,64}$/.test(keyId) ? keyId : undefined;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      base: { service: 'gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
          id: req.id, method: req.method, url: redactUrl(req.url), ip: req.ip, keyId: mediaKeyId(req.url),
        }),
      },
    },
    destination,
  );
}
