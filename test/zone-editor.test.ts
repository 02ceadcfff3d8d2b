// The zone and mask editor against the real demo (camera simulator, the
// project's test detector, the real gateway) in Chromium: "test a rule"
// over the live detections (API: roles, fields, what fires and what does
// not), then in the console: the camera's snapshot with its profile's
// polygons, a zone drawn over the red square's path in place of the old one,
// a motion mask and an object mask, the rule tested (it would fire, boxes drawn), a bad zone
// refused at its field, the profile saved, and an incident raised in the new zone.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser, openWall, pageErrors, screenshot } from './helpers/browser.ts';
import { startDemo, type DemoGateway } from './helpers/demo.ts';

interface TestResult { frames: number; firings: Array<{ ts: number; rule: string; box: number[]; frameSize: number[] }>; matches: Array<{ box: number[]; frameSize: number[] }> }
interface Profile { model: string; motion?: { masks?: number[][][] }; rules: Array<{ name: string; zone?: { name: string; polygon: number[][] } }> }
interface Incident { source: { id: string }; type: string; evidence: { frameTs?: number; rule?: string; frameSize?: number[]; detections?: Array<{ box: number[] }> } }

const CAMERA = 'cam-dongmen-01'; // the red square crossing the picture left to right every 10 s, bottom at y ≈ 0.57
/** The left part of the square's path; the demo's rule watches the right half. */
const LEFT: number[][] = [[0.05, 0.3], [0.4, 0.3], [0.4, 0.8], [0.05, 0.8]];
const bottomCentre = (box: number[], size: number[]) => [(box[0]! + box[2]! / 2) / size[0]!, (box[1]! + box[3]!) / size[1]!] as const;
const inLeft = ([x, y]: readonly [number, number]) => x >= 0.05 && x <= 0.4 && y >= 0.3 && y <= 0.8;

let demo: DemoGateway;
let browser: Browser;
let page: Page;
let people: Profile;

before(async () => {
  demo = await startDemo();
  browser = await launchBrowser();
  people = (await demo.api<Record<string, Profile>>('admin', '/api/detection/profiles')).people!;
});
after(async () => {
  await browser?.close();
  await demo?.stop();
});

const withZone = (polygon: number[][]): Profile => ({ ...people, rules: people.rules.map((r) => ({ ...r, zone: { name: '测试', polygon } })) });
const ruleTest = (profile: unknown, role: 'engineer' | 'operator' = 'engineer') => demo.api<TestResult>(role, '/api/detection/rule-test', { body: { channelId: CAMERA, profile } });

test('rule test API: a candidate zone over the square\'s path would fire there; one above it would not; fields and roles', async () => {
  let result: TestResult | undefined;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    result = await ruleTest(withZone(LEFT));
    if (result.firings.length) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  assert.ok(result!.firings.length >= 1, `fired over the last detections: ${JSON.stringify(result)}`);
  assert.ok(result!.frames > 0);
  for (const f of result!.firings) assert.ok(inLeft(bottomCentre(f.box, f.frameSize)), `fired in the candidate zone: ${f.box} on ${f.frameSize}`);
  assert.ok(result!.matches.length >= result!.firings.length && result!.matches.every((m) => inLeft(bottomCentre(m.box, m.frameSize))));

  const above = await ruleTest(withZone([[0, 0], [1, 0], [1, 0.2], [0, 0.2]]));
  assert.deepEqual([above.firings.length, above.matches.length], [0, 0], 'nothing stands in the top strip');
  assert.ok(above.frames > 0);

  await assert.rejects(ruleTest(withZone([[64, 0], [320, 0], [320, 360]])), (err: Error) => /: 400 /.test(err.message) && /"field":"profile\.rules\.0\.zone\.polygon\.0\.0"/.test(err.message), 'pixels refused at the field');
  await assert.rejects(ruleTest({ ...people, rules: [{ ...people.rules[0], classes: ['dragon'] }] }), /: 400 .*profile\.rules\.0\.classes/);
  await assert.rejects(ruleTest(withZone(LEFT), 'operator'), /: 403 /);
});

/** Clicks the picture at fractions of it. */
async function clickAt(x: number, y: number): Promise<void> {
  const box = (await page.locator('[data-testid=zone-svg]').boundingBox())!;
  await page.mouse.click(box.x + x * box.width, box.y + y * box.height);
}

test('the editor: a zone drawn over the square\'s path, a motion mask, the rule tested, a bad zone refused at its field, saved, an incident in the new zone', async () => {
  page = await openWall(browser, demo.url, demo.keys.engineer, '#/console/channels', { locale: 'zh-CN' });
  await page.click(`[data-testid=channel-list] tr[data-channel="${CAMERA}"] [data-testid=zones]`);
  await page.waitForSelector('[data-testid=zone-editor]');
  assert.match((await page.textContent('[data-testid=zone-shared]'))!, /1 台摄像机/);
  await page.waitForFunction(() => (document.querySelector('[data-testid=zone-snapshot]') as HTMLImageElement | null)?.naturalWidth === 640, undefined, { timeout: 60_000 });
  const old = '[data-testid=zone-list] li[data-field="rules.0.zone.polygon"]';
  assert.match((await page.textContent(old))!, /规则区域.*东侧.*用于规则：广场东侧/);

  // The old zone goes; the rule's new one is drawn point by point (each on the nearest edge).
  await page.click(old);
  await page.click('[data-testid=delete-shape]');
  assert.equal(await page.$(old), null);
  await page.click('.rule-row[data-rule="广场东侧"] [data-testid=add-rule-zone]');
  for (const [x, y] of [[0.05, 0.3], [0.4, 0.3], [0.3, 0.8], [0.05, 0.8]] as const) await clickAt(x, y);
  // A point dragged (0.3 → 0.4), a stray one added and deleted.
  const handle = (await page.locator('[data-testid=zone-svg] .handle[data-point="2"]').boundingBox())!;
  const svg = (await page.locator('[data-testid=zone-svg]').boundingBox())!;
  await page.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
  await page.mouse.down();
  await page.mouse.move(svg.x + 0.37 * svg.width, svg.y + 0.8 * svg.height, { steps: 4 });
  await page.mouse.move(svg.x + 0.4 * svg.width, svg.y + 0.8 * svg.height, { steps: 4 });
  await page.mouse.up();
  await clickAt(0.2, 0.9);
  assert.match((await page.textContent(old))!, /5 个点/);
  await page.click('[data-testid=delete-point]');
  assert.match((await page.textContent(old))!, /4 个点.*用于规则：广场东侧/);
  await clickAt(0.2, 0.9);
  await page.keyboard.press('Delete');
  assert.match((await page.textContent(old))!, /4 个点/, 'the Delete key deletes the selected point');
  assert.match((await page.textContent('.rule-row[data-rule="广场东侧"]'))!, /规则“广场东侧”（人员）/, 'classes by their names');

  // A motion mask over the top-left corner (an OSD clock).
  await page.click('[data-testid=add-motion-mask]');
  for (const [x, y] of [[0, 0], [0.25, 0], [0.25, 0.08], [0, 0.08]] as const) await clickAt(x, y);
  assert.match((await page.textContent('[data-testid=zone-list] li[data-field="motion.masks.0"]'))!, /运动遮罩.*4 个点/);
  // An object mask of the rule over the bottom-right corner (a car park), away from the square's path.
  await page.click('.rule-row[data-rule="广场东侧"] [data-testid=add-object-mask]');
  for (const [x, y] of [[0.8, 0.75], [0.98, 0.75], [0.98, 0.95]] as const) await clickAt(x, y);
  assert.match((await page.textContent('[data-testid=zone-list] li[data-field="rules.0.masks.0"]'))!, /目标遮罩.*3 个点.*用于规则：广场东侧/);

  // Tested against the last minutes: it would fire, in the new zone, with the boxes drawn.
  await page.click('[data-testid=test-rule]');
  await page.waitForSelector('[data-testid=rule-test]');
  assert.ok(Number(await page.getAttribute('[data-testid=rule-test]', 'data-firings')) >= 1, (await page.textContent('[data-testid=rule-test]'))!);
  assert.match((await page.textContent('[data-testid=rule-test-summary]'))!, /将触发 \d+ 次：\d\d:\d\d:\d\d/);
  assert.ok((await page.$$('[data-testid=test-box]')).length >= 1);
  mkdirSync(join(ARTIFACTS, 'zone-editor'), { recursive: true });
  await screenshot(page, 'zone-editor/editor');

  // A named zone of two points: the gateway's 400 shown at it, nothing saved.
  await page.fill('[data-testid=zone-name]', 'gate');
  await page.click('[data-testid=add-zone]');
  await clickAt(0.6, 0.1);
  await clickAt(0.7, 0.1);
  await page.click('[data-testid=save-profile]');
  await page.waitForSelector('[data-field-error^="zones.gate"]');
  await screenshot(page, 'zone-editor/field-error');
  assert.equal((await demo.api<Record<string, Profile>>('admin', '/api/detection/profiles')).people!.rules[0]!.zone!.name, '东侧', 'not saved');
  await page.click('[data-testid=zone-list] li[data-field="zones.gate"]');
  await page.click('[data-testid=delete-shape]');

  const savedAt = Date.now();
  await page.click('[data-testid=save-profile]');
  await page.waitForSelector('[data-testid=zone-saved]');
  const stored = (await demo.api<Record<string, Profile>>('admin', '/api/detection/profiles')).people!;
  const polygon = stored.rules[0]!.zone!.polygon;
  assert.equal(polygon.length, 4);
  for (const [i, p] of polygon.entries()) for (const k of [0, 1]) assert.ok(Math.abs(p[k]! - LEFT[i]![k]!) < 0.02, `point ${i} as drawn: ${JSON.stringify(polygon)}`);
  assert.equal(stored.motion?.masks?.length, 1);
  assert.equal((stored.rules[0] as { masks?: unknown[] }).masks?.length, 1);

  // The running camera follows: an incident of the rule with its box in the new zone.
  const deadline = Date.now() + 120_000;
  let found: Incident | undefined;
  while (!found && Date.now() < deadline) {
    const { items } = await demo.api<{ items: Incident[] }>('admin', `/api/incidents?sourceId=${CAMERA}&limit=20`);
    found = items.find((i) => (i.evidence.frameTs ?? 0) > savedAt && i.evidence.rule === '广场东侧' && i.evidence.detections?.some((d) => inLeft(bottomCentre(d.box, i.evidence.frameSize!))));
    if (!found) await new Promise((r) => setTimeout(r, 2000));
  }
  assert.ok(found, 'an incident raised in the drawn zone after the save');

  // The same editor in English.
  await page.click('button:has-text("English")');
  assert.match((await page.textContent('[data-testid=zone-shared]'))!, /Cameras using this profile: 1 /);
  assert.match((await page.textContent('[data-testid=zone-saved]'))!, /Saved profile people/, 'the notice said again in English');
  assert.match((await page.textContent('[data-testid=zone-list] li[data-field="rules.0.zone.polygon"]'))!, /Rule zone.*4 points.*Used by rules: 广场东侧/);
  await page.click('[data-testid=test-rule]');
  await page.waitForFunction(() => /Would (have fired \d+ times|not have fired)/.test(document.querySelector('[data-testid=rule-test-summary]')?.textContent ?? ''));
  await screenshot(page, 'zone-editor/editor-en');
  assert.deepEqual(pageErrors(page), []);
});
