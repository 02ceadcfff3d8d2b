import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { FlowSealer, readCookie } from './flow-cookie.ts';
import { localPath } from './routes.ts';

const flow = { codeVerifier: 'v'.repeat(43), state: 'st', nonce: 'no', returnTo: '/wall', redirectUri: 'https://gw.example/api/auth/oidc/callback' };

test('a sealed flow opens on any node with the same secret, and nowhere else', () => {
  const secret = randomBytes(32);
  const { value } = new FlowSealer(secret).seal(flow);
  assert.ok(!value.includes(flow.codeVerifier) && !Buffer.from(value, 'base64url').toString().includes('wall'), 'the browser cannot read it');
  const opened = new FlowSealer(Buffer.from(secret)).open(value);
  assert.ok(opened.ok && opened.flow.returnTo === '/wall' && opened.flow.codeVerifier === flow.codeVerifier);
  const elsewhere = new FlowSealer(randomBytes(32)).open(value);
  assert.ok(!elsewhere.ok && /does not open/.test(elsewhere.why));
});

test('an altered, missing or expired flow cookie is refused with the reason', () => {
  const sealer = new FlowSealer(randomBytes(32), 600);
  const { value } = sealer.seal(flow, 1_000_000);
  const bytes = Buffer.from(value, 'base64url');
  bytes[bytes.length - 1]! ^= 1;
  assert.ok(!sealer.open(bytes.toString('base64url'), 1_000_001).ok);
  assert.match((sealer.open(undefined) as { why: string }).why, /missing/);
  assert.match((sealer.open(value, 1_000_000 + 601_000) as { why: string }).why, /expired/);
  assert.ok(sealer.open(value, 1_000_000 + 599_000).ok);
});

test('the flow cookie is HttpOnly, SameSite=Lax, for the sign-in routes only, Secure over TLS', () => {
  const sealer = new FlowSealer(randomBytes(32));
  assert.equal(sealer.cookie('abc', false), 'gw_oidc=abc; Path=/api/auth/oidc; Max-Age=600; HttpOnly; SameSite=Lax');
  assert.match(sealer.cookie('abc', true), /; Secure$/);
  assert.match(sealer.clearCookie(false), /^gw_oidc=; .*Max-Age=0/);
  assert.equal(readCookie('a=1; gw_oidc=xyz; b=2', 'gw_oidc'), 'xyz');
});

test('returnTo is a local path only', () => {
  assert.equal(localPath(undefined), '/');
  assert.equal(localPath('/wall?layout=4#x'), '/wall?layout=4#x');
  for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'wall', '/a\nb', 'javascript:alert(1)']) assert.equal(localPath(bad), undefined, bad);
});
