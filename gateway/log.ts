// Structured logs (pino). Secrets never reach a log line: auth headers, tokens
// in query strings and any password/secret/key field are redacted.
import { pino, type DestinationStream, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  '*.password',
  '*.passwordHash',
  '*.secret',
  '*.pushKey',
  '*.adminKey',
];

/** Removes credentials from URLs before they are logged: tokens in query strings and user:pass@ in RTSP URLs. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&](?:access_token|token|key)=)[^&#]*/gi, '$1[REDACTED]')
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1[REDACTED]@');
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { service: 'gateway' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: {
        req: (req: { method: string; url: string; ip?: string; id?: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url), ip: req.ip }),
      },
    },
    destination,
  );
}
