// Start-up checks that the schema cannot make: the data directory is writable
// and the ports are free. All problems are reported together.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { GatewayConfig } from './schema.ts';

function dataDirProblem(dir: string): string | undefined {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.write-probe-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
    return undefined;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return `dataDir: ${dir} is not a writable directory (${e.code ?? e.message})`;
  }
}

export function portProblem(host: string, port: number, path: string): Promise<string | undefined> {
  if (port === 0) return Promise.resolve(undefined);
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is already in use' : err.code === 'EACCES' ? 'needs more privileges' : `cannot be opened (${err.code})`;
      done(`${path}: port ${port} on ${host} ${why}`);
    });
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => done(undefined)));
  });
}

function udpPortProblem(host: string, port: number, path: string): Promise<string | undefined> {
  if (port === 0) return Promise.resolve(undefined);
  return new Promise((done) => {
    const probe = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    probe.once('error', (err: NodeJS.ErrnoException) => {
      probe.close();
      done(`${path}: UDP port ${port} on ${host} ${err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be opened (${err.code})`}`);
    });
    probe.bind({ address: host, port, exclusive: true }, () => probe.close(() => done(undefined)));
  });
}

export async function preflight(config: GatewayConfig): Promise<string[]> {
  const problems = [dataDirProblem(config.dataDir), await portProblem(config.http.host, config.http.port, 'http.port')];
  if (config.sensors.enabled && config.sensors.broker.enabled) {
    problems.push(await portProblem(config.sensors.broker.host, config.sensors.broker.port, 'sensors.broker.port'));
  }
  if (config.video.enabled && config.video.rtmp.enabled) {
    problems.push(await portProblem(config.video.rtmp.host, config.video.rtmp.port, 'video.rtmp.port'));
  }
  if (config.gb28181.enabled) {
    const { host, port, transports } = config.gb28181;
    if (transports.includes('tcp')) problems.push(await portProblem(host, port, 'gb28181.port'));
    if (transports.includes('udp')) problems.push(await udpPortProblem(host, port, 'gb28181.port'));
  }
  return problems.filter((p): p is string => p !== undefined);
}
