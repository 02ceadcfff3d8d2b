// Before the suite: are the programs the tests start on this machine? A
// missing one would otherwise surface 20 s into a test as "nothing listens
// on port N". Each is named with the Debian package that brings it;
// `.ci/run` installs them all.
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

interface Prerequisite {
  what: string;
  /** Absolute paths, or names looked up on PATH. */
  candidates: string[];
  debianPackage: string;
}

const postgresBinaries = (): string[] => {
  const root = '/usr/lib/postgresql';
  return existsSync(root) ? readdirSync(root).map((v) => join(root, v, 'bin', 'postgres')) : [];
};

const PREREQUISITES: Prerequisite[] = [
  { what: 'ffmpeg', candidates: [process.env.FFMPEG_PATH ?? '', 'ffmpeg'], debianPackage: 'ffmpeg' },
  { what: 'ffprobe', candidates: ['ffprobe'], debianPackage: 'ffmpeg' },
  { what: 'Chromium (browser tests)', candidates: [process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'], debianPackage: 'chromium' },
  { what: 'a CJK font (Chinese in screenshots)', candidates: ['/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc'], debianPackage: 'fonts-noto-cjk' },
  { what: 'mosquitto (bridge tests)', candidates: ['/usr/sbin/mosquitto', 'mosquitto'], debianPackage: 'mosquitto' },
  { what: 'mosquitto_pub / mosquitto_sub', candidates: ['mosquitto_pub'], debianPackage: 'mosquitto-clients' },
  { what: 'victoria-metrics (Influx line-protocol server, Prometheus-style scraper)', candidates: ['victoria-metrics'], debianPackage: 'victoria-metrics' },
  { what: 'openssl (test certificates)', candidates: ['openssl'], debianPackage: 'openssl' },
  { what: 'PostgreSQL server (scale-out tests)', candidates: postgresBinaries(), debianPackage: 'postgresql' },
  { what: 'nats-server (scale-out tests)', candidates: ['nats-server'], debianPackage: 'nats-server' },
  { what: 'kamailio (SIP load balancer in front of GB28181 nodes)', candidates: ['/usr/sbin/kamailio', 'kamailio'], debianPackage: 'kamailio' },
  { what: 'pgbouncer (the compose file\'s PostgreSQL pooler in front of the nodes)', candidates: ['/usr/sbin/pgbouncer', 'pgbouncer'], debianPackage: 'pgbouncer' },
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function found(candidate: string): boolean {
  if (!candidate) return false;
  if (candidate.includes('/')) return candidate.endsWith('.ttc') ? existsSync(candidate) : executable(candidate);
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'];
  return dirs.some((dir) => dir && executable(join(dir, candidate)));
}

const missing = PREREQUISITES.filter((p) => !p.candidates.some(found));
if (missing.length) {
  const packages = [...new Set(missing.map((p) => p.debianPackage))];
  process.stderr.write(
    `The test suite needs programs this machine does not have:\n${missing.map((p) => `  - ${p.what}: Debian package ${p.debianPackage}`).join('\n')}\n` +
      `Run .ci/run (it installs them), or: apt-get install ${packages.join(' ')}\n`,
  );
  process.exit(1);
}
