// HTTP with the camera's HTTP authentication: the first 401 carries a
// challenge, the request is retried once with digest (or basic when that is
// all the camera offers); the challenge is kept so later requests answer it
// up front (nc counting), and a stale nonce costs one more round trip.
import { basicAuthorization, digestAuthorization, parseChallenge } from './http-digest.ts';
import type { Challenge } from './http-digest.ts';
import { httpExchange } from './http.ts';
import type { HttpAnswer, HttpExchange } from './http.ts';

export interface HttpCredentials {
  username: string;
  password: string;
}

export class AuthHttp {
  private challenge: Challenge | undefined;
  private nc = 0;

  constructor(private readonly credentials: HttpCredentials) {}

  /** Whether the camera has asked for HTTP authentication. */
  get usesHttpAuth(): boolean {
    return this.challenge !== undefined;
  }

  async exchange(x: HttpExchange): Promise<HttpAnswer> {
    const known = this.challenge !== undefined;
    const first = await httpExchange(this.withAuthorization(x));
    if (first.status !== 401) return first;
    const challenge = parseChallenge(first.headers['www-authenticate']);
    if (!challenge) return first;
    // Refused again with the same nonce we answered: the credentials are wrong. A new nonce
    // (stale, or the camera rotates them) is worth one more try.
    if (known && !isNewChallenge(this.challenge, challenge)) return first;
    this.challenge = challenge;
    this.nc = 0;
    return httpExchange(this.withAuthorization(x));
  }

  private withAuthorization(x: HttpExchange): HttpExchange {
    const ch = this.challenge;
    if (!ch) return x;
    const { username, password } = this.credentials;
    const authorization =
      ch.scheme === 'basic'
        ? basicAuthorization(username, password)
        : digestAuthorization(ch.digest, { username, password, method: x.method, uri: `${x.url.pathname}${x.url.search}`, nc: ++this.nc });
    return { ...x, headers: { ...x.headers, Authorization: authorization } };
  }
}

const isNewChallenge = (old: Challenge | undefined, next: Challenge): boolean =>
  old?.scheme !== next.scheme || (old.scheme === 'digest' && next.scheme === 'digest' && old.digest.nonce !== next.digest.nonce);
