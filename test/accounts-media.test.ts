// Video for a signed-in person: the play URL's media token names their
// session, so the wall plays with the cookie alone, and the token stops when
// the session ends (within the media room's 10 s check cache). Real camera
// simulator, real ffmpeg ingest, HLS over a real HTTP port.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CameraSimulator } from './sim/camera-sim.ts';
import { createPerson, signIn, until } from './helpers/accounts.ts';
import type { TestGateway } from './helpers/gateway.ts';
import { startOneCameraGateway } from './helpers/one-camera.ts';

let sim: CameraSimulator;
let t: TestGateway;
let base: string;
const STRONG = 'Tide-Lantern-42';

before(async () => {
  ({ sim, t, base } = await startOneCameraGateway());
});
after(async () => {
  await t?.stop();
  await sim?.stop();
});

test('a person plays HLS with a token naming their session; after sign-out the token is refused', async () => {
  await createPerson(t, { username: 'wang.fang', role: 'operator' }, STRONG);
  const person = await signIn(t, 'wang.fang', STRONG);
  const play = await person.call({ method: 'GET', url: '/api/channels/cam-1/play' });
  assert.equal(play.statusCode, 200, play.body);
  const { hls } = play.json() as { hls: string };
  const playlist = await fetch(`${base}${hls}`);
  assert.equal(playlist.status, 200, await playlist.clone().text());
  assert.match(await playlist.text(), /^#EXTM3U/);
  assert.equal((await person.call({ method: 'POST', url: '/api/auth/logout' })).statusCode, 204);
  await until('the ended session\'s media token to be refused', async () => (await fetch(`${base}${hls}`)).status === 401);
});
