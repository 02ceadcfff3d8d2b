import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClipPlanner } from './clip-planner.ts';

const roll = { preRollMs: 10_000, postRollMs: 10_000, maxClipMs: 300_000 };
const at = (firstMs: number, lastMs = firstMs) => ({ incidentId: 'i1', channelId: 'cam', firstMs, lastMs, ...roll });

test('a clip runs from preRoll before the first frame to postRoll after the last sighting, due when the post-roll has passed', () => {
  const p = new ClipPlanner();
  assert.deepEqual(p.see(at(30_000)), { incidentId: 'i1', channelId: 'cam', fromMs: 20_000, toMs: 40_000, atMs: 30_000, dueAt: 40_000 });
});

test('a repeat before the clip is made moves its end and due time (one clip for the quiet period)', () => {
  const p = new ClipPlanner();
  const first = p.see(at(30_000))!;
  const repeat = p.see(at(30_000, 35_000))!;
  assert.equal(p.current(first), false, 'the first schedule is replaced');
  assert.deepEqual({ from: repeat.fromMs, to: repeat.toMs, due: repeat.dueAt }, { from: 20_000, to: 45_000, due: 45_000 });
});

test('a repeat after the clip was made gets a follow-up clip from the previous end; an event that adds nothing gets none', () => {
  const p = new ClipPlanner();
  const first = p.see(at(30_000))!;
  p.taken(first);
  assert.equal(p.see(at(30_000)), undefined, 'the clip\'s own incident.updated asks for nothing');
  const follow = p.see(at(30_000, 60_000))!;
  assert.deepEqual({ from: follow.fromMs, to: follow.toMs, at: follow.atMs }, { from: 40_000, to: 70_000, at: 60_000 });
});

test('after a restart: with no stored clip the whole range is due; with one, only what comes after its end', () => {
  const fresh = new ClipPlanner();
  fresh.restore('i1', 'cam', undefined, 30_000);
  assert.deepEqual(fresh.see(at(30_000, 35_000)), { incidentId: 'i1', channelId: 'cam', fromMs: 20_000, toMs: 45_000, atMs: 30_000, dueAt: 45_000 });
  const made = new ClipPlanner();
  made.restore('i1', 'cam', 40_000, 30_000);
  assert.equal(made.knows('i1'), true);
  assert.equal(made.see(at(30_000)), undefined, 'the stored clip covers it: none again');
  assert.deepEqual(made.see(at(30_000, 50_000)), { incidentId: 'i1', channelId: 'cam', fromMs: 40_000, toMs: 60_000, atMs: 50_000, dueAt: 60_000 });
});

test('a busy period that never goes quiet is cut into clips of at most maxClip, each due when it ends; the rest follows', () => {
  const p = new ClipPlanner();
  const sight = (lastMs: number) => ({ incidentId: 'i1', channelId: 'cam', firstMs: 30_000, lastMs, preRollMs: 10_000, postRollMs: 10_000, maxClipMs: 60_000 });
  // Repeats every 5 s for two minutes: the post-roll is never quiet.
  let due = p.see(sight(30_000))!;
  for (let t = 35_000; t <= 75_000; t += 5000) due = p.see(sight(t))!;
  assert.deepEqual({ from: due.fromMs, to: due.toMs, dueAt: due.dueAt }, { from: 20_000, to: 80_000, dueAt: 80_000 }, 'the first clip stops at maxClip and is due then');
  p.taken(due);
  assert.equal(p.rest('i1')?.fromMs, 80_000, 'the repeats so far reach past it: the rest is planned at once');
  for (let t = 80_000; t <= 150_000; t += 5000) due = p.see(sight(t))!;
  assert.deepEqual({ from: due.fromMs, to: due.toMs }, { from: 80_000, to: 140_000 }, 'the second clip starts where the first ended, again at most maxClip');
  p.taken(due);
  const last = p.rest('i1')!;
  assert.deepEqual({ from: last.fromMs, to: last.toMs, dueAt: last.dueAt }, { from: 140_000, to: 160_000, dueAt: 160_000 }, 'the scene went quiet: the last clip ends a post-roll after the last sighting');
  p.taken(last);
  assert.equal(p.rest('i1'), undefined, 'all covered, each moment once');
});
