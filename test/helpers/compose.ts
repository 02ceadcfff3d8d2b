// Reading docker/*.compose files the way `docker compose config` does, without
// a Docker engine: YAML with merge keys, ${VAR}, ${VAR:-default} and
// ${VAR:?message} interpolation (`$$` is a literal `$`), port lists, and what
// each pinned image ships for health checks and start commands to call.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface ComposeService {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean | null>;
  ports?: string[];
  secrets?: Array<string | { source: string; target?: string }>;
  volumes?: string[];
  healthcheck?: { test: string[] };
  networks?: Record<string, { ipv4_address?: string } | null>;
  depends_on?: Record<string, { condition: string }>;
  hostname?: string;
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file?: string; environment?: string }>;
}

export const readCompose = (url: URL): { text: string; file: ComposeFile } => {
  const text = readFileSync(url, 'utf8');
  return { text, file: parse(text, { merge: true }) as ComposeFile };
};

/** Interpolates as compose does; a ${VAR:?message} with VAR unset or empty throws with the message. */
export function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\$|\$\{(\w+)(?::([-?])([^}]*))?\}/g, (m, name?: string, op?: string, arg?: string) => {
    if (m === '$$') return '$';
    const set = vars[name!];
    if (set) return set;
    if (op === '?') throw new Error(`required variable ${name} is missing a value: ${arg}`);
    return op === '-' ? arg! : '';
  });
}

export const environmentOf = (service: ComposeService, vars: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).filter(([, v]) => v !== null).map(([k, v]) => [k, interpolate(String(v), vars)]));

export interface Published { host: number; container: number; protocol: 'tcp' | 'udp' }

/** "8081:8080", "5060:5060/udp", "30000-30999:30000-30999/udp", expanded port by port. */
export function publishedPorts(service: ComposeService, vars: Record<string, string>): Published[] {
  return (service.ports ?? []).flatMap((spec) => {
    const m = /^(?:[\d.]+:)?(\d+)(?:-(\d+))?:(\d+)(?:-(\d+))?(?:\/(tcp|udp))?$/.exec(interpolate(spec, vars));
    if (!m) throw new Error(`a port mapping this check does not read: ${spec}`);
    const [hostFrom, hostTo, from, to] = [m[1], m[2] ?? m[1], m[3], m[4] ?? m[3]].map(Number) as [number, number, number, number];
    if (hostTo - hostFrom !== to - from) throw new Error(`${spec}: host and container ranges differ in size`);
    return Array.from({ length: to - from + 1 }, (_, i) => ({ host: hostFrom + i, container: from + i, protocol: (m[5] ?? 'tcp') as 'tcp' | 'udp' }));
  });
}

export const secretTargets = (service: ComposeService): Array<{ source: string; target: string }> =>
  (service.secrets ?? []).map((s) => (typeof s === 'string' ? { source: s, target: s } : { source: s.source, target: s.target ?? s.source }));

/**
 * What each image the compose files pin ships that a health check or start
 * command may run, from the image's published Dockerfile:
 * - our gateway image: docker/Dockerfile, node:20-bookworm-slim (Debian: sh) + node;
 * - postgres:15: docker-library/postgres, Debian bookworm with the PostgreSQL 15 server and client binaries;
 * - edoburu/pgbouncer: edoburu/docker-pgbouncer Dockerfile, alpine (busybox) + apk postgresql-client + pgbouncer in /usr/bin;
 * - nats:2.10-alpine: nats-io/nats-docker 2.10.x/alpine3.22, FROM alpine (busybox sh, wget) + /usr/local/bin/nats-server;
 *   nats:2.10 is 2.10.x/scratch: FROM scratch with /nats-server alone, no shell (what made the old health check fail);
 * - influxdb:2.7: influxdata-docker influxdb/2.7, Debian bookworm-slim with influxd and the influx CLI;
 * - eclipse-mosquitto:2: eclipse/mosquitto docker/2.0, FROM alpine (busybox) with mosquitto, mosquitto_pub/sub/passwd;
 * - prom/prometheus: FROM quay.io/prometheus/busybox (sh, wget) + prometheus, promtool;
 * - grafana/grafana:11.2.0: the default (non -ubuntu) image is alpine (busybox sh, wget) + grafana;
 * - our SIP balancer image: docker/kamailio/Dockerfile, debian:bookworm-slim (bash, coreutils) + Debian's
 *   kamailio, with healthcheck.sh copied to /usr/local/bin (the test reads the Dockerfile for that).
 */
const BUSYBOX = ['sh', 'wget', 'cat', 'grep', 'sed', 'id', 'chown', 'mkdir', 'printf', 'dirname', 'exit'];
const DEBIAN = ['sh', 'cat', 'grep', 'sed', 'id', 'chown', 'mkdir', 'printf', 'dirname', 'exit'];
export const IMAGE_TOOLS: Record<string, string[]> = {
  'city-ingest-gateway:latest': [...DEBIAN, 'node', 'tini'],
  'postgres:15': [...DEBIAN, 'pg_isready', 'psql', 'postgres'],
  'edoburu/pgbouncer:v1.25.2-p0': [...BUSYBOX, 'pg_isready', 'psql', 'pgbouncer'],
  'nats:2.10-alpine': [...BUSYBOX, 'nats-server'],
  'nats:2.10': ['nats-server'],
  'influxdb:2.7': [...DEBIAN, 'influx', 'influxd'],
  'eclipse-mosquitto:2': [...BUSYBOX, 'mosquitto', 'mosquitto_sub', 'mosquitto_pub', 'mosquitto_passwd'],
  'prom/prometheus:v2.53.2': [...BUSYBOX, 'prometheus', 'promtool'],
  'grafana/grafana:11.2.0': [...BUSYBOX, 'grafana', 'grafana-server'],
  'city-gb28181-lb:latest': [...DEBIAN, 'bash', 'timeout', 'head', 'kamailio', '/usr/local/bin/healthcheck.sh'],
};

/** The programs a health check runs: CMD's first word, or the first word of each command of a CMD-SHELL line. */
export function healthCheckPrograms(test: string[]): string[] {
  const [kind, ...rest] = test;
  if (kind === 'CMD') return [rest[0]!];
  if (kind !== 'CMD-SHELL') throw new Error(`a health check form this check does not read: ${kind}`);
  const line = rest.join(' ').replace(/\$\$\(([^)]*)\)/g, ' ; $1 ; '); // $(…) runs its own command
  return ['sh', ...line.split(/\|\||&&|\||;/).map((part) => part.trim().split(/\s+/)[0]!).filter((w) => w && !w.startsWith('"') && !w.startsWith("'"))];
}
