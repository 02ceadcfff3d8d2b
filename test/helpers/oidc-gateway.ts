// A gateway listening on 127.0.0.1 with single sign-on against the test
// provider (test/helpers/oidc-provider.ts), the basic registry seeded (grid
// cells D1, D1-S1…, department dept-1), and a browser for the flow.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { TestBrowser } from './oidc-browser.ts';
import { CLIENT_ID, CLIENT_SECRET, SCOPES, startTestProvider, type TestAccounts, type TestProvider } from './oidc-provider.ts';
import { seedBasics, startTestGateway, type TestGateway } from './gateway.ts';

export const CALLBACK = '/api/auth/oidc/callback';

/** People at the test provider: claims gw_role (looked up in roleMap), gw_grids, gw_department. */
export const PEOPLE: TestAccounts = {
  'li.street': { preferred_username: 'li.street', name: '李街道', gw_role: 'street-operators', gw_grids: ['D1-S1'], gw_department: 'dept-1' },
  'wang.chief': { preferred_username: 'wang.chief', name: '王主任', gw_role: ['staff', 'dispatchers', 'city-admins'], gw_grids: ['D1'] },
  'zhou.dispatch': { preferred_username: 'zhou.dispatch', name: '周调度', gw_role: ['staff', 'dispatchers'], gw_grids: 'D1-S1 D1-S2' },
  'zhao.visitor': { preferred_username: 'zhao.visitor', name: '赵访客', gw_role: 'visitors', gw_grids: ['D1'] },
  'qian.nogrid': { preferred_username: 'qian.nogrid', name: '钱无网格', gw_role: 'dispatchers' },
  'sun.badgrid': { preferred_username: 'sun.badgrid', name: '孙', gw_role: 'street-operators', gw_grids: ['NO-SUCH-CELL'] },
};

export interface SsoSetup {
  t: TestGateway;
  provider: TestProvider;
  base: string;
  stop(): Promise<void>;
}

export function oidcConfig(issuer: string, extra: Record<string, unknown> = {}) {
  return {
    enabled: true,
    label: '城市统一身份认证',
    issuer,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    scopes: SCOPES,
    claims: { username: 'preferred_username', displayName: 'name', role: 'gw_role', scope: 'gw_grids', department: 'gw_department' },
    roleMap: { 'city-admins': 'admin', 'street-operators': 'operator', dispatchers: 'dispatcher' },
    defaultRole: null,
    // Generous: a busy shared test machine must not make a live provider look down; the hang tests wait it out.
    timeoutSeconds: 10,
    allowHttp: true,
    ...extra,
  };
}

/**
 * The provider (its client registered once the gateway listens) and the gateway, seeded.
 * With `provider`, a second gateway on an existing provider (it keeps running after this one stops);
 * with `dataDir`, a data directory prepared beforehand (e.g. holding another node's token secret).
 */
export async function startSso(opts: { people?: TestAccounts; oidc?: Record<string, unknown>; provider?: TestProvider; dataDir?: string } = {}): Promise<SsoSetup> {
  const provider = opts.provider ?? (await startTestProvider(opts.people ?? PEOPLE));
  const dir = mkdtempSync(join(tmpdir(), 'gw-oidc-'));
  const file = join(dir, 'oidc.yaml');
  writeFileSync(file, stringify({ auth: { oidc: oidcConfig(provider.issuer, opts.oidc) } }));
  const t = await startTestGateway({ argv: ['--config', file], dataDir: opts.dataDir });
  const base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  if (!opts.provider) provider.start(`${base}${CALLBACK}`);
  await seedBasics(t);
  return {
    t, provider, base,
    async stop() {
      await t.stop();
      if (!opts.provider) await provider.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A browser signed in (or refused) as `account`: the hops up to the provider's redirect back, then the callback's answer. */
export async function signIn(s: SsoSetup, account: string, opts: { returnTo?: string; browser?: TestBrowser; callbackAccept?: string; editCallback?: (url: URL) => void } = {}) {
  const browser = opts.browser ?? new TestBrowser();
  const login = `${s.base}/api/auth/oidc/login${opts.returnTo ? `?returnTo=${encodeURIComponent(opts.returnTo)}` : ''}`;
  const callbackUrl = new URL(await browser.signInAtProvider(login, account, `${s.base}${CALLBACK}`));
  opts.editCallback?.(callbackUrl);
  const callback = await browser.request(callbackUrl.href, opts.callbackAccept ? { headers: { accept: opts.callbackAccept } } : {});
  return { browser, callbackUrl, callback };
}

/** GET /api/auth/me with the browser's session cookie. */
export async function me(s: SsoSetup, browser: TestBrowser) {
  const res = await browser.request(`${s.base}/api/auth/me`, { headers: { accept: 'application/json' } });
  return { status: res.status, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined };
}
