// The POSIX TZ reader: hand vectors, then every 5 hours of two years checked
// against the ICU time zone database (Intl) for zones whose POSIX string is known.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { localToUtc, parsePosixTz } from './posix-tz.ts';

const H = 3600_000;
const local = (iso: string) => Date.parse(`${iso}Z`); // a wall-clock time, read as if UTC
const toUtc = (tz: string, iso: string, flag?: boolean) => {
  const parsed = parsePosixTz(tz);
  assert.ok(parsed, `${tz} parses`);
  return localToUtc(parsed, local(iso), flag);
};

describe('POSIX TZ', () => {
  it('reads fixed zones with the POSIX sign (CST-8 is UTC+8)', () => {
    assert.equal(toUtc('CST-8', '2026-12-07T20:00:00').utcMs, local('2026-12-07T12:00:00'));
    assert.equal(toUtc('CST-8:00:00', '2026-12-07T20:00:00').utcMs, local('2026-12-07T12:00:00'));
    assert.equal(toUtc('IST-5:30', '2026-01-01T05:30:00').utcMs, local('2026-01-01T00:00:00'));
    assert.equal(toUtc('<+0530>-5:30', '2026-01-01T05:30:00').utcMs, local('2026-01-01T00:00:00'));
    assert.equal(toUtc('<-03>3', '2026-01-01T21:00:00').utcMs, local('2026-01-02T00:00:00'));
    assert.equal(toUtc('BRT3', '2026-01-01T21:00:00').utcMs, local('2026-01-02T00:00:00'));
    for (const utc of ['UTC0', 'UTC', 'GMT0', 'GMT']) assert.equal(toUtc(utc, '2026-06-01T10:00:00').utcMs, local('2026-06-01T10:00:00'), utc);
    assert.equal(parsePosixTz('CST-8')?.ambiguousSign, false);
  });

  it("marks 'GMT+08' as ambiguous and reads it the POSIX way (UTC-8)", () => {
    const tz = parsePosixTz('GMT+08');
    assert.equal(tz?.ambiguousSign, true);
    assert.equal(tz?.stdOffsetSec, 8 * 3600);
    assert.equal(parsePosixTz('GMT-08:00')?.ambiguousSign, true);
    assert.equal(parsePosixTz('GMT0')?.ambiguousSign, false);
  });

  it('applies M-rules (northern and southern zones, transition times)', () => {
    const ny = 'EST5EDT,M3.2.0,M11.1.0';
    assert.deepEqual(toUtc(ny, '2026-07-01T12:00:00'), { utcMs: local('2026-07-01T16:00:00'), dst: true, by: 'rule' });
    assert.deepEqual(toUtc(ny, '2026-01-15T12:00:00'), { utcMs: local('2026-01-15T17:00:00'), dst: false, by: 'rule' });
    assert.equal(toUtc(ny, '2026-03-08T01:59:00').dst, false, 'second Sunday of March 2026 is the 8th, at 02:00');
    assert.equal(toUtc(ny, '2026-03-08T03:00:00').dst, true);
    assert.equal(toUtc(ny, '2026-11-01T00:30:00').dst, true, 'first Sunday of November 2026 is the 1st');
    assert.equal(toUtc(ny, '2026-11-01T02:30:00').dst, false);
    const berlin = 'CET-1CEST,M3.5.0,M10.5.0/3';
    assert.equal(toUtc(berlin, '2026-03-29T03:30:00').dst, true, 'last Sunday of March 2026 is the 29th');
    assert.equal(toUtc(berlin, '2026-10-25T02:30:00').dst, true, 'ends at 03:00 on the last Sunday of October');
    assert.equal(toUtc(berlin, '2026-10-25T03:30:00').dst, false);
    const sydney = 'AEST-10AEDT,M10.1.0,M4.1.0/3';
    assert.equal(toUtc(sydney, '2026-01-10T12:00:00').utcMs, local('2026-01-10T01:00:00'), 'southern summer: UTC+11');
    assert.equal(toUtc(sydney, '2026-07-10T12:00:00').utcMs, local('2026-07-10T02:00:00'), 'southern winter: UTC+10');
  });

  it('applies Jn and n day forms (Feb 29 counted only by n)', () => {
    // J60 is 1 March in every year; n59 is 29 Feb in a leap year and 1 March otherwise.
    assert.equal(toUtc('AAA3BBB,J60/0,J300', '2028-02-29T12:00:00').dst, false);
    assert.equal(toUtc('AAA3BBB,J60/0,J300', '2028-03-01T00:00:00').dst, true);
    assert.equal(toUtc('AAA3BBB,59/0,300', '2028-02-29T00:00:00').dst, true);
    assert.equal(toUtc('AAA3BBB,59/0,300', '2027-02-28T23:00:00').dst, false);
    assert.equal(toUtc('AAA3BBB,59/0,300', '2027-03-01T00:00:00').dst, true);
  });

  it('without a rule: the camera\'s DaylightSavings flag, else standard time (guessed)', () => {
    assert.deepEqual(toUtc('EST5EDT', '2026-07-01T12:00:00', true), { utcMs: local('2026-07-01T16:00:00'), dst: true, by: 'flag' });
    assert.deepEqual(toUtc('EST5EDT', '2026-07-01T12:00:00', false), { utcMs: local('2026-07-01T17:00:00'), dst: false, by: 'flag' });
    assert.deepEqual(toUtc('EST5EDT', '2026-07-01T12:00:00'), { utcMs: local('2026-07-01T17:00:00'), dst: false, by: 'guessed' });
    assert.equal(toUtc('EST5EDT4', '2026-07-01T12:00:00', true).utcMs, local('2026-07-01T16:00:00'));
    assert.equal(toUtc('CST-8', '2026-07-01T12:00:00', true).by, 'no-dst', 'a flag without a DST zone changes nothing');
  });

  it('refuses what is not a POSIX TZ', () => {
    for (const bad of ['', ' ', 'hello', 'CST', 'CST-8,M3', 'CST-99', '<+05', 'EST5EDT,M13.1.0,M11.1.0', 'EST5EDT,M3.6.0,M11.1.0', 'EST5EDT,J0,J10', 'EST5EDT,M3.2.0/200,M11.1.0', 'Asia/Shanghai', 'CST-8:75']) {
      assert.equal(parsePosixTz(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(parsePosixTz(undefined), undefined);
  });

  it('agrees with the time zone database every 5 hours of 2026 and 2027, away from transitions', () => {
    const zones: Array<[string, string]> = [
      ['America/New_York', 'EST5EDT,M3.2.0,M11.1.0'],
      ['Europe/Berlin', 'CET-1CEST,M3.5.0,M10.5.0/3'],
      ['Australia/Sydney', 'AEST-10AEDT,M10.1.0,M4.1.0/3'],
      ['Pacific/Auckland', 'NZST-12NZDT,M9.5.0,M4.1.0/3'],
      ['Pacific/Chatham', '<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45'],
      ['America/Santiago', '<-04>4<-03>,M9.1.6/24,M4.1.6/24'],
      ['Asia/Kolkata', 'IST-5:30'],
      ['Asia/Shanghai', 'CST-8'],
    ];
    let checked = 0;
    for (const [zone, posix] of zones) {
      const tz = parsePosixTz(posix);
      assert.ok(tz, posix);
      const offsetAt = offsetReader(zone);
      for (let utc = Date.UTC(2026, 0, 1); utc < Date.UTC(2028, 0, 1); utc += 5 * H) {
        const offset = offsetAt(utc);
        if (offsetAt(utc - 3 * H) !== offset || offsetAt(utc + 3 * H) !== offset) continue; // the hour a transition repeats or skips
        assert.equal(localToUtc(tz, utc + offset).utcMs, utc, `${zone} ${new Date(utc).toISOString()}`);
        checked++;
      }
    }
    assert.ok(checked > 8 * 3400, `${checked} instants checked`);
  });
});

/** The zone's UTC offset (ms, east positive) at an instant, from Intl. */
function offsetReader(timeZone: string): (utcMs: number) => number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  return (utcMs) => {
    const name = format.formatToParts(utcMs).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
    const m = /^GMT(?:([+-])(\d{2}):(\d{2}))?$/.exec(name);
    assert.ok(m, name);
    return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000 : 0;
  };
}
