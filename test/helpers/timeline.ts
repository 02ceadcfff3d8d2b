// The wall's playback timeline in browser tests: where a wall-clock time is
// on its bar, and a scrub (press, drag, let go) to a time.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** Where wall-clock `at` is on the timeline bar (page pixels). */
export async function timelinePoint(page: Page, at: number): Promise<{ x: number; y: number }> {
  const bar = (await page.$('[data-testid=timeline-bar]'))!;
  const [from, to] = await bar.evaluate((el) => [Number(el.getAttribute('data-from')), Number(el.getAttribute('data-to'))]);
  assert.ok(at > from! && at < to!, `${new Date(at).toISOString()} on the timeline's view`);
  const box = (await bar.boundingBox())!;
  return { x: box.x + ((at - from!) / (to! - from!)) * box.width, y: box.y + box.height / 2 };
}

/** Presses on the timeline `leadPx` left of `at`, drags to it and lets go there (it seeks where the drag ends). */
export async function scrubTimelineTo(page: Page, at: number, leadPx: number): Promise<void> {
  const { x, y } = await timelinePoint(page, at);
  await page.mouse.move(x - leadPx, y);
  await page.mouse.down();
  await page.mouse.move(x - leadPx / 2, y, { steps: 5 });
  await page.mouse.move(x, y, { steps: 5 });
  await page.mouse.up();
}
