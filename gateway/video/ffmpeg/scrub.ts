// ffmpeg prints its input URL in its error lines, with whatever credentials
// the URL carries (`rtsp://admin:p%40ss@host/…: Connection refused`). Every
// line of ffmpeg text passes through a scrubber before it is kept, logged or
// shown: the input URL is replaced by the form a person may see (host, port
// and path, no userinfo), then rules remove credentials from any other URL
// (userinfo, credential-like query values, the gateway's own path tokens),
// and last the channel's own secrets are cut out wherever they still appear.
import type { IngestInput } from './args.ts';

export type Scrub = (text: string) => string;

const REDACTED = '[REDACTED]';

/** `scheme://userinfo@` (a tee spec escapes the colon: `rtmp\://`); greedy to the authority's last `@` (a raw `'` may be in it). */
const USERINFO = /([a-z][a-z0-9+.-]*\\?:\/\/)[^\s/?#"]*@/gi;
/** The same, percent-encoded inside another URL: `rtsp%3A%2F%2Fadmin%3Apw%40host`. */
const USERINFO_ENCODED = /([a-z][a-z0-9+.-]*%3A%2F%2F)(?:(?!%2F)[^\s/?#&'"])*%40/gi;
/** A query parameter whose name says it holds a credential. */
const CREDENTIAL_QUERY = /([?&;](?:[^=&\s#'"]*?)(?:pass|pwd|secret|token|key|auth|sig|credential|session|ticket)[^=&\s#'"]*=)[^&\s#'"]*/gi;
/** The gateway's bearer tokens in paths: media URLs and the GB28181 relay. */
const PATH_TOKEN = /(\/(?:media|gb)\/)[^/\s'"?#]+/g;
/** Lines that cannot hold a credential skip the rules (most of ffmpeg's stderr). */
const MAY_HOLD_URL = /:\/\/|%3A%2F%2F|\/media\/|\/gb\//i;
/** Shorter secrets are not cut out of free text: they would mangle it, and the URL rules still apply. */
const MIN_SECRET_LENGTH = 4;

/** Removes credentials from every URL in the text, by rule. */
export function scrubUrls(text: string): string {
  if (!MAY_HOLD_URL.test(text)) return text;
  return text
    .replace(USERINFO, `$1${REDACTED}@`)
    .replace(USERINFO_ENCODED, `$1${REDACTED}%40`)
    .replace(CREDENTIAL_QUERY, `$1${REDACTED}`)
    .replace(PATH_TOKEN, `$1${REDACTED}`);
}

/** The input as a person may see it: `rtsp://host:port/path`, no userinfo, tokens redacted. */
export function shownUrl(input: IngestInput): string {
  try {
    const url = new URL(input.url);
    url.username = '';
    url.password = '';
    return scrubUrls(input.kind === 'rtmp' ? withoutLastSegment(url) : url.toString());
  } catch {
    return scrubUrls(input.url);
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
    out = scrubUrls(out);
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  };
}
