// A real OpenID provider for the single sign-on tests: oidc-provider (a
// certified implementation) in this process on port 0, with one confidential
// client that must use PKCE, claims gw_role / gw_grids / gw_department from
// test accounts (findAccount) and its dev login and consent pages.
// Everything reaches it through a small proxy, which is also the issuer:
// the proxy can stop answering (a provider that is down or hangs) or tamper with the
// ID token in the token endpoint's answer (another key, aud, exp, nonce, iss).
import { createPrivateKey, generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'city-gateway';
export const CLIENT_SECRET = 'oidc-client-S3cret/Kq9#vXw2Lm7pRt';
export const SCOPES = ['openid', 'profile', 'gw'];

export type TestAccounts = Record<string, Record<string, unknown>>;

/** How the proxy changes the ID token of the next token responses. */
export type Tamper = 'none' | 'other-key' | 'audience' | 'expired' | 'nonce' | 'issuer';

export interface TestProvider {
  /** The issuer (the proxy's origin). */
  issuer: string;
  /** Registers the client's redirect URI (known once the gateway listens). */
  start(redirectUri: string): void;
  tamper: Tamper;
  /** A provider that is down: 'refuse' closes every connection unanswered, 'hang' holds it without a word. */
  outage: 'none' | 'refuse' | 'hang';
  /** The last ID token the provider sent (to check it never reaches a log). */
  lastIdToken: () => string | undefined;
  stop(): Promise<void>;
}

function rsaJwk(kid: string): { jwk: JsonWebKey; key: KeyObject } {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }, key: privateKey };
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function resign(token: string, change: (claims: Record<string, unknown>) => void, key: KeyObject): string {
  const [header, payload] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  change(claims);
  const body = `${header}.${b64(claims)}`;
  return `${body}.${sign('sha256', Buffer.from(body), key).toString('base64url')}`;
}

const listen = (server: Server) => new Promise<number>((done) => server.listen(0, '127.0.0.1', () => done((server.address() as AddressInfo).port)));

export async function startTestProvider(accounts: TestAccounts): Promise<TestProvider> {
  const real = rsaJwk('provider-key');
  // Same kid and algorithm as the provider's key: only the signature is wrong.
  const forger = rsaJwk('provider-key');
  const origin = createServer();
  const proxy = createServer();
  const originPort = await listen(origin);
  const issuer = `http://127.0.0.1:${await listen(proxy)}`;
  let lastIdToken: string | undefined;

  const state: TestProvider = {
    issuer,
    tamper: 'none',
    outage: 'none',
    lastIdToken: () => lastIdToken,
    start(redirectUri) {
      const provider = new Provider(issuer, {
        clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirectUri], response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic' }],
        pkce: { required: () => true },
        jwks: { keys: [real.jwk as never] },
        scopes: SCOPES,
        claims: { openid: ['sub'], profile: ['preferred_username', 'name'], gw: ['gw_role', 'gw_grids', 'gw_department'] },
        findAccount: (_ctx, id) => {
          const claims = accounts[id];
          return claims ? { accountId: id, claims: () => ({ sub: id, ...claims }) } : undefined;
        },
        cookies: { keys: ['test-provider-cookie-key'] },
        features: { devInteractions: { enabled: true } },
      });
      const handle = provider.callback();
      origin.on('request', (req, res) => void handle(req, res));
    },
    async stop() {
      proxy.closeAllConnections();
      origin.closeAllConnections();
      await Promise.all([new Promise((done) => proxy.close(done)), new Promise((done) => origin.close(done))]);
    },
  };

  proxy.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (state.outage === 'refuse') {
      req.socket.destroy();
      return;
    }
    if (state.outage === 'hang') return;
    const upstream = request({ host: '127.0.0.1', port: originPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const isToken = req.method === 'POST' && req.url?.startsWith('/token');
      if (!isToken) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        let text = Buffer.concat(chunks).toString();
        const body = JSON.parse(text) as { id_token?: string };
        if (body.id_token) {
          lastIdToken = body.id_token;
          body.id_token = tampered(body.id_token, state.tamper);
          text = JSON.stringify(body);
        }
        const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
        res.writeHead(answer.statusCode ?? 502, headers);
        res.end(text);
      });
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });

  const realKey = createPrivateKey({ key: real.jwk, format: 'jwk' });
  function tampered(token: string, how: Tamper): string {
    const now = Math.floor(Date.now() / 1000);
    switch (how) {
      case 'none': return token;
      case 'other-key': return resign(token, () => undefined, forger.key);
      case 'audience': return resign(token, (c) => (c.aud = 'another-client'), realKey);
      case 'expired': return resign(token, (c) => Object.assign(c, { iat: now - 7200, exp: now - 3600 }), realKey);
      case 'nonce': return resign(token, (c) => (c.nonce = 'not-the-nonce-we-sent'), realKey);
      case 'issuer': return resign(token, (c) => (c.iss = 'https://sso.elsewhere.example'), realKey);
    }
  }
  return state;
}
