// The subscription supervisor against a PullPoint stand-in (the client's
// contract, gateway/onvif/index.ts): real timers with short intervals, each
// condition polled for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { OnvifEvent, PullPoint } from '../index.ts';
import { EventSubscription, type SubscriptionStatus } from './subscription.ts';

const log = pino({ level: 'silent' });

async function until(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A camera whose answers the test decides. */
class Camera {
  created = 0;
  renewed = 0;
  unsubscribed = 0;
  queue: OnvifEvent[] = [];
  createFails: string | undefined;
  renewFails: string | undefined;
  async createPullPoint(terminationSec: number): Promise<PullPoint> {
    if (this.createFails) throw new Error(this.createFails);
    this.created++;
    return {
      address: `http://cam/pull/${this.created}?key=secret`, terminationAt: Date.now() + terminationSec * 1000,
      pull: async () => {
        await sleep(15);
        return this.queue.splice(0);
      },
      renew: async (seconds) => {
        if (this.renewFails) throw new Error(this.renewFails);
        this.renewed++;
        return Date.now() + seconds * 1000;
      },
      unsubscribe: async () => void this.unsubscribed++,
    };
  }
}

const timing = (over: Partial<{ terminationSeconds: number; min: number; max: number }> = {}) => ({
  terminationSeconds: over.terminationSeconds ?? 0.3, pullTimeoutSeconds: 5, messageLimit: 50,
  backoffSeconds: { min: over.min ?? 0.05, max: over.max ?? 0.2 },
});

test('subscribes once, passes the events on and renews at two thirds of the termination time', async () => {
  const camera = new Camera();
  const seen: OnvifEvent[] = [];
  const sub = new EventSubscription(camera, timing(), (events) => seen.push(...events), log);
  sub.start();
  await until('subscribed', () => sub.status.state === 'subscribed');
  camera.queue.push({ topic: 'tns1:RuleEngine/LineDetector/Crossed', at: Date.now(), source: {}, data: {} });
  await until('the event', () => seen.length === 1);
  // 0.3 s termination: a renewal every 0.2 s, never a second subscription.
  await until('three renewals', () => camera.renewed >= 3);
  assert.equal(camera.created, 1);
  assert.equal(sub.status.renewals, camera.renewed);
  assert.equal(sub.status.events, 1);
  await sub.stop();
  assert.equal(camera.unsubscribed, 1, 'stopping unsubscribes');
});

test('renewals refused: subscribed again after pauses doubling up to the maximum, and the status says why', async () => {
  const camera = new Camera();
  camera.renewFails = 'camera 10.0.0.8:80 Renew: no answer within 5000 ms';
  const failing: SubscriptionStatus[] = [];
  const sub = new EventSubscription(camera, timing({ terminationSeconds: 0.15, min: 0.05, max: 0.2 }), () => {}, log, (s) => {
    if (s.state === 'failing') failing.push(s);
  });
  sub.start();
  await until('five failures', () => failing.length >= 5);
  await sub.stop();
  const pauses = failing.map((s) => Math.round((s.retryAt! - s.since) / 50) * 50);
  assert.deepEqual(pauses.slice(0, 5), [50, 100, 200, 200, 200]);
  assert.equal(failing[0]!.reason, 'camera 10.0.0.8:80 Renew: no answer within 5000 ms');
  assert.ok(camera.created >= 5, 'each failure ends in a new subscription');
  assert.ok(camera.unsubscribed >= 4, 'the refused subscription is let go');
});

test('a camera that does not answer is tried again; once a renewal succeeds the pause starts over', async () => {
  const camera = new Camera();
  camera.createFails = 'camera 10.0.0.9:80 CreatePullPointSubscription: unreachable';
  const statuses: SubscriptionStatus[] = [];
  const sub = new EventSubscription(camera, timing({ terminationSeconds: 0.15, min: 0.05, max: 0.4 }), () => {}, log, (s) => statuses.push(s));
  sub.start();
  await until('three failures', () => statuses.filter((s) => s.state === 'failing').length >= 3);
  assert.equal(sub.status.state === 'failing' ? sub.status.reason : statuses.at(-1)!.reason, 'camera 10.0.0.9:80 CreatePullPointSubscription: unreachable');
  camera.createFails = undefined;
  await until('subscribed', () => sub.status.state === 'subscribed' && camera.renewed >= 1);
  camera.renewFails = 'fault: ter:InvalidArgVal';
  const before = statuses.length;
  await until('failing again', () => statuses.slice(before).some((s) => s.state === 'failing'));
  const again = statuses.slice(before).find((s) => s.state === 'failing')!;
  assert.equal(Math.round((again.retryAt! - again.since) / 50) * 50, 50, 'the renewal that succeeded reset the pause');
  await sub.stop();
});

test('stop while waiting out a pause ends at once', async () => {
  const camera = new Camera();
  camera.createFails = 'unreachable';
  const sub = new EventSubscription(camera, timing({ min: 30, max: 60 }), () => {}, log);
  sub.start();
  await until('failing', () => sub.status.state === 'failing');
  const t0 = Date.now();
  await sub.stop();
  assert.ok(Date.now() - t0 < 5000, 'did not wait the 30 s pause');
});

test('a camera that answers empty pulls at once is not asked in a tight loop', async () => {
  const camera = new Camera();
  let pulls = 0;
  const sub = new EventSubscription({
    createPullPoint: async () => ({
      address: 'http://cam/pull', terminationAt: Date.now() + 60_000,
      pull: async () => {
        pulls++;
        return [];
      },
      renew: async () => Date.now() + 60_000,
      unsubscribe: async () => void camera.unsubscribed++,
    }),
  }, { terminationSeconds: 60, pullTimeoutSeconds: 5, messageLimit: 50, backoffSeconds: { min: 1, max: 2 } }, () => {}, log);
  sub.start();
  await until('subscribed', () => sub.status.state === 'subscribed');
  await sleep(1500);
  await sub.stop();
  assert.ok(pulls >= 1 && pulls <= 3, `${pulls} pulls in 1.5 s (one a second at most)`);
});

test('stop unsubscribes at once while the camera holds a pull open; events that pull still brings are handed on', async () => {
  let answerPull: ((events: OnvifEvent[]) => void) | undefined;
  let unsubscribed = 0;
  const seen: OnvifEvent[] = [];
  const sub = new EventSubscription({
    createPullPoint: async () => ({
      address: 'http://cam/pull', terminationAt: Date.now() + 60_000,
      // A long poll the camera answers when it likes (here: when the test says).
      pull: () => new Promise<OnvifEvent[]>((resolve) => (answerPull = resolve)),
      renew: async () => Date.now() + 60_000,
      unsubscribe: async () => void unsubscribed++,
    }),
  }, { terminationSeconds: 60, pullTimeoutSeconds: 30, messageLimit: 50, backoffSeconds: { min: 1, max: 2 } }, (events) => seen.push(...events), log);
  sub.start();
  await until('a pull open', () => answerPull !== undefined);
  const stopping = sub.stop();
  await until('unsubscribed while the pull is open', () => unsubscribed === 1);
  // The camera answers the open pull with what it had queued for this subscription.
  answerPull!([{ topic: 'tns1:RuleEngine/LineDetector/Crossed', at: Date.now(), source: {}, data: { ObjectId: '3' } }]);
  await stopping;
  await until('the last events handed on', () => seen.length === 1);
  assert.equal(unsubscribed, 1, 'unsubscribed once');
});
