// A browser as far as single sign-on needs one: a cookie jar (by name and
// path; cookies ignore ports, as in a browser, so the gateway and the
// provider on 127.0.0.1 share it), redirects followed one by one (each hop
// kept), and the provider's dev login and consent forms filled in.
export interface Hop {
  url: string;
  status: number;
  location?: string;
  body: string;
  headers: Headers;
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

export class TestBrowser {
  readonly cookies: Cookie[] = [];
  /** What this browser sends as Accept (a page navigation by default). */
  accept = 'text/html,application/xhtml+xml';

  cookie(name: string): string | undefined {
    return this.cookies.find((c) => c.name === name)?.value;
  }

  private store(setCookies: string[]): void {
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const attr = (n: string) => attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith(`${n}=`))?.slice(n.length + 1);
      const path = attr('path') ?? '/';
      const index = this.cookies.findIndex((c) => c.name === name && c.path === path);
      if (index >= 0) this.cookies.splice(index, 1);
      const expired = attr('max-age') === '0' || /expires=thu, 01 jan 1970/i.test(line);
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  private header(url: URL): string {
    return this.cookies.filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)).map((c) => `${c.name}=${c.value}`).join('; ');
  }

  /** One request, no redirect followed. */
  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<Hop> {
    const target = new URL(url);
    const headers: Record<string, string> = { accept: this.accept, ...init.headers };
    const cookie = this.header(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(target, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    this.store(res.headers.getSetCookie());
    const location = res.headers.get('location') ?? undefined;
    return { url: target.href, status: res.status, location: location && new URL(location, target).href, body: await res.text(), headers: res.headers };
  }

  /** Follows redirects from `url` until an answer that is not one (or `stopAt` says stop before requesting a URL). */
  async follow(url: string, opts: { stopAt?: (next: string) => boolean; init?: Parameters<TestBrowser['request']>[1] } = {}): Promise<Hop[]> {
    const hops: Hop[] = [];
    let hop = await this.request(url, opts.init);
    hops.push(hop);
    while (hop.status >= 300 && hop.status < 400 && hop.location && hops.length < 20) {
      if (opts.stopAt?.(hop.location)) break;
      hop = await this.request(hop.location);
      hops.push(hop);
    }
    return hops;
  }

  /**
   * Signs in at the provider as `account`: from the gateway's login URL,
   * through the provider's login and consent forms, up to (not into) the
   * gateway's callback. Returns the callback URL the provider sent.
   */
  async signInAtProvider(loginUrl: string, account: string, callbackPrefix: string): Promise<string> {
    const stopAt = (next: string) => next.startsWith(callbackPrefix);
    let hops = await this.follow(loginUrl, { stopAt });
    for (let forms = 0; forms < 4; forms++) {
      const last = hops[hops.length - 1]!;
      if (last.location && stopAt(last.location)) return last.location;
      const prompt = /name="prompt" value="(\w+)"/.exec(last.body)?.[1];
      const action = /<form[^>]*action="([^"]+)"/.exec(last.body)?.[1];
      if (!prompt || !action) throw new Error(`no login or consent form at ${last.url} (${last.status}): ${last.body.slice(0, 300)}`);
      const form: Record<string, string> = prompt === 'login' ? { prompt, login: account, password: 'any' } : { prompt };
      hops = await this.follow(new URL(action, last.url).href, { stopAt, init: { form } });
    }
    throw new Error('the provider did not send the browser back to the gateway');
  }
}
