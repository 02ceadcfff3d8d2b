// ffmpeg prints its input URL in its error lines, with whatever credentials
// the URL carries (`rtsp://admin:p%40ss@host/…: Connection refused`). Every
// line of ffmpeg text passes through a scrubber before it is kept, logged or
// shown: the input URL is replaced by the form a person may see (host, port
// and path, no userinfo), then the gateway's URL rules (device-registry's
// redactUrl) remove credentials from any other URL, and last the channel's
// own secrets are cut out wherever they still appear.
import { REDACTED, redactUrl } from '../../../device-registry/index.ts';
import type { IngestInput } from './args.ts';

export type Scrub = (text: string) => string;

/** Shorter secrets are not cut out of free text: they would mangle it, and the URL rules still apply. */
const MIN_SECRET_LENGTH = 4;

/** The input as a person may see it: `rtsp://host:port/path`, no userinfo, tokens redacted. */
export function shownUrl(input: IngestInput): string {
  try {
    const url = new URL(input.url);
    url.username = '';
    url.password = '';
    return redactUrl(input.kind === 'rtmp' ? withoutLastSegment(url) : url.toString());
  } catch {
    return redactUrl(input.url);
  }
}

/** An RTMP input's last path segment is the channel's push key. */
function withoutLastSegment(url: URL): string {
  const path = url.pathname.split('/');
  path[path.length - 1] = REDACTED;
  return `${url.protocol}//${url.host}${path.join('/')}`;
}

/** Every form a secret may take in text: as is, percent-encoded (either hex case), and the URL's own spelling. */
function forms(secret: string, asInUrl?: string): string[] {
  const encoded = encodeURIComponent(secret);
  const out = [secret, encoded, encoded.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())];
  if (asInUrl) out.push(asInUrl, decodeSafely(asInUrl));
  return out;
}

function decodeSafely(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The secrets an input URL carries: its password (and Basic auth's base64 of user:password), a push key, a relay token. */
export function secretsOf(input: IngestInput): string[] {
  const secrets: string[] = [];
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return secrets;
  }
  if (url.password) {
    const user = decodeSafely(url.username);
    const password = decodeSafely(url.password);
    const basic = (u: string, p: string) => Buffer.from(`${u}:${p}`).toString('base64');
    secrets.push(...forms(password, url.password), basic(user, password), basic(url.username, url.password));
  }
  const segments = url.pathname.split('/').filter(Boolean);
  if (input.kind === 'rtmp' && segments.length > 0) secrets.push(...forms(decodeSafely(segments.at(-1)!)));
  if (input.kind === 'gb28181' && segments[0] === 'gb' && segments[1]) secrets.push(segments[1]);
  // Longest first, so a secret is never half-replaced by a shorter one inside it.
  return [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
}

/** The scrubber for one ingest's ffmpeg text. */
export function scrubberFor(input: IngestInput): Scrub {
  const shown = shownUrl(input);
  const secrets = secretsOf(input);
  return (text) => {
    let out = text.includes(input.url) ? text.split(input.url).join(shown) : text;
    out = redactUrl(out);
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}
