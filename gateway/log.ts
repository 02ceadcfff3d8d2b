// Structured logs (pino). Secrets never reach a log line: auth and cookie
// headers, credential fields, userinfo in URLs, media tokens in paths and
// every credential-like query value are redacted.
import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACTED, redactUrl } from '../device-registry/index.ts';

export { redactUrl };

const SECRET_FIELDS = ['password', 'passwordHash', 'secret', 'pushKey', 'adminKey', 'token', 'apiKey', 'clientSecret'];

// A secret field is redacted at the top of a log line and one level down.
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
];

// Media tokens ride in the path (/media/<token>/<channel>/…): the log names their key instead.
const MEDIA_TOKEN = /\/media\/([^/?#]+)\//;

/** The key id a media token in the path names (`<exp>.<base64url key id>.<sig>`), so a media request's log line says whose it is. */
export function mediaKeyId(url: string): string | undefined {
  const token = MEDIA_TOKEN.exec(url)?.[1];
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
