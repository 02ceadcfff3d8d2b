// map.* and wall.linkage.*: the demo's commented 天地图 example is a valid
// configuration once uncommented, a bad tile template is refused by path, and a
// tile key never survives into a log line.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parse } from 'yaml';
import { check } from '../../device-registry/index.ts';
import { loadConfig } from '../config/load.ts';
import { MapConfig, tileUrlForLog } from './config.ts';

/** The commented `# map:` block of configs/demo.yaml, uncommented. */
function demoExample(): unknown {
  const lines = readFileSync('configs/demo.yaml', 'utf8').split('\n');
  const start = lines.indexOf('# map:');
  assert.ok(start >= 0, 'demo.yaml has a commented map example');
  const block: string[] = [];
  for (const line of lines.slice(start)) {
    if (!line.startsWith('# ') && line !== '#') break;
    if (/^# [^ ]/.test(line) && block.length) break; // the next comment paragraph
    block.push(line.slice(2));
  }
  return (parse(block.join('\n')) as { map: unknown }).map;
}

test('the demo\'s commented 天地图 example validates, in WGS-84 with its tk and subdomains', () => {
  const map = { center: null, zoom: null, ...(demoExample() as object) } as MapConfig;
  assert.deepEqual(check(MapConfig, map), []);
  assert.equal(map.tiles.length, 2);
  for (const layer of map.tiles) {
    assert.equal(layer.crs, 'wgs84');
    assert.match(layer.url, /^https:\/\/t\{s\}\.tianditu\.gov\.cn\/.*TILEMATRIX=\{z\}&TILEROW=\{y\}&TILECOL=\{x\}&tk=/);
    assert.deepEqual(layer.subdomains, ['0', '1', '2', '3', '4', '5', '6', '7']);
  }
});

test('defaults: no tiles (offline), center and zoom from the grid cells, linkage offer 4 cameras within 500 m', () => {
  const config = loadConfig({ argv: [], env: {}, cwd: process.cwd() });
  assert.deepEqual(config.map, { tiles: [], center: null, zoom: null });
  assert.deepEqual(config.wall, { linkage: { mode: 'offer', cameras: 4, radiusMeters: 500 } });
  const env = loadConfig({ argv: [], env: { GATEWAY_WALL__LINKAGE__MODE: 'auto', GATEWAY_WALL__LINKAGE__RADIUS_METERS: '800' }, cwd: process.cwd() });
  assert.deepEqual(env.wall.linkage, { mode: 'auto', cameras: 4, radiusMeters: 800 });
});

test('a bad tile layer or linkage is refused at start naming the path', () => {
  const problems = (argv: string[]) => {
    try {
      loadConfig({ argv, env: {}, cwd: process.cwd() });
      return [];
    } catch (err) {
      return (err as { problems: string[] }).problems;
    }
  };
  assert.ok(problems(['--map.tiles', '[{name: a, url: "ftp://x/{z}/{x}/{y}", crs: wgs84}]']).some((p) => p.startsWith('map.tiles.0.url')));
  assert.ok(problems(['--map.tiles', '[{name: a, url: "https://x/{z}/{x}/{y}", crs: bd09}]']).some((p) => p.startsWith('map.tiles.0.crs')));
  assert.ok(problems(['--map.center', '[200, 31]']).some((p) => p.startsWith('map.center')));
  assert.ok(problems(['--wall.linkage.mode', 'always']).some((p) => p.startsWith('wall.linkage.mode')));
  assert.ok(problems(['--wall.linkage.cameras', '0']).some((p) => p.startsWith('wall.linkage.cameras')));
});

test('tileUrlForLog: 天地图 tk and other keys are redacted, the template stays readable', () => {
  const url = 'https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=0123';
  assert.equal(tileUrlForLog(url), 'https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=[REDACTED]');
  assert.ok(!tileUrlForLog('https://gis.example/{z}/{x}/{y}.png?key=abc&style=1').includes('abc'));
  assert.ok(!tileUrlForLog('https://user:pw@gis.example/{z}/{x}/{y}.png').includes('pw'));
  assert.equal(tileUrlForLog('https://gis.example/{z}/{x}/{y}.png'), 'https://gis.example/{z}/{x}/{y}.png');
});
