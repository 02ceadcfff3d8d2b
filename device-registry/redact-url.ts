// Credentials out of URLs, wherever a URL sits in a text: request lines in
// logs, ffmpeg's stderr, webhook and broker URLs, camera URLs shown by the
// API. One set of rules, by kind of credential rather than a list of names:
//   - userinfo `scheme://user:pass@` (also percent-encoded inside another URL,
//     and as ffmpeg's tee spec escapes it: `rtmp\://`);
//   - every `name=value` of a query, or of a path as some DVRs put it
//     (`/user=admin&password=…&channel=1`), whose name says it holds a
//     credential or whose value looks like one (our key and token prefixes,
//     a JWT, a long random string);
//   - the gateway's own bearer tokens in paths (`/media/<token>/`, `/gb/<token>/`).
export const REDACTED = '[REDACTED]';

const USERINFO = /([a-z][a-z0-9+.-]*\\?:\/\/)[^\s/?#"]*@/gi;
const USERINFO_ENCODED = /([a-z][a-z0-9+.-]*%3A%2F%2F)(?:(?!%2F)[^\s/?#&'"])*%40/gi;
const PARAM = /([?&;/][^=&\s#'"/?]*=)([^&\s#'"]*)/g;
// `code` exactly: an OAuth authorization code on the single sign-on callback (not gridCode and the like).
const CREDENTIAL_NAME = /pass|pwd|secret|token|key|auth|sig|credential|session|ticket|cookie|jwt|bearer|^code$/i;
const CREDENTIAL_VALUE = /^(gw[a-z]_|eyJ)|^(?=.*\d)(?=.*[a-z])[A-Za-z0-9._~+/=-]{24,}$/i;
const PATH_TOKEN = /(\/(?:media|gb)\/)[^/\s'"?#]+(?=\/)/g;
/** A text with none of these holds no URL credential: most lines skip the rules. */
const MAY_HOLD = /[@=]|%40|\/media\/|\/gb\//i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

const isCredential = (name: string, value: string) => value !== REDACTED && (CREDENTIAL_NAME.test(decoded(name)) || CREDENTIAL_VALUE.test(decoded(value)));

/** The text with every URL credential replaced by [REDACTED]; the host, path and other parameters stay readable. */
export function redactUrl(text: string): string {
  if (!MAY_HOLD.test(text)) return text;
  return text
    .replace(USERINFO, `$1${REDACTED}@`)
    .replace(USERINFO_ENCODED, `$1${REDACTED}%40`)
    .replace(PARAM, (whole, head: string, value: string) => (isCredential(head.slice(1, -1), value) ? `${head}${REDACTED}` : whole))
    .replace(PATH_TOKEN, `$1${REDACTED}`);
}
