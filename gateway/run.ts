// Starts the gateway as a process does: load and check the configuration,
// start, listen, and stop cleanly on SIGTERM/SIGINT. Problems at start-up are
// listed by path and the process exits non-zero instead of half-starting.
import type { AddressInfo } from 'node:net';
import { GwError } from '../device-registry/index.ts';
import { loadConfig, ConfigError } from './config/load.ts';
import { preflight } from './config/preflight.ts';
import type { GatewayConfig } from './config/schema.ts';
import { createGateway, type RunningGateway } from './gateway.ts';
import { createLogger } from './log.ts';

const EXIT_CONFIG = 78; // EX_CONFIG from sysexits.h

function fail(problems: string[]): never {
  process.stderr.write(`gateway: cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(EXIT_CONFIG);
}

export interface StartedGateway {
  gateway: RunningGateway;
  config: GatewayConfig;
  url: string;
}

/** Runs the gateway until a signal; `onStop` runs before the process exits (the demo stops its simulators there). */
export async function runGateway(argv: string[], onStop?: () => Promise<void>): Promise<StartedGateway> {
  let config: GatewayConfig;
  try {
    config = loadConfig({ argv, env: process.env, cwd: process.cwd() });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems);
    throw err;
  }
  const problems = await preflight(config);
  if (problems.length) fail(problems);

  const logger = createLogger(config.log.level);
  let gateway: RunningGateway;
  try {
    gateway = await createGateway(config, logger);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.problems);
    // PostgreSQL or NATS never came up within its connectTimeoutSeconds: say which and where.
    if (err instanceof GwError && err.code === 'GW_ERR_UNAVAILABLE') fail([`${err.field ?? 'store'}: ${err.message}`]);
    throw err;
  }
  let url: string;
  try {
    url = await gateway.app.listen({ host: config.http.host, port: config.http.port });
  } catch (err) {
    await gateway.close();
    const e = err as NodeJS.ErrnoException;
    fail([`http.port: cannot listen on ${config.http.host}:${config.http.port} (${e.code ?? e.message})`]);
  }
  // A cluster node joins (first lease tick) before it says it is up.
  await gateway.listening((gateway.app.server.address() as AddressInfo).port);
  logger.info({ url, dataDir: config.dataDir, rtmpPort: gateway.video?.ports.rtmp, sipPort: gateway.gb28181?.ports.sip, nodeId: gateway.scaleOut?.nodeId }, 'gateway listening');

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    gateway
      .close()
      .then(() => onStop?.())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  return { gateway, config, url };
}
